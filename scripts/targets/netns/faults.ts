// Faults to inject into a running emulated lab, each a small self-contained function named for what
// breaks. Crashes are SIGKILL (nothing cleans up after itself; the tests use them to show that every
// fault ends in a verdict); lab:compare's graceful stops are SIGTERM to the stand-in processes the
// target started in a node's namespace (GoBGP, the L2 announcer), whatever they then do (see
// standins/cilium/), plus FRR restarted in the router's namespace and its neighbour cache flushed.
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { $ } from 'zx';
import { LabError } from '../../../lab/errors.ts';
import type { Mode } from '../../../lab/plan.ts';
import { type Host, run } from '../../hosts/host.ts';
import { waitFor } from '../../wait.ts';
import { alive, namespacePids, recordedProcesses, startIn, stopPids } from './daemons.ts';
import { type FrrInstance, loadFrrConfig, startFrr } from './frr.ts';
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

export interface Proc {
  readonly pid: number;
  readonly argv: readonly string[];
}

/** A stopped speaker: how to start it again, and (GoBGP) the routes it was advertising. */
export interface Stopped {
  readonly namespace: string;
  readonly procs: readonly Proc[];
  readonly routes: readonly string[];
}

const GOBGP = 'gobgp -u 127.0.0.1';

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The process that speaks for a node in this mode: gobgpd (BGP), or the agent running the announcer (L2, started with --vip). */
export function isSpeaker(mode: Mode, argv: readonly string[]): boolean {
  return mode === 'bgp' ? basename(argv[0] ?? '') === 'gobgpd' : argv.includes('--vip');
}

export async function speakers(namespace: string, mode: Mode): Promise<Proc[]> {
  return (await namespacePids(namespace)).map((pid) => ({ pid, argv: argvOf(pid) })).filter((p) => alive(p.pid) && isSpeaker(mode, p.argv));
}

/** SIGTERM to the node's speaker; waits (KILL after 5 s) until it is gone. */
export async function stopSpeaker(node: Host & { readonly namespace: string }, mode: Mode): Promise<Stopped> {
  const procs = await speakers(node.namespace, mode);
  const rib = mode === 'bgp' ? JSON.parse((await node.exec(`${GOBGP} global rib -a ipv4 -j`)).stdout || '{}') : {};
  await stopPids(procs.map((p) => p.pid), 5000);
  return { namespace: node.namespace, procs, routes: Object.keys(rib) };
}

/** Starts what stopSpeaker stopped, with the same command line; GoBGP gets its routes back. */
export async function startSpeaker(node: Host, stopped: Stopped, runDir: string): Promise<void> {
  for (const p of stopped.procs) startIn(stopped.namespace, [...p.argv], runDir, `restart-${basename(p.argv[0] ?? 'proc')}-${stopped.namespace}`);
  if (stopped.routes.length === 0) return;
  await waitFor(`gobgpd on ${node.name} again`, 10_000, async () => (await node.exec(`${GOBGP} global`)).code === 0);
  for (const prefix of stopped.routes) await run(node, `${GOBGP} global rib add -a ipv4 ${prefix}`);
}

/** Stops FRR's daemons and starts them again with the same configuration, as `systemctl restart frr` does. */
export async function restartFrr(frr: FrrInstance, daemons: ('zebra' | 'bgpd')[], runDir: string, configFile: string): Promise<void> {
  const pidFile = (d: string) => join(frr.vtyDir, `${d}.pid`);
  const pids = daemons.map((d) => Number(readFileSync(pidFile(d), 'utf8')));
  await stopPids(pids, 5000);
  // Stale pid files and sockets would make the start believe the daemons were already up.
  for (const d of daemons) for (const f of [pidFile(d), join(frr.vtyDir, `${d}.vty`)]) rmSync(f, { force: true });
  await startFrr(frr.namespace, runDir, daemons);
  await loadFrrConfig(frr, configFile);
}

/** Forgets every neighbour the router learned on its LAN: the next packet asks ARP again. */
export async function flushNeighbours(router: Host, iface: string): Promise<void> {
  await run(router, `ip neigh flush dev ${iface}`);
}
