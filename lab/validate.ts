// Rules that span several fields of lab.yaml. Each finding names the field, the value and the fix.
import type { FieldIssue } from './errors.ts';
import { durationMs } from './duration.ts';
import { contains, formatCidr, formatIp, isUsableHost, overlaps, parseCidr, parseIp, size } from './ipv4.ts';
import { PINS } from './pins.ts';
import type { LabConfig } from './schema.ts';

export function nodeCount(config: LabConfig): number {
  return config.kubernetes.controlPlanes + config.kubernetes.workers;
}

/** "1.20.0" → "1.20"; "v1.33.5+k3s1" → "1.33". */
export function minorOf(version: string): string {
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

const OVERLAP_FIX: Record<string, string> = {
  'l2.pool': 'pick a block inside the LAN that no other network uses',
  'router.wan.address': 'the LAN must be a network of its own: change network.cidr or the WAN address',
  'bgp.pool': 'pick a block routed only through the lab, e.g. 172.31.42.0/28',
  'kubernetes.podCidr': 'cluster-internal networks must be used nowhere else: pick another private block, e.g. 10.244.0.0/16',
  'kubernetes.serviceCidr': 'cluster-internal networks must be used nowhere else: pick another private block, e.g. 10.96.0.0/16',
};

export function crossFieldIssues(config: LabConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, value: unknown, problem: string, fix: string) => issues.push({ path, value, problem, fix });

  const lan = parseCidr(config.network.cidr);
  const count = nodeCount(config);
  const routerIp = lan.network + config.network.routerHost;
  const nodeIps = Array.from({ length: count }, (_, i) => lan.network + config.network.firstNodeHost + i);
  const hostIps = [routerIp, ...nodeIps];

  if (lan.prefix > 29) add('network.cidr', config.network.cidr, 'LAN too small', 'use a /24 (at most /29)');
  if (!isUsableHost(lan, routerIp)) {
    add('network.routerHost', config.network.routerHost, `router address ${formatIp(routerIp)} is not a usable host of ${config.network.cidr}`, `use a host number from 1 to ${size(lan) - 2}`);
  }
  const lastNode = nodeIps.at(-1);
  if (lastNode !== undefined && !isUsableHost(lan, lastNode)) {
    add('network.firstNodeHost', config.network.firstNodeHost, `${count} nodes from host ${config.network.firstNodeHost} end at ${formatIp(lastNode)}, outside ${config.network.cidr}`, `lower firstNodeHost to at most ${size(lan) - 1 - count} or widen network.cidr`);
  }
  if (nodeIps.includes(routerIp)) {
    add('network.routerHost', config.network.routerHost, `router address ${formatIp(routerIp)} is also a node address`, `move routerHost below ${config.network.firstNodeHost} or firstNodeHost above it`);
  }

  const l2 = parseCidr(config.l2.pool);
  if (!contains(lan, l2.network) || !contains(lan, l2.network + size(l2) - 1)) {
    add('l2.pool', config.l2.pool, `L2 pool is not inside the LAN ${config.network.cidr}`, 'ARP only reaches the LAN: pick a block inside it, e.g. the top /28');
  } else {
    const clash = hostIps.find((ip) => contains(l2, ip));
    if (clash !== undefined) add('l2.pool', config.l2.pool, `L2 pool holds host address ${formatIp(clash)}`, 'move the pool clear of the router and node addresses');
    if (l2.network === lan.network || l2.network + size(l2) - 1 === lan.network + size(lan) - 1) {
      add('l2.pool', config.l2.pool, `L2 pool includes the LAN's network or broadcast address`, 'keep the pool strictly inside the LAN');
    }
  }

  // Every network of the lab must stand alone; only the L2 pool lives inside the LAN, by design.
  const networks: [field: string, text: string][] = [
    ['network.cidr', config.network.cidr],
    ['l2.pool', config.l2.pool],
    ...(config.router.wan.mode === 'static' ? [['router.wan.address', config.router.wan.address] as [string, string]] : []),
    ['bgp.pool', config.bgp.pool],
    ['kubernetes.podCidr', config.kubernetes.podCidr],
    ['kubernetes.serviceCidr', config.kubernetes.serviceCidr],
  ];
  networks.forEach(([field, text], j) => {
    const clash = networks
      .slice(0, j)
      .find(([other, otherText]) => !(other === 'network.cidr' && field === 'l2.pool') && overlaps(parseCidr(text, false), parseCidr(otherText, false)));
    if (clash) add(field, text, `overlaps ${clash[0]} (${clash[1]})`, OVERLAP_FIX[field]!);
  });

  if (config.router.wan.mode === 'static') {
    const wan = parseCidr(config.router.wan.address, false);
    const wanIp = parseIp(config.router.wan.address.split('/')[0]!);
    if (!isUsableHost(wan, wanIp)) add('router.wan.address', config.router.wan.address, 'not a usable host address', 'avoid the network and broadcast addresses');
    const gw = parseIp(config.router.wan.gateway);
    if (!contains(wan, gw)) add('router.wan.gateway', config.router.wan.gateway, `gateway is outside the WAN subnet ${formatCidr(wan)}`, 'give the gateway of your home network');
    else if (gw === wanIp) add('router.wan.gateway', config.router.wan.gateway, 'gateway equals the WAN address', 'give the upstream router, not the lab router');
  }

  if (config.proxmox.uplinkBridge === config.network.bridge) {
    add('network.bridge', config.network.bridge, 'lab bridge is the uplink bridge', 'use a bridge of its own for the lab LAN, e.g. vmbr42');
  }
  if (config.proxmox.nodes.length > 1 && config.network.ports.length === 0) {
    add('network.ports', config.network.ports, `VMs are spread over ${config.proxmox.nodes.length} Proxmox nodes but the lab bridge has no port`, 'a port-less bridge stays inside one node: give a NIC or VLAN interface that links the nodes, or list one Proxmox node');
  }
  dupes(config.proxmox.nodes).forEach((n) => add('proxmox.nodes', n, 'node listed twice', 'list each Proxmox node once'));
  dupes(config.ssh.authorizedKeys).forEach((k) => add('ssh.authorizedKeys', `${k.slice(0, 24)}…`, 'key listed twice', 'list each key once'));
  dupes(config.network.dns).forEach((d) => add('network.dns', d, 'server listed twice', 'list each server once'));
  const lastId = config.proxmox.vmIdBase + count;
  if (lastId > 999_999_999) add('proxmox.vmIdBase', config.proxmox.vmIdBase, `VM IDs would run to ${lastId}`, 'lower vmIdBase');

  if (config.bgp.routerAsn === config.bgp.nodeAsn) {
    add('bgp.nodeAsn', config.bgp.nodeAsn, 'nodes share the router ASN', 'the lab peers over eBGP: give router and nodes different ASNs, e.g. 65000 and 65001');
  }
  const { keepalive, hold } = config.bgp.timers;
  if (keepalive * 3 > hold) add('bgp.timers.keepalive', keepalive, `keepalive is more than a third of hold (${hold} s)`, `use at most ${Math.floor(hold / 3)} s, or raise hold`);

  const lease = config.l2.lease;
  const [d, r, p] = [durationMs(lease.duration), durationMs(lease.renewDeadline), durationMs(lease.retryPeriod)];
  if (!(d > r)) add('l2.lease.renewDeadline', lease.renewDeadline, `renewDeadline is not shorter than duration (${lease.duration})`, 'keep duration > renewDeadline > retryPeriod, e.g. 3s > 1s > 200ms');
  if (!(r > p)) add('l2.lease.retryPeriod', lease.retryPeriod, `retryPeriod is not shorter than renewDeadline (${lease.renewDeadline})`, 'keep duration > renewDeadline > retryPeriod, e.g. 3s > 1s > 200ms');

  const minor = minorOf(config.cilium.version);
  if (!(PINS.ciliumMinors as readonly string[]).includes(minor)) {
    add('cilium.version', config.cilium.version, `Cilium ${minor} is not a maintained release (supported: ${PINS.ciliumMinors.join(', ')})`, `use a release of ${PINS.ciliumMinors.join(', ')}, e.g. ${PINS.cilium}`);
  }
  return issues;
}

function dupes<T>(items: readonly T[]): T[] {
  return items.filter((item, i) => items.indexOf(item) !== i);
}
