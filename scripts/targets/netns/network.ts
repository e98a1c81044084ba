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
    if (!/^[^\s'"#\\]+$/.test(v)) throw new LabError('E_NETNS', `${JSON.stringify(v.slice(0, 40))} cannot be one word of an ip command`, 'interface and namespace names hold no blanks, quotes, # or backslashes');
    return out + v + s;
  });
}

const up = (iface: string, address?: string) => [...(address ? [ipLine`addr add ${address} dev ${iface}`] : []), ipLine`link set ${iface} up`];

export function networkBatches(t: Topology, plan: LabPlan): NetworkBatches {
  const r = t.router;
  const host = [
    ...[t.lanNamespace, r.namespace, t.client.namespace, ...t.nodes.map((n) => n.namespace)].map((ns) => ipLine`netns add ${ns}`),
    ipLine`link add ${t.lanIface} netns ${r.namespace} type veth peer name ${r.bridgePort} netns ${t.lanNamespace}`,
    ...t.nodes.map((n) => ipLine`link add ${t.nodeIface} netns ${n.namespace} type veth peer name ${n.bridgePort} netns ${t.lanNamespace}`),
    ipLine`link add ${t.wanIface} netns ${r.namespace} type veth peer name ${t.wanIface} netns ${t.client.namespace}`,
    ipLine`link add ${t.mgmt.iface} type veth peer name mgmt0 netns ${r.namespace}`,
    ...up(t.mgmt.iface, `${t.mgmt.hostIp}/${t.mgmt.prefix}`),
  ];
  const lan = ['link set lo up', ipLine`link add ${t.bridge} type bridge`, ipLine`link set ${t.bridge} up`, ...[r, ...t.nodes].flatMap((n) => [ipLine`link set ${n.bridgePort} master ${t.bridge}`, ipLine`link set ${n.bridgePort} up`])];
  const router = [
    'link set lo up',
    ...up(t.wanIface, `${r.wanIp}/${r.wanPrefix}`),
    ...up(t.lanIface, `${r.lanIp}/${t.lanPrefix}`),
    ...up('mgmt0', `${r.mgmtIp}/${t.mgmt.prefix}`),
    // The client stands for the internet: the router's default route leads to it.
    ipLine`route add default via ${t.client.wanIp}`,
  ];
  // The client is the outside world: it reaches the lab as a home router would, through the lab router.
  const client = ['link set lo up', ...up(t.wanIface, `${t.client.wanIp}/${r.wanPrefix}`), ...[plan.lan.cidr, plan.bgp.cidr].map((net) => ipLine`route add ${net} via ${r.wanIp}`)];
  const nodes = Object.fromEntries(t.nodes.map((n) => [n.namespace, ['link set lo up', ...up(t.nodeIface, `${n.lanIp}/${t.lanPrefix}`), ipLine`route add default via ${r.lanIp}`]]));
  return { host, namespaces: { [t.lanNamespace]: lan, [r.namespace]: router, [t.client.namespace]: client, ...nodes } };
}

/** Nodes that do not hold the service IP must stay silent: answer ARP only for their own interface's addresses. */
export function nodeSysctls(t: Pick<Topology, 'nodeIface'>): Record<string, string> {
  return Object.fromEntries(
    ['all', t.nodeIface].flatMap((i) => [
      [`net.ipv4.conf.${i}.arp_ignore`, '1'],
      [`net.ipv4.conf.${i}.arp_announce`, '2'],
    ]),
  );
}
