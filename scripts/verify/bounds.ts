// How long each wait of a run may last, derived from the lab's own settings, so a fault ends in a
// verdict instead of a hang. Pure: the run uses these values and the tests assert against them.
import type { LabPlan, Mode } from '../../lab/plan.ts';
import { BGP_RESTART_TIME_S } from '../../templates/cilium.ts';

/** curl's --max-time for one request: a reply from the echo takes milliseconds. */
export const REQUEST_TIMEOUT_S = 2;

/** GoBGP v3 dials a peer no faster than every 5 s, whatever connect-retry says. */
const GOBGP_DIAL_FLOOR_S = 5;

/** Starting the node processes (a tsx stand-in, gobgpd) on a loaded 2-core machine. */
const START_SLACK_MS = 10_000;

/**
 * How long the lab itself takes to heal a lost node: L2, another node takes the expired lease and its
 * gratuitous ARP moves the router at once (templates/router.ts sets locktime 0); BGP, the hold timer ends
 * the session and the router keeps the path stale for the graceful restart time before it withdraws it
 * (Cilium's bgp-control-plane-operation.rst: "hold time + restart time").
 */
export function recoveryMs(plan: LabPlan, mode: Mode): number {
  return mode === 'l2'
    ? plan.l2.leaseMs.duration + plan.l2.leaseMs.retryPeriod
    : (plan.config.bgp.timers.hold + BGP_RESTART_TIME_S) * 1000;
}

/** From the stand-ins started to the service announced: a lease won, or every session Established (two dials and a hold time). */
export function convergeMs(plan: LabPlan, mode: Mode): number {
  if (mode === 'l2') return 2 * plan.l2.leaseMs.duration + START_SLACK_MS;
  const { connectRetry, hold } = plan.config.bgp.timers;
  return (2 * Math.max(connectRetry, GOBGP_DIAL_FLOOR_S) + hold) * 1000 + START_SLACK_MS;
}

/** A probe gives up once the service has not answered for longer than the lab needs to heal (plus two requests' time). */
export function giveUpMs(plan: LabPlan, mode: Mode): number {
  return recoveryMs(plan, mode) + 2 * REQUEST_TIMEOUT_S * 1000;
}

/** The most one source's requests can take: each request is bounded by curl's --max-time. */
export function probeBoundMs(requests: number): number {
  return requests * REQUEST_TIMEOUT_S * 1000;
}

/** The verification from `sources` hosts: their probes, plus reading the router (a few seconds). */
export function verifyBoundMs(requests: number, sources: number): number {
  return sources * probeBoundMs(requests) + 5_000;
}

/**
 * What a target adds to the lab's own bounds, and what it implies for a failover: each target kind
 * gives one (scripts/targets/<kind>/timings.ts), so the checks never ask which kind they run on.
 */
export interface TargetTimings {
  /** Beyond the lab's recovery: this target's own slowness (VMs, a real control plane) on a failover probe. */
  readonly failoverMarginMs: number;
  /**
   * How long a hard-stopped node's endpoints stay: real Kubernetes keeps them until the node is NotReady
   * (grace period + one monitor period, lab/kubernetes.ts); the stand-ins have none. Only L2's
   * externalTrafficPolicy Cluster balances requests to them.
   */
  readonly staleEndpointsMs: number;
  /** L2 leases live in an API server on a control plane: failing the only one leaves nobody to take the lease. */
  readonly leaseNeedsControlPlane: boolean;
}
