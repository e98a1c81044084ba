// The emulated lab's own timings: processes in namespaces on this machine, no Kubernetes behind them.
import type { TargetTimings } from '../../verify/bounds.ts';

export const NETNS_TIMINGS: TargetTimings = {
  // Starting stand-ins and reading the router on a loaded two-core machine.
  failoverMarginMs: 10_000,
  // The stand-ins have no endpoints: every node's datapath serves the service.
  staleEndpointsMs: 0,
  // The lease API runs on the router, not on a node.
  leaseNeedsControlPlane: false,
};
