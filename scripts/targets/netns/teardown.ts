// Removes every trace of an emulated lab: its processes, namespaces (and with them every link inside),
// the management link, runtime and state files. Safe to run twice, or after an interrupted start. It
// says what it removed, what it kept (files of other commands) and fails naming anything that stayed.
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { $ } from 'zx';
import { LabError } from '../../../lab/errors.ts';
import type { LabPlan } from '../../../lab/plan.ts';
import { LAST_VERIFICATION, lastVerification } from '../../verify/last-verification.ts';
import { labStateDir, ROOT } from '../../../lab/load.ts';
import { alive, namespacePids, recordedProcesses, stopPids } from '../../hosts/daemons.ts';
import { namespaces, type Topology, topology } from './topology.ts';
import { RUN_ROOT } from '../../hosts/netns.ts';

export async function existingNamespaces(): Promise<Set<string>> {
  const out = (await $({ nothrow: true, quiet: true })`ip netns list`).stdout;
  return new Set(
    out
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(Boolean),
  );
}

const linkExists = async (iface: string) =>
  (await $({ nothrow: true, quiet: true })`ip link show ${iface}`).exitCode === 0;

export async function isUp(topo: Topology): Promise<boolean> {
  const present = await existingNamespaces();
  return namespaces(topo).some((ns) => present.has(ns));
}

/** What a lab that is up is missing: namespaces gone, recorded processes no longer running. */
export async function damage(topo: Topology): Promise<string[]> {
  const present = await existingNamespaces();
  const missing = namespaces(topo).filter((ns) => !present.has(ns));
  const stopped = recordedProcesses(topo.runDir).filter((p) => !alive(p.pid));
  return [
    ...missing.map((ns) => `namespace ${ns} missing`),
    ...stopped.map((p) => `${p.what.split(' ').slice(1).join(' ')} in ${p.what.split(' ')[0]} not running`),
  ];
}

export function removeIfEmpty(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}

export interface TeardownResult {
  namespaces: string[];
  processes: number;
  /** Everything removed, each in a few words. */
  removed: string[];
  /** What stays in .lab/<name>/, and whose it is. */
  kept: string[];
}

/** A path as people type it: inside the project relative to it, folders with a trailing slash. */
const show = (path: string) =>
  `${path.startsWith(`${ROOT}/`) ? relative(ROOT, path) : path}${existsSync(path) && statSync(path).isDirectory() ? '/' : ''}`;

/** Files of .lab/<name>/ that are not the emulated lab's: lab:render's output, a Proxmox lab's state. */
function keptFiles(lab: string): string[] {
  const dir = labStateDir(lab);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map(
    (e) =>
      `${show(labStateDir(lab, e))} (${e === 'render' ? 'written by npm run lab:render' : "the Proxmox lab's; npm run lab:teardown -- --target proxmox removes it"})`,
  );
}

export async function teardownNetns(plan: LabPlan): Promise<TeardownResult> {
  const t = topology(plan);
  const present = await existingNamespaces();
  const ours = namespaces(t).filter((ns) => present.has(ns));
  const pids = [
    ...new Set([
      ...recordedProcesses(t.runDir).map((p) => p.pid),
      ...(await Promise.all(ours.map(namespacePids))).flat(),
    ]),
  ];
  const running = pids.filter(alive);
  const mgmt = await linkExists(t.mgmt.iface);
  const state = labStateDir(plan.name, 'netns');
  // The last verification's record goes with the lab it describes; a Proxmox lab's of the same name stays.
  const record = lastVerification(plan)?.target === 'netns' ? [labStateDir(plan.name, LAST_VERIFICATION)] : [];
  const files = [t.runDir, state, ...record].filter(existsSync).map((f) => ({ path: f, shown: show(f) }));

  await stopPids(pids);
  for (const ns of ours) await $({ nothrow: true, quiet: true })`ip netns del ${ns}`;
  // Gone with the router namespace already, unless the start stopped half-way.
  if (mgmt) await $({ nothrow: true, quiet: true })`ip link del ${t.mgmt.iface}`;
  for (const f of files) rmSync(f.path, { recursive: true, force: true });
  for (const dir of [RUN_ROOT, labStateDir(plan.name)]) removeIfEmpty(dir);

  const after = await existingNamespaces();
  const stayed = [
    ...ours.filter((ns) => after.has(ns)).map((ns) => `namespace ${ns}`),
    ...pids.filter(alive).map((pid) => `process ${pid}`),
    ...((await linkExists(t.mgmt.iface)) ? [`link ${t.mgmt.iface}`] : []),
    ...files.filter((f) => existsSync(f.path)).map((f) => f.shown),
  ];
  if (stayed.length > 0)
    throw new LabError(
      'E_TEARDOWN',
      `lab ${plan.name}: could not remove ${stayed.join(', ')}`,
      'see what holds them (ip netns pids, lsof); npm run lab:teardown can be run again',
    );
  const removed = [
    ...(ours.length ? [`${ours.length} namespaces (${ours.join(', ')}) with their links`] : []),
    ...(running.length ? [`${running.length} processes`] : []),
    ...(mgmt ? [`link ${t.mgmt.iface}`] : []),
    ...files.map((f) => f.shown),
  ];
  return { namespaces: ours, processes: running.length, removed, kept: keptFiles(plan.name) };
}
