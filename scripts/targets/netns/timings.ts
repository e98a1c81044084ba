// The emulated lab's own timings, all in one place: processes in namespaces on this machine, no
// Kubernetes behind them. What follows from the lab's settings is in verify/bounds.ts.
import type { Mode } from '../../../lab/plan.ts';
import type { TargetTimings } from '../../verify/bounds.ts';

/** lab:compare: the mode serving again after a fault is undone (BGP re-peers: a dial and a hold time). */
export const SETTLE_MS: Readonly<Record<Mode, number>> = { bgp: 60_000, l2: 30_000 };
/** lab:compare: a restarted BGP agent's GoBGP announcing the service again. */
export const REANNOUNCE_MS = 30_000;

export const NETNS_TIMINGS: TargetTimings = {
  // Starting stand-ins and reading the router on a loaded two-core machine.
  failoverMarginMs: 10_000,
  // The stand-ins have no endpoints: every node's datapath serves the service.
  staleEndpointsMs: 0,
  // The lease API runs on the router, not on a node.
  leaseNeedsControlPlane: false,
};
