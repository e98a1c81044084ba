// Where an emulated lab stands, read without changing it: its namespaces and the daemons it started.
import type { LabPlan } from '../../../lab/plan.ts';
import { alive, recordedProcesses } from '../../hosts/daemons.ts';
import { existingNamespaces } from './teardown.ts';
import { namespaces, topology } from './topology.ts';

export interface NetnsStatus {
  readonly namespaces: { readonly name: string; readonly present: boolean }[];
  /** Every process the run recorded (FRR, sshd, stand-ins, GoBGP), alive or not. */
  readonly daemons: { readonly pid: number; readonly what: string; readonly alive: boolean }[];
}

export async function netnsStatus(plan: LabPlan): Promise<NetnsStatus> {
  const t = topology(plan);
  const present = await existingNamespaces();
  return {
    namespaces: namespaces(t).map((name) => ({ name, present: present.has(name) })),
    daemons: recordedProcesses(t.runDir).map((p) => ({ ...p, alive: alive(p.pid) })),
  };
}

/** What lab:status prints of it, a line per part (the JSON is the data itself). */
export function formatNetnsStatus(s: NetnsStatus): string {
  const present = s.namespaces.filter((n) => n.present);
  const alive = s.daemons.filter((d) => d.alive);
  return [
    `namespaces     ${present.length} of ${s.namespaces.length} present${present.length ? `: ${present.map((n) => n.name).join(', ')}` : ''}`,
    `daemons        ${alive.length} of ${s.daemons.length} alive${s.daemons
      .filter((d) => !d.alive)
      .map((d) => `\n               ✗ ${d.what} (pid ${d.pid}) is gone`)
      .join('')}`,
  ].join('\n');
}
