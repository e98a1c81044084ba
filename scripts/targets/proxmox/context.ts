// What a step of the Proxmox run may use: the typed context the executor hands to every step. Tests
// build one from recording hosts and a recording API; the run builds it from SSH and the real API.
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import type { Host } from '../../hosts/host.ts';
import type { Failover, Verification } from '../../verify/verdict.ts';
import type { VerifyTarget } from '../../verify/verify.ts';
import type { ProxmoxApi } from './api.ts';
import type { GuestInterface } from './guest-network.ts';
import type { SecretName } from '../steps.ts';

export interface StepContext {
  readonly plan: LabPlan;
  readonly mode: Mode;
  readonly requests: number;
  readonly api: ProxmoxApi;
  /** A lab host (router or node), connected on first use. */
  host(name: string): Promise<Host>;
  /** Where a lab host's VM lives, from the deploy's outputs. */
  vm(name: string): { readonly node: string; readonly vmid: number };
  /** The exact bytes a secret input carries: no trailing newline. */
  secret(name: SecretName): string;
  /** Pins a host's SSH key (known_hosts): only pinned hosts are reached. */
  pinHostKey(name: string, publicKey: string): void;
  /** The router's interfaces as its guest agent reports them now: where its WAN address is read first. */
  routerInterfaces(interfaces: readonly GuestInterface[]): void;
  /** Writes a file of the lab's local state (.lab/<name>/file). */
  saveState(file: string, content: string, secret: boolean): void;
  /** The router and the nodes' MACs, as the shared verification reads them. */
  verifyTarget(): Promise<VerifyTarget>;
  note(message: string): void;
  /** This machine, for local commands. */
  readonly local: Host;
  /** What the run found: the verify step sets the verification, later steps add findings and the failover; run.ts decides. */
  readonly results: RunResults;
}

export interface RunResults {
  verification?: Verification;
  /** What the steps after the verification found wrong (the lease holder, Cilium's view of its peers). */
  readonly findings: string[];
  failover: Failover | null;
}
