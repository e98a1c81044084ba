// The Proxmox lab's own timings, all in one place: VMs, and the real Kubernetes of the pinned k3s.
import { nodeMonitor } from '../../../lab/kubernetes.ts';
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import type { TargetTimings } from '../../verify/bounds.ts';

/** Bounded waits. BGP: FRR restarted, Cilium dials again every connectRetry; L2: the lease is taken. */
export const CONVERGE_MS: Record<Mode, number> = { bgp: 180_000, l2: 120_000 };
/** How long the nodes may take to register once k3s is up on each (steps.ts nodesRegisteredCommand). */
export const NODES_REGISTER_S = 300;
/** Every VM's guest agent must answer within this long after the deploy: minutes, not the provider's 15. */
export const AGENT_WAIT_MS = 240_000;
/** A clean shutdown: qemu-server waits 60 s by default before it gives up (vm_shutdown `timeout`). */
export const SHUTDOWN_MS = 120_000;
/** A Cilium agent pod replaced: deleted, created again by the DaemonSet, Ready. */
export const AGENT_RESTART_MS = 60_000;
/** Each wait for a node back from a fault: k3s Ready, its Cilium agent Ready (seconds). */
export const NODE_BACK_S = 300;

export function proxmoxTimings(plan: LabPlan): TargetTimings {
  const monitor = nodeMonitor(plan.config.kubernetes.k3sVersion);
  return {
    // A VM's stop and the API server's view of it, beyond the lab's settings.
    failoverMarginMs: 30_000,
    // The node lifecycle controller marks a stopped node NotReady after its grace period, then its
    // endpoints go (lab/kubernetes.ts).
    staleEndpointsMs: monitor.gracePeriodMs + monitor.periodMs,
    // Each agent reaches the API server through its control plane (templates/cilium.ts K3S_LOCAL_API).
    leaseNeedsControlPlane: true,
  };
}
