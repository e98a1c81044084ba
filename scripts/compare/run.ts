// lab:compare's loop: each mode in turn, every scenario N times, the lab restored between trials;
// progress (scenario, mode, trial, time left) on the logger; the result is report.json's document.
import type { LabPlan } from '../../lab/plan.ts';
import { DEMO, serviceIp } from '../../templates/demo.ts';
import type { Logger } from '../lib/log.ts';
import type {
  Bound,
  CompareReport,
  FaultId,
  FaultResult,
  ModeId,
  ModeResult,
  ScenarioId,
  Settings,
  SteadyTrial,
} from '../report/model.ts';
import { faultTrial, PROBE_INTERVAL_MS, steadyTrial } from './measure.ts';
import { bound, settingsOf } from './scenarios.ts';
import type { CompareTarget, ModeSession } from './target.ts';

export const MODE_ORDER: readonly ModeId[] = ['l2', 'bgp'];
export const REQUESTS_PER_SOURCE = 100;
/** The probe runs until the bound plus this, at most. */
const PROBE_SLACK_MS = 10_000;

/** How long a fault's probe may run: the bound, slack, and what the target adds. */
export function probeMs(session: ModeSession, fault: FaultId, b: Bound): number {
  return b.ms + PROBE_SLACK_MS + (session.probeExtraMs?.(fault) ?? 0);
}

export interface CompareOptions {
  readonly trials: number;
  readonly scenarios: readonly ScenarioId[];
  readonly preset: Settings['preset'];
}

/** Time left: measured units of the same kind where there are some, else a guess from the bound. */
export class Eta {
  private readonly done = new Map<string, number[]>();
  constructor(private readonly guess: (key: string) => number) {}
  record(key: string, ms: number): void {
    this.done.set(key, [...(this.done.get(key) ?? []), ms]);
  }
  estimate(key: string): number {
    const xs = this.done.get(key);
    return xs ? xs.reduce((a, b) => a + b, 0) / xs.length : this.guess(key);
  }
  left(keys: readonly string[]): number {
    return keys.reduce((sum, k) => sum + this.estimate(k), 0);
  }
}

export function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Every unit of work in order, as `mode/scenario` keys, `mode/up` first for each mode. */
export function workUnits(options: CompareOptions): string[] {
  return MODE_ORDER.flatMap((m) => [
    `${m}/up`,
    ...options.scenarios.flatMap((s) => Array.from({ length: options.trials }, () => `${m}/${s}`)),
  ]);
}

/** The work units in order, each announced with what is left (measured durations replace the guesses). */
function progress(target: CompareTarget, options: CompareOptions, settings: Settings, log: Logger) {
  const eta = new Eta((key) => {
    const [mode, what] = key.split('/') as [ModeId, string];
    if (what === 'up') return target.upGuessMs?.(mode) ?? (mode === 'bgp' ? 15_000 : 8_000);
    if (what === 'steady') return 4_000;
    return bound(what as FaultId, mode, settings).ms + 8_000;
  });
  const units = workUnits(options);
  let next = 0;
  return {
    async unit<T>(label: string, fn: () => Promise<T>): Promise<T> {
      const key = units[next]!;
      log.note(`${label} · about ${minutes(eta.left(units.slice(next)))} left`);
      const t0 = Date.now();
      const result = await fn();
      eta.record(key, Date.now() - t0);
      next++;
      return result;
    },
    /** A unit that does not run (a fault this target cannot apply). */
    skip: () => void next++,
  };
}
type Progress = ReturnType<typeof progress>;

/** Every fault's trials in one mode, each probed until its bound. */
async function faultResults(
  session: ModeSession,
  plan: LabPlan,
  mode: ModeId,
  options: CompareOptions,
  settings: Settings,
  p: Progress,
): Promise<FaultResult[]> {
  const results: FaultResult[] = [];
  for (const fault of options.scenarios.filter((s): s is FaultId => s !== 'steady')) {
    const b = bound(fault, mode, settings);
    const why = session.unsupported(fault);
    const trials = [];
    for (let i = 1; i <= options.trials; i++) {
      if (why) {
        p.skip();
        continue;
      }
      trials.push(
        await p.unit(`${mode} · ${fault} · trial ${i}/${options.trials}`, () =>
          faultTrial(session, plan, mode, fault, i, probeMs(session, fault, b)),
        ),
      );
    }
    results.push({ scenario: fault, ...(why ? { unavailable: why } : {}), bound: b, trials });
  }
  return results;
}

/** One mode: up, its steady trials, its faults, down. */
async function modeResult(
  target: CompareTarget,
  plan: LabPlan,
  mode: ModeId,
  options: CompareOptions,
  settings: Settings,
  p: Progress,
): Promise<ModeResult> {
  const t0 = Date.now();
  const session = await p.unit(`${mode} · bringing the lab up`, () => target.up(mode));
  const upMs = Date.now() - t0;
  const steady: SteadyTrial[] = [];
  if (options.scenarios.includes('steady')) {
    for (let i = 1; i <= options.trials; i++)
      steady.push(
        await p.unit(`${mode} · steady · trial ${i}/${options.trials}`, () =>
          steadyTrial(session, plan, mode, i, REQUESTS_PER_SOURCE),
        ),
      );
  }
  const faults = await faultResults(session, plan, mode, options, settings, p);
  return {
    mode,
    service: { ip: serviceIp(plan, mode), port: DEMO.port },
    upMs,
    upKind: session.upKind,
    steady,
    faults,
  };
}

export async function runCompare(
  plan: LabPlan,
  target: CompareTarget,
  options: CompareOptions,
  log: Logger,
): Promise<CompareReport> {
  const started = Date.now();
  const settings = settingsOf(plan, options.preset, PROBE_INTERVAL_MS, REQUESTS_PER_SOURCE);
  const p = progress(target, options, settings, log);
  const modes: ModeResult[] = [];
  let versions: Record<string, string> | undefined;
  for (const mode of MODE_ORDER) {
    try {
      modes.push(await modeResult(target, plan, mode, options, settings, p));
      // Asked while the lab is still up: on Proxmox they are read from it.
      versions ??= await target.versions();
    } finally {
      await target.down(mode);
    }
  }
  return {
    schema: 1,
    lab: plan.name,
    target: target.kind,
    date: new Date(started).toISOString(),
    trials: options.trials,
    scenarios: options.scenarios,
    settings,
    versions: { cilium: `${plan.config.cilium.version} (pinned; ${target.cilium})`, ...versions },
    modes,
    fidelity: target.fidelity,
    wallMs: Date.now() - started,
  };
}
