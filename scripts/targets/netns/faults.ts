// Faults to inject into a running emulated lab, each named for what breaks (the tests use them to show
// that every fault ends in a verdict). Crashes are SIGKILL: nothing gets to clean up after itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { LabError } from '../../../lab/errors.ts';
import { recordedProcesses } from './daemons.ts';
import type { Topology } from './topology.ts';

function killRecorded(t: Topology, namespace: string, what: string): void {
  const p = recordedProcesses(t.runDir).find((x) => x.what === `${namespace} ${what}`);
  if (!p) throw new LabError('E_FAULT', `no ${what} recorded in ${namespace}`);
  process.kill(p.pid, 'SIGKILL');
}

const node = (t: Topology, name: string) => t.nodes.find((n) => n.name === name) ?? (() => { throw new LabError('E_FAULT', `no node ${name}`); })();

/** FRR's bgpd or zebra on the router crashes. */
export function crashRouterDaemon(t: Topology, daemon: 'bgpd' | 'zebra'): void {
  process.kill(Number(readFileSync(join(t.runDir, 'frr', `${daemon}.pid`), 'utf8')), 'SIGKILL');
}

/** A node's BGP speaker (gobgpd, Cilium's BGP control plane) crashes. */
export function crashSpeaker(t: Topology, name: string): void {
  killRecorded(t, node(t, name).namespace, `gobgpd-${name}`);
}

/** A node's Cilium agent stand-in (the L2 announcer and the echo) crashes. */
export function crashAnnouncer(t: Topology, name: string): void {
  killRecorded(t, node(t, name).namespace, `agent-${name}`);
}

/** The node whose LAN interface carries the L2 service address (the lease holder). */
export async function serviceHolder(t: Topology, ip: string): Promise<string> {
  for (const n of t.nodes) {
    const addrs = JSON.parse((await $({ quiet: true })`ip -n ${n.namespace} -j addr show dev ${t.nodeIface}`).stdout) as { addr_info: { local: string }[] }[];
    if (addrs.some((a) => a.addr_info.some((i) => i.local === ip))) return n.name;
  }
  throw new LabError('E_FAULT', `no node holds ${ip}`);
}

/** The service address disappears from the node that holds it, while its agent carries on. */
export async function removeServiceAddress(t: Topology, name: string, ip: string): Promise<void> {
  await $({ quiet: true })`ip -n ${node(t, name).namespace} addr del ${`${ip}/32`} dev ${t.nodeIface}`;
}

/** A node's cable is pulled at the LAN switch. */
export async function cutNodeLink(t: Topology, name: string): Promise<void> {
  await $({ quiet: true })`ip -n ${t.lanNamespace} link set ${node(t, name).bridgePort} down`;
}
