// The Proxmox lab's own timings: VMs, and the real Kubernetes of the pinned k3s.
import { nodeMonitor } from '../../../lab/kubernetes.ts';
import type { LabPlan } from '../../../lab/plan.ts';
import type { TargetTimings } from '../../verify/bounds.ts';

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
