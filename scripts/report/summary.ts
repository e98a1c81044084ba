// Numbers the report shows, derived from report.json alone: shares per node (mean and spread over
// trials), outages per scenario and mode, the router's view in words. Markdown and HTML both use these.
import type { CompareReport, FaultResult, ModeId, ModeResult, RouterView, ScenarioId } from './model.ts';

export const MODE_NAME: Readonly<Record<ModeId, string>> = { l2: 'L2', bgp: 'BGP' };
export const SCENARIO_NAME: Readonly<Record<ScenarioId, string>> = {
  steady: 'steady state',
  'link-loss': 'link loss',
  'graceful-stop': 'graceful stop',
  restart: 'restart',
  'router-restart': 'router restart',
};

export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export function spread(xs: readonly number[]): Spread | null {
  if (xs.length === 0) return null;
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs) };
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const percent = (x: number) => `${Math.round(x)} %`;
/** Time to serving, and how the mode came up where it was not a cold start (Proxmox: the mode switch). */
export const upTime = (m: ModeResult) =>
  `${seconds(m.upMs)}${m.upKind && m.upKind !== 'cold start' ? ` (${m.upKind})` : ''}`;
/** Node names without the lab prefix: cilab-cp1 → cp1. */
export const short = (r: CompareReport, node: string) =>
  node.startsWith(`${r.lab}-`) ? node.slice(r.lab.length + 1) : node;

/** Sources in order (router first), as the steady trials name them. */
export function sources(m: ModeResult): string[] {
  return [...new Set(m.steady.flatMap((t) => Object.keys(t.bySource)))];
}

/** Share (%) of one node's answers from one source, per trial. */
export function shares(m: ModeResult, source: string, node: string): number[] {
  return m.steady.flatMap((t) => {
    const tr = t.bySource[source];
    return tr && tr.requests > 0 ? [(100 * (tr.byNode[node] ?? 0)) / tr.requests] : [];
  });
}

export interface FaultRow {
  readonly scenario: FaultResult['scenario'];
  readonly mode: ModeId;
  readonly unavailable?: string;
  readonly outages: readonly number[];
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly boundMs: number;
  readonly boundBasis: string;
  /** Failed probes over all probes of all trials, %. */
  readonly failedShare: number | null;
  /** Node → in how many trials it served afterwards. */
  readonly servedAfter: Readonly<Record<string, number>>;
}

export function faultRows(r: CompareReport): FaultRow[] {
  const scenarios = [...new Set(r.modes.flatMap((m) => m.faults.map((f) => f.scenario)))];
  return scenarios.flatMap((scenario) =>
    r.modes.flatMap((m) => {
      const f = m.faults.find((x) => x.scenario === scenario);
      if (!f) return [];
      const outages = f.trials.map((t) => t.outageMs);
      const probes = f.trials.reduce((a, t) => a + t.probes, 0);
      const servedAfter: Record<string, number> = {};
      for (const t of f.trials) for (const n of t.servedAfter) servedAfter[n] = (servedAfter[n] ?? 0) + 1;
      return [
        {
          scenario,
          mode: m.mode,
          ...(f.unavailable ? { unavailable: f.unavailable } : {}),
          outages,
          median: median(outages),
          min: outages.length ? Math.min(...outages) : null,
          max: outages.length ? Math.max(...outages) : null,
          boundMs: f.bound.ms,
          boundBasis: f.bound.basis,
          failedShare: probes ? (100 * f.trials.reduce((a, t) => a + t.failedProbes, 0)) / probes : null,
          servedAfter,
        },
      ];
    }),
  );
}

/** What the router showed, in one line. */
export function describeView(r: CompareReport, v: RouterView): string {
  if (v.bgp) {
    const up = v.bgp.peers.filter((p) => p.state === 'Established').length;
    return `${up}/${v.bgp.peers.length} sessions Established; route via ${v.bgp.nexthops.join(', ') || 'none'}`;
  }
  if (v.arp)
    return `ARP ${v.arp.ip} → ${v.arp.mac} (${v.arp.node ? short(r, v.arp.node) : 'no node'}, ${v.arp.state || 'no state'})`;
  return 'no ARP entry for the service';
}

/** The trial whose timeline the report draws for a mode: link loss when it ran, else the first fault that did. */
export function timelineTrial(m: ModeResult) {
  const f =
    m.faults.find((x) => x.scenario === 'link-loss' && x.trials.length > 0) ??
    m.faults.find((x) => x.trials.length > 0);
  return f ? { scenario: f.scenario, trial: f.trials[0]! } : null;
}

export function settingsLine(r: CompareReport): string {
  const s = r.settings;
  const l = s.l2Lease;
  const b = s.bgpTimers;
  return [
    `preset ${s.preset}`,
    `L2 lease ${seconds(l.durationMs)}, renew deadline ${seconds(l.renewDeadlineMs)}, retry period ${seconds(l.retryPeriodMs)}`,
    `BGP keepalive ${b.keepalive} s, hold ${b.hold} s, connect retry ${b.connectRetry} s, idle hold after reset ${b.idleHoldAfterReset} s, graceful restart ${b.gracefulRestart === null ? 'off' : `${b.gracefulRestart} s`}`,
    `a probe every ${s.probeIntervalMs} ms`,
    `${s.requestsPerSource} requests per source per steady trial`,
  ].join(' · ');
}
