// Faults lab:compare applies to the emulated lab, each a small self-contained function: signals to the
// stand-in processes the target started in a node's namespace (GoBGP, the L2 announcer), FRR restarted
// in the router's namespace, the router's neighbour cache flushed. Whatever the stand-ins do on
// SIGTERM (see standins/cilium/) is what a graceful stop measures.
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Mode } from '../../../lab/plan.ts';
import { type Host, run } from '../../hosts/host.ts';
import { waitFor } from '../../wait.ts';
import { alive, namespacePids, startIn, stopPids } from './daemons.ts';
import { type FrrInstance, loadFrrConfig, startFrr } from './frr.ts';

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
