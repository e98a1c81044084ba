// The one record of a lab's last verification, .lab/<name>/last-verification.json: written by the lab
// command once a target returns its report, read by lab:status. Teardown removes it with the lab.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { LabPlan, Mode } from '../../lab/plan.ts';
import { labStateDir } from '../../lab/load.ts';
import type { Verdict } from './verdict.ts';
import { formatMs } from '../lib/log.ts';

export const LAST_VERIFICATION = 'last-verification.json';

export interface LastVerification {
  /** ISO time the report came back. */
  readonly at: string;
  readonly mode: Mode;
  readonly target: Verdict['target'];
  readonly verified: boolean;
  readonly problems: readonly string[];
  readonly failover: { readonly outageMs: number; readonly from: string; readonly to: string | null } | null;
}

export function recordVerification(plan: LabPlan, r: Verdict, at = new Date()): LastVerification {
  const record: LastVerification = {
    at: at.toISOString(),
    mode: r.mode,
    target: r.target,
    verified: r.verified,
    problems: r.problems,
    failover: r.failover && { outageMs: r.failover.outageMs, from: r.failover.from, to: r.failover.to },
  };
  mkdirSync(labStateDir(plan.name), { recursive: true });
  writeFileSync(labStateDir(plan.name, LAST_VERIFICATION), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

export function lastVerification(plan: LabPlan): LastVerification | null {
  const file = labStateDir(plan.name, LAST_VERIFICATION);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LastVerification) : null;
}

/** lab:status's line for it, on every target. */
export function formatLastVerification(v: LastVerification | null): string {
  if (!v) return 'last verified  never';
  const failover = v.failover
    ? `; failover of ${v.failover.from}: outage ${formatMs(v.failover.outageMs)}, now ${v.failover.to ?? 'nobody'}`
    : '';
  return `last verified  ${v.at} (${v.mode}, ${v.target}): ${v.verified ? '✓ verified' : `✗ not verified: ${v.problems.join('; ')}`}${failover}`;
}
