// What a lab run found, and the one function that decides whether it is verified. The verification
// (verify.ts) measures and lists its findings; each target adds what only it can see (the lease
// holder, Cilium's own view) and the failover; `verdictOf` alone turns them into the verdict.
import type { Mode, TargetKind } from '../../lab/plan.ts';
import type { ArpEntry, BgpPeer } from './router.ts';
import type { Traffic } from './traffic.ts';

export interface Failover {
  /** From the first failed probe to the first success after the last failure. */
  outageMs: number;
  /** The node taken away (by default L2: the holder; BGP: the last node). */
  from: string;
  /**
   * The node the router sends to afterwards, null when the service no longer answers. L2: the node whose
   * MAC the router's entry holds (the echo names the backend pod's node, not the entry); BGP: the node
   * that answered the last probe (externalTrafficPolicy Local: the entry).
   */
  to: string | null;
  probes: number;
  failedProbes: number;
}

/** What the shared verification measured, with its findings; no verdict yet. */
export interface Verification {
  lab: string;
  mode: Mode;
  target: TargetKind;
  /** What is wrong, one line each; empty when nothing is. */
  problems: string[];
  service: { ip: string; port: number };
  router: { arp: (ArpEntry & { node: string | null }) | null; bgp: { peers: BgpPeer[]; nexthops: string[] } | null };
  /** L2: the node every request enters through, the one whose MAC the router holds (checked against the lease holder); BGP: null, ECMP spreads the entries. */
  entryNode: string | null;
  traffic: Traffic;
  trafficBySource: Record<string, Traffic>;
}

/** The run's result, as `--json` prints it and last-verification.json keeps it. */
export interface Verdict extends Verification {
  verified: boolean;
  failover: Failover | null;
  timings: Record<string, number>;
}

/** A failover that left the service unanswered, or on the node that went away, is not one. */
export function failoverProblems(f: Failover): string[] {
  if (f.to === null) return ['after the failover the service does not answer'];
  return f.to === f.from ? [`after the failover the service is still served by ${f.from}`] : [];
}

/** The verdict: verified when neither the verification, nor the target's own findings, nor the failover found a problem. */
export function verdictOf(
  v: Verification,
  more: { findings: readonly string[]; failover: Failover | null; timings: Record<string, number> },
): Verdict {
  const problems = [...v.problems, ...more.findings, ...(more.failover ? failoverProblems(more.failover) : [])];
  const { lab, mode, target, service, router, entryNode, traffic, trafficBySource } = v;
  return {
    lab,
    mode,
    target,
    verified: problems.length === 0,
    problems,
    service,
    router,
    entryNode,
    traffic,
    trafficBySource,
    failover: more.failover,
    timings: more.timings,
  };
}
