// The Proxmox host's networks for the VM stand-ins, in a namespace of their own (`<lab>-pve`):
//  - the lab bridge (plan.lan.bridge, e.g. vmbr42): no address, as on Proxmox; the router and nodes only;
//  - the uplink bridge (vmbr0) standing for the user's home network, holding what a home network has:
//    a DHCP server and gateway (the router's WAN is DHCP by default), the resolvers the VMs are given
//    (plan network.dns, e.g. 1.1.1.1 and 9.9.9.9, as addresses of this bridge) answering deb.debian.org
//    and security.debian.org with the offline archive's address, and that archive over HTTP.
//    Nodes reach all of it only through the router's NAT, as on a real host.
//  - a veth from this machine to the namespace, routed, so this machine reaches the router's WAN address
//    the way a user's workstation does.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { formatIp } from '../../../lab/ipv4.ts';
import type { LabPlan } from '../../../lab/plan.ts';
import { vmDns } from '../../../lab/vm-network.ts';
import { ROOT } from '../../../lab/load.ts';
import { startIn } from '../../../scripts/hosts/daemons.ts';
import { mgmtSubnet } from '../../../scripts/hosts/netns.ts';

export interface VmNetwork {
  readonly namespace: string;
  readonly lanBridge: string;
  readonly wanBridge: string;
  /** The home network's gateway, DHCP server and archive host. */
  readonly wanGateway: string;
  readonly wanCidr: string;
  readonly dhcpRange: readonly [string, string];
  /** The veth from this machine: its name here, its address here and in the namespace. */
  readonly uplink: { readonly iface: string; readonly hostIp: string; readonly nsIp: string };
}

/** TEST-NET-2 stands for the user's home network. */
const WAN = { gateway: '198.51.100.1', cidr: '198.51.100.0/24', range: ['198.51.100.100', '198.51.100.199'] as const };

export function vmNetwork(plan: LabPlan): VmNetwork {
  const link = mgmtSubnet(`${plan.name}-pve`);
  return {
    namespace: `${plan.name}-pve`,
    lanBridge: plan.lan.bridge,
    wanBridge: plan.config.proxmox.uplinkBridge,
    wanGateway: WAN.gateway,
    wanCidr: WAN.cidr,
    dhcpRange: WAN.range,
    uplink: { iface: `${plan.name}-pvew`, hostIp: formatIp(link + 1), nsIp: formatIp(link + 2) },
  };
}

/** Proxmox's tap name for netN of a VM (qemu-server: tap<vmid>i<n>). */
export const tapName = (vmid: number, n: number) => `tap${vmid}i${n}`;

/**
 * Runs a shell script; on a machine shared with other namespace users, LAB_NETNS_LOCK names a lock file
 * held around it (once, for the whole script).
 */
function sh(script: string): void {
  const lock = process.env.LAB_NETNS_LOCK;
  execFileSync(lock ? 'flock' : 'sh', [...(lock ? [lock, 'sh'] : []), '-ec', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const batch = (lines: string[], ns?: string) => `ip ${ns ? `-n ${ns} ` : ''}-batch - <<'EOF'\n${lines.join('\n')}\nEOF`;

/** Namespace, both bridges, the uplink veth and route; `taps` are created on their bridges. */
export function createVmNetwork(n: VmNetwork, plan: LabPlan, taps: { name: string; bridge: string }[]): void {
  sh(
    [
      batch([
        `netns add ${n.namespace}`,
        `link add ${n.uplink.iface} type veth peer name uplink netns ${n.namespace}`,
        `addr add ${n.uplink.hostIp}/30 dev ${n.uplink.iface}`,
        `link set ${n.uplink.iface} up`,
      ]),
      batch(
        [
          'link set lo up',
          ...[n.lanBridge, n.wanBridge].flatMap((b) => [`link add ${b} type bridge`, `link set ${b} up`]),
          `addr add ${n.wanGateway}/24 dev ${n.wanBridge}`,
          ...vmDns(plan).servers.map((s) => `addr add ${s}/32 dev ${n.wanBridge}`),
          `addr add ${n.uplink.nsIp}/30 dev uplink`,
          'link set uplink up',
          ...taps.flatMap((t) => [
            `tuntap add dev ${t.name} mode tap`,
            `link set ${t.name} master ${t.bridge}`,
            `link set ${t.name} up`,
          ]),
        ],
        n.namespace,
      ),
      `ip netns exec ${n.namespace} sysctl -q -w net.ipv4.ip_forward=1`,
      `ip route replace ${n.wanCidr} via ${n.uplink.nsIp}`,
    ].join('\n'),
  );
}

/** dnsmasq (DHCP and DNS of the home network) and the archive's HTTP server, in the namespace. */
export function startWanServices(n: VmNetwork, plan: LabPlan, repo: string, runDir: string): void {
  startIn(
    n.namespace,
    [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      `--interface=${n.wanBridge}`,
      // The only names the VMs look up: Debian's archive. Everything else gets no answer.
      `--address=/deb.debian.org/${n.wanGateway}`,
      `--address=/security.debian.org/${n.wanGateway}`,
      `--dhcp-range=${n.dhcpRange[0]},${n.dhcpRange[1]},255.255.255.0,12h`,
      `--dhcp-option=option:router,${n.wanGateway}`,
      `--dhcp-option=option:dns-server,${vmDns(plan).servers.join(',')}`,
      `--dhcp-leasefile=${join(runDir, 'dnsmasq.leases')}`,
      '--log-dhcp',
    ],
    runDir,
    'dnsmasq',
  );
  startIn(
    n.namespace,
    [
      process.execPath,
      join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      join(ROOT, 'test/fakes/vms/archive-server.ts'),
      repo,
      n.wanGateway,
    ],
    runDir,
    'archive',
  );
}

/** Removes the route and the namespace (its bridges, taps and veth end with it). */
export function deleteVmNetwork(n: VmNetwork): void {
  const exists = execFileSync('sh', [
    '-c',
    `ip netns list | grep -qw ${n.namespace} || ip link show ${n.uplink.iface} >/dev/null 2>&1 && echo yes || true`,
  ])
    .toString()
    .trim();
  if (!exists) return;
  sh(
    `ip route del ${n.wanCidr} via ${n.uplink.nsIp} 2>/dev/null || true; ip link del ${n.uplink.iface} 2>/dev/null || true; ip netns del ${n.namespace} 2>/dev/null || true`,
  );
}
