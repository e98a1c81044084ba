// Faults only the tests inject into a running emulated lab (lab:compare's own are in
// scripts/targets/netns/faults.ts): a daemon crash, an address gone, a cable pulled.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { responderSet, TABLE } from '../../standins/cilium/arp-responder.ts';
import { signalAgent } from '../../scripts/targets/netns/faults.ts';
import type { Topology } from '../../scripts/targets/netns/topology.ts';

const node = (t: Topology, name: string) =>
  t.nodes.find((n) => n.name === name) ??
  (() => {
    throw new Error(`no node ${name}`);
  })();

/** FRR's bgpd or zebra on the router crashes. */
export function crashRouterDaemon(t: Topology, daemon: 'bgpd' | 'zebra'): void {
  process.kill(Number(readFileSync(join(t.runDir, 'frr', `${daemon}.pid`), 'utf8')), 'SIGKILL');
}

/** A node's Cilium agent stand-in crashes (SIGKILL); in BGP mode its GoBGP goes with it. */
export function crashAgent(t: Topology, name: string): Promise<void> {
  return signalAgent(t.runDir, node(t, name).name, 'SIGKILL');
}

/** The node whose ARP responder answers for the L2 service address (the lease holder's datapath). */
export async function serviceHolder(t: Topology, ip: string): Promise<string> {
  for (const n of t.nodes) {
    const set = await $({
      quiet: true,
      nothrow: true,
    })`ip netns exec ${n.namespace} nft -j list set netdev ${TABLE} ${responderSet(t.nodeIface)}`;
    if (set.exitCode === 0 && set.stdout.includes(`"${ip}"`)) return n.name;
  }
  throw new Error(`no node answers ARP for ${ip}`);
}

/** The service address disappears from a node's datapath while its agent carries on answering ARP. */
export async function removeServiceAddress(t: Topology, name: string, ip: string): Promise<void> {
  await $({ quiet: true })`ip -n ${node(t, name).namespace} addr del ${`${ip}/32`} dev lo`;
}

/** A node's cable is pulled at the LAN switch. */
export async function cutNodeLink(t: Topology, name: string): Promise<void> {
  await $({ quiet: true })`ip -n ${t.lanNamespace} link set ${node(t, name).bridgePort} down`;
}
