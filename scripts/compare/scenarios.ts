// The scenarios lab:compare runs, what each one does in one line, and the outage the settings allow.
import type { LabPlan } from '../../lab/plan.ts';
import { LabError } from '../../lab/errors.ts';
import type { Bound, FaultId, ModeId, ScenarioId, Settings } from '../report/model.ts';
import { SCENARIOS } from '../report/model.ts';
import { CILIUM_IDLE_HOLD_AFTER_RESET_S } from '../../standins/cilium/gobgp.ts';
import { ciliumResources } from '../../templates/cilium.ts';

export function parseScenarios(list: string | undefined): ScenarioId[] {
  if (!list) return [...SCENARIOS];
  const asked = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = asked.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (bad.length > 0 || asked.length === 0)
    throw new LabError(
      'E_USAGE',
      `--scenarios: unknown ${bad.join(', ') || '(empty list)'}`,
      `pick from ${SCENARIOS.join(',')}`,
    );
  return SCENARIOS.filter((s) => asked.includes(s));
}

/** What a CiliumBGPPeerConfig says of its timers (cilium pkg/k8s/apis/cilium.io/v2 CiliumBGPPeerConfigSpec). */
interface PeerConfigSpec {
  readonly timers: {
    readonly connectRetryTimeSeconds: number;
    readonly holdTimeSeconds: number;
    readonly keepAliveTimeSeconds: number;
  };
  readonly gracefulRestart?: { readonly enabled: boolean; readonly restartTimeSeconds?: number };
}

/** The timers a report states: the L2 lease, and the BGP timers and graceful restart of the rendered
 *  CiliumBGPPeerConfig, the resource Cilium itself reads (its idle hold after a reset is Cilium's own). */
export function settingsOf(
  plan: LabPlan,
  preset: Settings['preset'],
  probeIntervalMs: number,
  requestsPerSource: number,
): Settings {
  const peer = ciliumResources(plan, 'bgp').find((m) => m.kind === 'CiliumBGPPeerConfig')!.spec as PeerConfigSpec;
  const lease = plan.l2.leaseMs;
  return {
    preset,
    nodes: plan.nodes.map((n) => n.name),
    l2Lease: { durationMs: lease.duration, renewDeadlineMs: lease.renewDeadline, retryPeriodMs: lease.retryPeriod },
    bgpTimers: {
      keepalive: peer.timers.keepAliveTimeSeconds,
      hold: peer.timers.holdTimeSeconds,
      connectRetry: peer.timers.connectRetryTimeSeconds,
      idleHoldAfterReset: CILIUM_IDLE_HOLD_AFTER_RESET_S,
      // Cilium's default restart time is 120 s (CiliumBGPPeerConfig gracefulRestart.restartTimeSeconds).
      gracefulRestart: peer.gracefulRestart?.enabled ? (peer.gracefulRestart.restartTimeSeconds ?? 120) : null,
    },
    probeIntervalMs,
    requestsPerSource,
  };
}

const s = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;

/** The longest outage Cilium's semantics allow with these settings (the stand-ins model them). */
export function bound(scenario: FaultId, mode: ModeId, st: Settings): Bound {
  const { durationMs, retryPeriodMs } = st.l2Lease;
  const { hold, connectRetry, idleHoldAfterReset, gracefulRestart } = st.bgpTimers;
  const takeover: Bound = {
    ms: durationMs + retryPeriodMs,
    basis: `lease duration ${s(durationMs)} + retry period ${s(retryPeriodMs)}: another node takes the lease`,
  };
  if (mode === 'l2') {
    switch (scenario) {
      case 'link-loss':
        return { ...takeover, basis: `${takeover.basis}, whose gratuitous ARP moves the router` };
      case 'graceful-stop':
        return { ...takeover, basis: `${takeover.basis} (upstream releases it on SIGTERM: one retry period)` };
      case 'restart':
        return {
          ...takeover,
          basis: `${takeover.basis}, or the restarted announcer re-takes the lease that still names it`,
        };
      case 'router-restart':
        return {
          ms: 1000,
          basis: 'one ARP resolution (the router asks again on the next packet, retransmitting each 1 s)',
        };
    }
  }
  switch (scenario) {
    case 'link-loss':
      // Cilium's docs (bgp-control-plane-operation.rst): with graceful restart the peer may take hold time +
      // restart time to withdraw a node that went down; the N bit makes FRR keep the routes stale after the
      // hold timer's NOTIFICATION too (RFC 8538).
      return gracefulRestart
        ? {
            ms: (hold + gracefulRestart) * 1000,
            basis: `hold time ${hold} s + graceful restart time ${gracefulRestart} s: the router keeps the lost node's path stale, then withdraws it; flows hashed to it fail until then`,
          }
        : {
            ms: hold * 1000,
            basis: `hold time ${hold} s: the router withdraws the lost node's path; flows hashed to it fail until then`,
          };
    case 'graceful-stop':
      return gracefulRestart
        ? {
            ms: gracefulRestart * 1000,
            basis: `graceful restart time ${gracefulRestart} s: the session closes without a NOTIFICATION and the router keeps the path stale; the node's datapath keeps serving meanwhile`,
          }
        : {
            ms: hold * 1000,
            basis: `hold time ${hold} s if the speaker leaves without a NOTIFICATION; the node's datapath keeps serving meanwhile`,
          };
    case 'restart':
      return gracefulRestart
        ? {
            ms: gracefulRestart * 1000,
            basis: `graceful restart time ${gracefulRestart} s: the router keeps the routes stale until the speaker is back`,
          }
        : { ms: hold * 1000, basis: `no graceful restart: hold time ${hold} s` };
    case 'router-restart':
      return {
        ms: (idleHoldAfterReset + connectRetry) * 1000,
        basis: `idle hold after reset ${idleHoldAfterReset} s + connect retry ${connectRetry} s: every speaker dials the restarted router again`,
      };
  }
}
