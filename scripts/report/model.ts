// report.json: everything lab:compare measured, and everything the report renderers read. The
// renderers are pure functions of this document, so a recorded one renders the same report anywhere.
import type { TargetKind } from '../../lab/plan.ts';
import type { FidelityItem } from '../../standins/cilium/fidelity.ts';
import type { ArpEntry, BgpPeer } from '../verify/router.ts';
import type { Traffic } from '../verify/traffic.ts';

export const SCENARIOS = ['steady', 'link-loss', 'graceful-stop', 'restart', 'router-restart'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];
/** Each scenario in one line (the report and the README say the same). */
const SCENARIO_TEXT: Readonly<Record<ScenarioId, string>> = {
  steady: 'steady state: a new connection each request, from the router and from the client; who takes them',
  'link-loss': 'link loss: the serving node (L2: the lease holder; BGP: the last node) loses its LAN link',
  'graceful-stop':
    "graceful stop: SIGTERM to that node's announcer (L2) or BGP speaker; it stays stopped until the trial ends",
  restart: "restart: that node's announcer or speaker stopped with SIGTERM and started again at once",
  'router-restart': "router restart: FRR restarted on the router; for L2 also the router's neighbour cache flushed",
};
/** Where a Proxmox lab does it otherwise (scripts/targets/proxmox/compare.ts; the README's table says the same). */
const PROXMOX_TEXT: Partial<Record<ScenarioId, string>> = {
  steady: 'steady state: a new connection each request, from the router (no client VM); who takes them',
  'link-loss':
    "link loss: the serving node's LAN NIC unplugged through the Proxmox API (net0 link_down=1), plugged back after",
  'graceful-stop':
    'graceful stop: the serving node shut down cleanly through the API (its agent gets SIGTERM, but the whole node goes), started after',
  restart: "restart: that node's Cilium agent pod deleted; the DaemonSet starts a new one",
};

const TEXT_ON: Readonly<Record<TargetKind, Partial<Record<ScenarioId, string>>>> = { netns: {}, proxmox: PROXMOX_TEXT };

/** Each scenario in one line, as it is done on that target. */
export function scenarioText(target: TargetKind, s: ScenarioId): string {
  return TEXT_ON[target][s] ?? SCENARIO_TEXT[s];
}
export type FaultId = Exclude<ScenarioId, 'steady'>;
export type ModeId = 'l2' | 'bgp';

/** What the router showed: the neighbour entry of the service IP (L2), sessions and nexthops (BGP). */
export interface RouterView {
  readonly arp: (ArpEntry & { readonly node: string | null }) | null;
  readonly bgp: { readonly peers: readonly BgpPeer[]; readonly nexthops: readonly string[] } | null;
}

export interface SteadyTrial {
  readonly trial: number;
  readonly bySource: Readonly<Record<string, Traffic>>;
  readonly router: RouterView;
}

/** One probe: ms since the probe loop started, its outcome, the node that answered. */
export interface Sample {
  readonly t: number;
  readonly ok: boolean;
  readonly node?: string;
}

export interface FaultTrial {
  readonly trial: number;
  /** The node the fault hit (none for a router restart). */
  readonly victim: string | null;
  /** When the fault was applied, ms on the samples' clock. */
  readonly faultAt: number;
  readonly outageMs: number;
  readonly probes: number;
  readonly failedProbes: number;
  /** Nodes that answered after the last failed probe (or after the fault, when none failed). */
  readonly servedAfter: readonly string[];
  readonly samples: readonly Sample[];
  /** The router before the fault, right after it, and once the service answered steadily again. */
  readonly router: { readonly before: RouterView; readonly during: RouterView; readonly after: RouterView };
}

/** The outage the settings allow, with the reasoning in words. */
export interface Bound {
  readonly ms: number;
  readonly basis: string;
}

export interface FaultResult {
  readonly scenario: FaultId;
  /** Why this scenario cannot run on this target, when it cannot. */
  readonly unavailable?: string;
  readonly bound: Bound;
  readonly trials: readonly FaultTrial[];
}

/** How a mode was brought up: from nothing, over a lab's VMs already there, or by switching the other mode's. */
export type UpKind = 'cold start' | 'existing VMs' | 'mode switch';

export interface ModeResult {
  readonly mode: ModeId;
  readonly service: { readonly ip: string; readonly port: number };
  /** Brought up (cold start; on Proxmox also a mode switch) to verified. */
  readonly upMs: number;
  /** How (absent in reports before Proxmox: a cold start). */
  readonly upKind?: UpKind;
  readonly steady: readonly SteadyTrial[];
  readonly faults: readonly FaultResult[];
}

export interface Settings {
  readonly preset: 'lab' | 'cilium-defaults';
  readonly nodes: readonly string[];
  readonly l2Lease: { readonly durationMs: number; readonly renewDeadlineMs: number; readonly retryPeriodMs: number };
  readonly bgpTimers: {
    readonly keepalive: number;
    readonly hold: number;
    readonly connectRetry: number;
    readonly idleHoldAfterReset: number;
    readonly gracefulRestart: number | null;
  };
  readonly probeIntervalMs: number;
  readonly requestsPerSource: number;
}

export interface CompareReport {
  readonly schema: 1;
  readonly lab: string;
  readonly target: TargetKind;
  readonly date: string;
  readonly trials: number;
  readonly scenarios: readonly ScenarioId[];
  readonly settings: Settings;
  readonly versions: Readonly<Record<string, string>>;
  readonly modes: readonly ModeResult[];
  readonly fidelity: readonly FidelityItem[];
  readonly wallMs: number;
}
