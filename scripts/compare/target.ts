// What lab:compare needs from a target: bring a mode up, apply each fault to it and undo it. The
// measuring (probes, router views, outage) is the same for every target and lives in measure.ts.
import type { TargetKind } from '../../lab/plan.ts';
import type { FidelityItem } from '../../standins/cilium/fidelity.ts';
import type { Host } from '../hosts/host.ts';
import type { FaultId, ModeId, UpKind } from '../report/model.ts';
import type { VerifyTarget } from '../verify/verify.ts';

export interface ModeSession {
  readonly verifyTarget: VerifyTarget;
  /** Where the outage probes run: a client outside the lab if there is one, else the router. */
  readonly prober: Host;
  /** Why a fault cannot run on this target; undefined when it can. */
  unsupported(fault: FaultId): string | undefined;
  /** The node a fault hits (L2: the holder; BGP: the last node); null for a router restart. */
  victim(fault: FaultId): Promise<string | null>;
  apply(fault: FaultId, victim: string | null): Promise<void>;
  /**
   * How much longer than the settings' bound the probe may have to run for this fault, where the target
   * adds time of its own (Proxmox: a VM's shutdown, an agent pod's restart, a dead node's endpoints).
   */
  probeExtraMs?(fault: FaultId): number;
  /** Undoes the fault and waits until the lab is steady again. */
  restore(fault: FaultId, victim: string | null): Promise<void>;
  /** Waits until the mode serves (after start, or a restore). */
  settle(): Promise<void>;
}

export interface CompareTarget {
  readonly kind: TargetKind;
  /** How the pinned Cilium is there, for the report's versions: running, or modelled by stand-ins. */
  readonly cilium: string;
  /** Every known difference of the target's stand-ins from upstream (none where everything is real). */
  readonly fidelity: readonly FidelityItem[];
  /** Versions of what really runs, for the report; asked once the first mode is up. */
  versions(): Promise<Record<string, string>>;
  /** Brings the mode up and says how: from cold, over VMs already there, or by a mode switch on them. */
  up(mode: ModeId): Promise<ModeSession & { readonly upKind: UpKind }>;
  /** A first guess of how long bringing a mode up takes, for the time estimate (measured ones replace it). */
  upGuessMs?(mode: ModeId): number;
  /** Ends a mode (the emulated lab tears it down; Proxmox keeps the VMs for the next mode). */
  down(mode: ModeId): Promise<void>;
}

/** The first version number a program prints about itself. */
export function firstVersion(text: string): string {
  return /\d+\.\d+[\w.+-]*/.exec(text)?.[0] ?? 'unknown';
}
