// Timing presets: the lab's own settings (short, so a comparison runs in minutes), or Cilium's
// defaults, so a user sees what they cost.
import { type LabPlan, planLab } from '../../lab/plan.ts';
import type { Settings } from '../report/model.ts';

export type Preset = Settings['preset'];
export const PRESETS: readonly Preset[] = ['lab', 'cilium-defaults'];

/**
 * Cilium's defaults. Lease: the agent flags l2-announcements-lease-duration 15s, -renew-deadline 5s,
 * -retry-period 2s (cilium/cilium Documentation/network/l2-announcements.rst, pkg/option/config.go).
 * BGP: CiliumBGPPeerConfig timers default connect-retry 120 s, hold 90 s, keepalive 30 s (the CRD's
 * `default:` values, ../shared/schemas/cilium/ciliumbgppeerconfigs.yaml).
 */
export const CILIUM_DEFAULTS = {
  lease: { duration: '15s', renewDeadline: '5s', retryPeriod: '2s' },
  timers: { keepalive: 30, hold: 90, connectRetry: 120 },
} as const;

/** The plan the comparison runs: the lab's as written, or with Cilium's default timers. */
export function applyPreset(plan: LabPlan, preset: Preset): LabPlan {
  if (preset === 'lab') return plan;
  const c = plan.config;
  return planLab({
    ...c,
    l2: { ...c.l2, lease: { ...CILIUM_DEFAULTS.lease } },
    bgp: { ...c.bgp, timers: { ...CILIUM_DEFAULTS.timers } },
  });
}
