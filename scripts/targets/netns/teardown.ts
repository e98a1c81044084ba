// Removes every trace of an emulated lab: its processes, namespaces (and with them every link inside),
// the management link, runtime and state files. Safe to run twice, or after an interrupted start.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { $ } from 'zx';
import type { LabPlan } from '../../../lab/plan.ts';
import { LAST_VERIFICATION, lastVerification } from '../../last-verification.ts';
import { labStateDir } from '../../paths.ts';
import { namespacePids, recordedPids, stopPids } from './daemons.ts';
import { namespaces, RUN_ROOT, type Topology, topology } from './topology.ts';

export async function existingNamespaces(): Promise<Set<string>> {
  const out = (await $({ nothrow: true, quiet: true })`ip netns list`).stdout;
  return new Set(out.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean));
}

export async function isUp(t: Topology): Promise<boolean> {
  const present = await existingNamespaces();
  return namespaces(t).some((ns) => present.has(ns));
}

export function removeIfEmpty(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}

export interface TeardownResult {
  namespaces: string[];
  processes: number;
}

export async function teardownNetns(plan: LabPlan): Promise<TeardownResult> {
  const t = topology(plan);
  const present = await existingNamespaces();
  const ours = namespaces(t).filter((ns) => present.has(ns));
  const pids = [...new Set([...recordedPids(t.runDir), ...(await Promise.all(ours.map(namespacePids))).flat()])];
  await stopPids(pids);
  for (const ns of ours) await $({ nothrow: true, quiet: true })`ip netns del ${ns}`;
  // Gone with the router namespace already, unless the start stopped half-way.
  await $({ nothrow: true, quiet: true })`ip link del ${t.mgmt.iface}`;
  rmSync(t.runDir, { recursive: true, force: true });
  rmSync(labStateDir(plan.name, 'netns'), { recursive: true, force: true });
  // The record of a Proxmox lab of the same name stays with that lab.
  if (lastVerification(plan)?.target === 'netns') rmSync(labStateDir(plan.name, LAST_VERIFICATION), { force: true });
  for (const dir of [RUN_ROOT, labStateDir(plan.name)]) removeIfEmpty(dir);
  return { namespaces: ours, processes: pids.length };
}
