// The emulated lab's links, addresses and routes as `ip -batch` lines: one batch in this machine's
// namespace (namespaces and veth pairs), then one per namespace. Pure, so it is tested without root.
import { LabError } from '../../../lab/errors.ts';
import type { LabPlan } from '../../../lab/plan.ts';
import type { Topology } from './topology.ts';

export interface NetworkBatches {
  /** Run with `ip -batch -` in this machine's namespace. */
  readonly host: string[];
  /** Run with `ip -n <namespace> -batch -`. */
  readonly namespaces: Record<string, string[]>;
}

/**
 * One `ip -batch` line. ip splits a batch line at blanks and reads quotes and `#` itself (iproute2
 * lib/utils.c, makeargs), so a value holding any of them would become other arguments: refused here.
 */
export function ipLine(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, s, i) => {
    const v = String(values[i - 1]);
    if (!/^[^\s'"#\\]+$/.test(v))
      throw new LabError(
        'E_NETNS',
        `${JSON.stringify(v.slice(0, 40))} cannot be one word of an ip command`,
        'interface and namespace names hold no blanks, quotes, # or backslashes',
      );
    return out + v + s;
  });
}

const up = (iface: string, address?: string) => [
  ...(address ? [ipLine`addr add ${address} dev ${iface}`] : []),
  ipLine`link set ${iface} up`,
];

export function networkBatches(topo: Topology, plan: LabPlan): NetworkBatches {
  const r = topo.router;
  const host = [
    ...[topo.lanNamespace, r.namespace, topo.client.namespace, ...topo.nodes.map((n) => n.namespace)].map(
      (ns) => ipLine`netns add ${ns}`,
    ),
    ipLine`link add ${topo.lanIface} netns ${r.namespace} type veth peer name ${r.bridgePort} netns ${topo.lanNamespace}`,
    ...topo.nodes.map(
      (n) =>
        ipLine`link add ${topo.nodeIface} netns ${n.namespace} type veth peer name ${n.bridgePort} netns ${topo.lanNamespace}`,
    ),
    ipLine`link add ${topo.wanIface} netns ${r.namespace} type veth peer name ${topo.wanIface} netns ${topo.client.namespace}`,
    ipLine`link add ${topo.mgmt.iface} type veth peer name mgmt0 netns ${r.namespace}`,
    ...up(topo.mgmt.iface, `${topo.mgmt.hostIp}/${topo.mgmt.prefix}`),
  ];
  const lan = [
    'link set lo up',
    ipLine`link add ${topo.bridge} type bridge`,
    ipLine`link set ${topo.bridge} up`,
    ...[r, ...topo.nodes].flatMap((n) => [
      ipLine`link set ${n.bridgePort} master ${topo.bridge}`,
      ipLine`link set ${n.bridgePort} up`,
    ]),
  ];
  const router = [
    'link set lo up',
    ...up(topo.wanIface, `${r.wanIp}/${r.wanPrefix}`),
    ...up(topo.lanIface, `${r.lanIp}/${topo.lanPrefix}`),
    ...up('mgmt0', `${r.mgmtIp}/${topo.mgmt.prefix}`),
    // The client stands for the internet: the router's default route leads to it.
    ipLine`route add default via ${topo.client.wanIp}`,
  ];
  // The client is the outside world: it reaches the lab as a home router would, through the lab router.
  const client = [
    'link set lo up',
    ...up(topo.wanIface, `${topo.client.wanIp}/${r.wanPrefix}`),
    ...[plan.lan.cidr, plan.bgp.cidr].map((net) => ipLine`route add ${net} via ${r.wanIp}`),
  ];
  const nodes = Object.fromEntries(
    topo.nodes.map((n) => [
      n.namespace,
      [
        'link set lo up',
        ...up(topo.nodeIface, `${n.lanIp}/${topo.lanPrefix}`),
        ipLine`route add default via ${r.lanIp}`,
      ],
    ]),
  );
  return {
    host,
    namespaces: { [topo.lanNamespace]: lan, [r.namespace]: router, [topo.client.namespace]: client, ...nodes },
  };
}

/** Nodes that do not hold the service IP must stay silent: answer ARP only for their own interface's addresses. */
export function nodeSysctls(topo: Pick<Topology, 'nodeIface'>): Record<string, string> {
  return Object.fromEntries(
    ['all', topo.nodeIface].flatMap((i) => [
      [`net.ipv4.conf.${i}.arp_ignore`, '1'],
      [`net.ipv4.conf.${i}.arp_announce`, '2'],
    ]),
  );
}
