// The fake Proxmox API for tests: a good scenario for the example lab, a self-signed certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allHosts, type LabPlan } from '../../lab/plan.ts';
import { privileges } from '../../scripts/targets/proxmox/calls.ts';
import type { HostOutput } from '../../stacks/outputs.ts';
import type { PveScenario } from '../fakes/proxmox-api/fake.ts';
import type { VmImage } from '../fakes/vms/image.ts';

/** A VM image that is never read: describeVmLab (test/fakes/vms) only names its files. */
export const UNREAD_IMAGE: VmImage = {
  dir: '/i',
  disk: '/i/root.raw',
  kernel: '/i/vmlinuz',
  initrd: '/i/initrd.img',
  repo: '/i/repo',
  packages: [],
};

export const TOKEN = 'root@pam!lab=11111111-2222-3333-4444-555555555555';
const GiB = 1024 ** 3;

export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lab-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'k'),
        '-out',
        join(dir, 'c'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'k'), 'utf8'), cert: readFileSync(join(dir, 'c'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The releases the lab supports, as GET /version names them (pve-manager's package version). */
export const PVE_VERSIONS = ['8.4.1', '9.1.3'] as const;

/** A Proxmox host of that release on which the example lab can be built: every check passes. */
export function goodScenario(plan: LabPlan, version: string = '9.1.3'): PveScenario {
  const privs = Object.fromEntries(
    [
      ...new Set(
        Object.values(privileges(Number(version.split('.')[0]) < 9 ? 8 : 9))
          .flat()
          .flatMap((p) => p.split('|')),
      ),
    ].map((p) => [p, 1]),
  );
  return {
    token: TOKEN,
    version,
    nodes: [{ node: 'pve', status: 'online', mem: 8 * GiB, maxmem: 64 * GiB }],
    storage: {
      pve: [
        { storage: 'local', type: 'dir', content: 'iso,vztmpl,backup,snippets,import', enabled: 1, active: 1 },
        { storage: 'local-lvm', type: 'lvmthin', content: 'images,rootdir', enabled: 1, active: 1 },
      ],
    },
    network: {
      pve: [
        // GET /nodes/{node}/network: a bridge with an address carries `cidr` (pve-common INotify.pm
        // read_etc_network_interfaces: address/prefix as written in /etc/network/interfaces).
        { iface: 'vmbr0', type: 'bridge', active: 1, cidr: '192.168.1.10/24' },
        { iface: 'eno1', type: 'eth', active: 1 },
      ],
    },
    vms: [{ vmid: 100, node: 'pve', name: 'homeassistant', status: 'running' }],
    permissions: { '/': privs },
    guestFiles: {},
    guestNetwork: Object.fromEntries(allHosts(plan).map((h) => [h.vmId, agentInterfaces(plan, h.name)])),
  };
}

/** One interface of the guest agent's `guest-network-get-interfaces` answer (qemu `qga/qapi-schema.json`, GuestNetworkInterface). */
export interface AgentInterface {
  name: string;
  'hardware-address': string;
  'ip-addresses': { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
}

/**
 * What a lab VM's agent reports once cloud-init is done, in its order: qemu-ga walks getifaddrs()
 * (qemu `qga/commands-posix.c`, qmp_guest_network_get_interfaces), so `lo` (ifindex 1) comes first.
 * Proxmox passes it through as `{result: [...]}` (qemu-server src/PVE/API2/Qemu/Agent.pm). `wan` is
 * the router's DHCP address on your network.
 */
export function agentInterfaces(plan: LabPlan, name: string, wan = '192.168.1.57'): AgentInterface[] {
  const v4 = (ip: string, prefix: number) => ({ 'ip-address': ip, 'ip-address-type': 'ipv4' as const, prefix });
  const linkLocal = (mac: string) => ({
    'ip-address': `fe80::${mac.slice(9).replaceAll(':', '').toLowerCase()}`,
    'ip-address-type': 'ipv6' as const,
    prefix: 64,
  });
  const lo = {
    name: 'lo',
    'hardware-address': '00:00:00:00:00:00',
    'ip-addresses': [v4('127.0.0.1', 8), { 'ip-address': '::1', 'ip-address-type': 'ipv6' as const, prefix: 128 }],
  };
  const nic = (ifname: string, mac: string, ip: string, prefix: number) => ({
    name: ifname,
    'hardware-address': mac.toLowerCase(),
    'ip-addresses': [v4(ip, prefix), linkLocal(mac)],
  });
  if (name === plan.router.name)
    return [
      lo,
      nic('eth0', plan.router.wanMac, wan, 24),
      nic('eth1', plan.router.lanMac, plan.router.lanIp, plan.lan.prefix),
    ];
  const node = plan.nodes.find((n) => n.name === name)!;
  return [lo, nic('eth0', node.lanMac, node.lanIp, plan.lan.prefix)];
}

/**
 * The VMs stack's `hosts` output for these agent answers, as bpg/proxmox 0.111.1 fills the three lists
 * (proxmoxtf/resource/vm/network/network.go, ReadNetworkValues): one entry per interface in the
 * agent's order, IPv4 addresses only, MACs uppercased.
 */
export function hostOutputs(
  plan: LabPlan,
  agent: (name: string) => AgentInterface[] = (n) => agentInterfaces(plan, n),
): HostOutput[] {
  return allHosts(plan).map((h) => {
    const ifaces = agent(h.name);
    return {
      name: h.name,
      role: h.role,
      vm_id: h.vmId,
      proxmox_node: h.proxmoxNode,
      lan_ip: h.lanIp,
      ipv4_addresses: ifaces.map((i) =>
        i['ip-addresses'].filter((a) => a['ip-address-type'] === 'ipv4').map((a) => a['ip-address']),
      ),
      mac_addresses: ifaces.map((i) => i['hardware-address'].toUpperCase()),
      network_interface_names: ifaces.map((i) => i.name),
    };
  });
}
