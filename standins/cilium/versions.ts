// The Cilium minors the stand-ins model, and what differs between them. The lab's cilium.version picks one.
import { LabError } from '../../lab/errors.ts';

export type CiliumMinor = '1.18' | '1.19' | '1.20';
export const MINORS: readonly CiliumMinor[] = ['1.18', '1.19', '1.20'];

/** What the speaker does with its sessions when the agent stops (SIGTERM). */
export type BgpStop =
  /** The agent exits without GoBGP's Stop: no NOTIFICATION, the kernel closes TCP (FIN).
   *  cilium/cilium v1.18–v1.19 pkg/bgpv1/gobgp/server.go, GoBGPServer.Stop without FullDestroy (PR #39835). */
  | 'close'
  /** StopBgp{AllowGracefulRestart: true}: no NOTIFICATION to peers with graceful restart negotiated,
   *  Cease/Peer De-configured to the others. cilium/cilium v1.20 pkg/bgpv1/gobgp/server.go (Stop);
   *  osrg/gobgp v4.6 pkg/server/server.go (StopBgp). */
  | 'stop-allow-gr';

/** GoBGP's connectLoop: delay before a dial, in seconds, as [min, max) for the first and later dials. */
export interface DialTiming {
  readonly gobgp: string;
  readonly first: readonly [number, number];
  later(connectRetry: number): readonly [number, number];
}

/** osrg/gobgp pkg/server/fsm.go connectLoop at each tag: min interval 5 s (v3.10), 1 s (v3.37), 2 s (v4.6). */
const v3 = (gobgp: string, min: number): DialTiming => ({
  gobgp,
  first: [min, 2 * min],
  later: (retry) => [Math.max(retry, min), 2 * Math.max(retry, min)],
});
export const GOBGP_DEBIAN = v3('3.10.0 (Debian gobgpd)', 5);

/**
 * How the L2 announcer's leader gives its lease up on SIGTERM (client-go release(), ReleaseOnCancel).
 * Neither retries on a 409 Conflict (that comes with client-go v0.37, commit 1b1630d "retry release on
 * conflict from inflight renew"): a renewal that the cancel cut short but the API server applied moves
 * the resourceVersion, and the release then fails; the lease expires instead.
 */
export type LeaseRelease =
  /** client-go v0.33 tools/leaderelection/leaderelection.go release(): Update with the lease last seen. */
  | 'cached'
  /** client-go v0.34/v0.35 release(): Get first ("update the resourceVersion of lease"), then Update. */
  | 'read-first';

export interface MinorBehaviour {
  readonly minor: CiliumMinor;
  /** The GoBGP Cilium vendors (go.mod of the release branch). */
  readonly vendored: DialTiming;
  readonly bgpStop: BgpStop;
  readonly leaseRelease: LeaseRelease;
}

const BEHAVIOUR: Record<CiliumMinor, MinorBehaviour> = {
  // go.mod v1.18: github.com/osrg/gobgp/v3 replaced by the cilium/gobgp v3 fork (v3.37 base, July 2025);
  // k8s.io/client-go v0.33.
  '1.18': { minor: '1.18', vendored: v3('3.37.0 (cilium/gobgp fork)', 1), bgpStop: 'close', leaseRelease: 'cached' },
  // go.mod v1.19: still the cilium/gobgp v3 fork (January 2026 snapshot); k8s.io/client-go v0.34.
  '1.19': {
    minor: '1.19',
    vendored: v3('3.37+ (cilium/gobgp fork)', 1),
    bgpStop: 'close',
    leaseRelease: 'read-first',
  },
  // go.mod v1.20: github.com/osrg/gobgp/v4 v4.6.x; connectLoop waits 0.75–1 × the interval, minimum 2 s;
  // k8s.io/client-go v0.35.
  '1.20': {
    minor: '1.20',
    vendored: { gobgp: '4.6.1', first: [1.5, 2], later: (retry) => [0.75 * Math.max(retry, 2), Math.max(retry, 2)] },
    bgpStop: 'stop-allow-gr',
    leaseRelease: 'read-first',
  },
};

export function ciliumMinor(version: string): CiliumMinor {
  const minor = version.split('.').slice(0, 2).join('.');
  if (!(MINORS as readonly string[]).includes(minor)) {
    throw new LabError(
      'E_CONFIG',
      `cilium.version ${version}: the emulated lab's stand-ins model Cilium ${MINORS.join(', ')} only`,
      `set cilium.version to a ${MINORS.join('/')} release, or use the Proxmox target`,
    );
  }
  return minor as CiliumMinor;
}

export function behaviour(version: string): MinorBehaviour {
  return BEHAVIOUR[ciliumMinor(version)];
}
