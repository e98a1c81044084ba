// What a target kind gives the commands: one interface, made per lab by the registry (registry.ts), so
// lab, status, teardown and compare never ask which kind they run on. As containerlab's node kinds, each
// kind (scripts/targets/<kind>/target.ts) says only what it does its own way.
import type { LabPlan, Mode, TargetKind } from '../../lab/plan.ts';
import type { CompareTarget } from '../compare/target.ts';
import type { Preset } from '../compare/presets.ts';
import type { Logger } from '../lib/log.ts';
import type { Verdict } from '../verify/verdict.ts';
import type { PrintedStep } from './steps.ts';

export interface RunOptions {
  readonly requests: number;
  readonly failover: boolean;
  /** --failover-node, already resolved to a node name. */
  readonly failoverNode?: string;
  readonly installDeps: boolean;
}

/** What a command prints: the fields of its --json document, and the same for people. */
export interface Outcome {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly text: string;
}

export interface LabTarget {
  readonly kind: TargetKind;
  /** Where the lab runs, for headings: the Proxmox endpoint, or "emulated". */
  readonly where: string;
  /** What of the run is a stand-in, said under its summary; undefined where everything is real. */
  readonly standIns?: string;
  /** The run as the dry run prints it: what runs, step by step, touching nothing. */
  dryRun(mode: Mode, options: RunOptions): { readonly header: string; readonly steps: readonly PrintedStep[] };
  /** Brings the lab up in a mode, verifies it (and fails a node over when asked): the verdict. */
  run(mode: Mode, options: RunOptions, log: Logger): Promise<Verdict>;
  /** Where the lab stands, read without changing it. */
  status(): Promise<Outcome>;
  /** Removes what the lab's runs created. */
  teardown(options: { readonly keepImages: boolean }, log: Logger): Promise<Outcome>;
  /** What lab:compare drives on this target, once the target's own preconditions hold. */
  compare(plan: LabPlan, preset: Preset, log: Logger): Promise<CompareTarget>;
}

export type CreateTarget = (plan: LabPlan, file: string) => LabTarget;
