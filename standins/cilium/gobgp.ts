// Cilium's BGP control plane is built on GoBGP. The emulated nodes run the real gobgpd, configured from
// the very Cilium resources the Kubernetes lab applies: instance ASN, peer address and ASN, the peer
// config's timers, graceful restart and password, and the LoadBalancer IPs the advertisement selects.
import type { Manifest } from '../../templates/cilium.ts';

export interface GobgpSettings {
  readonly asn: number;
  readonly routerId: string;
  readonly peers: readonly {
    readonly address: string;
    readonly asn: number;
    readonly keepalive: number;
    readonly hold: number;
    readonly connectRetry: number;
    readonly idleHoldAfterReset: number;
    readonly gracefulRestart?: number;
    readonly password?: string;
  }[];
  /** Host routes to advertise: the service addresses the advertisement selects. */
  readonly advertise: readonly string[];
}

/**
 * Cilium sets every peer's idle hold after reset to 5 s (cilium/cilium pkg/bgpv1/gobgp/server.go,
 * `idleHoldTimeAfterResetSeconds = 5`, applied in setPeerTimers); GoBGP's own default is 30 s. It is
 * not a field of CiliumBGPPeerConfig, so it is not read from the resources.
 */
export const CILIUM_IDLE_HOLD_AFTER_RESET_S = 5;

const of = (docs: readonly Manifest[], kind: string) => docs.filter((d) => d.kind === kind) as any[];

function matches(
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string> = {},
): boolean {
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Reads GoBGP settings for one node out of the rendered Cilium BGP resources and demo services. */
export function gobgpSettings(
  docs: readonly Manifest[],
  nodeIp: string,
  secrets: Record<string, string> = {},
): GobgpSettings {
  const cluster = of(docs, 'CiliumBGPClusterConfig')[0];
  if (!cluster) throw new Error('no CiliumBGPClusterConfig among the resources');
  const instance = cluster.spec.bgpInstances[0];
  const peerConfigs = new Map(of(docs, 'CiliumBGPPeerConfig').map((p) => [p.metadata.name, p.spec]));
  const peers = instance.peers.map((peer: any) => {
    const spec = peerConfigs.get(peer.peerConfigRef?.name) ?? {};
    const password = spec.authSecretRef ? secrets[spec.authSecretRef] : undefined;
    if (spec.authSecretRef && password === undefined)
      throw new Error(`secret ${spec.authSecretRef} is referenced but not given`);
    return {
      address: peer.peerAddress,
      asn: peer.peerASN,
      keepalive: spec.timers?.keepAliveTimeSeconds ?? 30,
      hold: spec.timers?.holdTimeSeconds ?? 90,
      connectRetry: spec.timers?.connectRetryTimeSeconds ?? 120,
      idleHoldAfterReset: CILIUM_IDLE_HOLD_AFTER_RESET_S,
      ...(spec.gracefulRestart?.enabled ? { gracefulRestart: spec.gracefulRestart.restartTimeSeconds ?? 120 } : {}),
      ...(password ? { password } : {}),
    };
  });
  const adverts = of(docs, 'CiliumBGPAdvertisement')
    .flatMap((a) => a.spec.advertisements)
    .filter((a: any) => a.advertisementType === 'Service' && a.service.addresses.includes('LoadBalancerIP'));
  const advertise = of(docs, 'Service')
    .filter(
      (svc) => svc.spec.type === 'LoadBalancer' && adverts.some((a: any) => matches(a.selector, svc.metadata.labels)),
    )
    .map((svc) => svc.metadata.annotations?.['lbipam.cilium.io/ips'])
    .filter(Boolean);
  return { asn: instance.localASN, routerId: nodeIp, peers, advertise };
}

const q = (s: string) => JSON.stringify(s);

/** gobgpd's TOML. port = -1: no listener; the node dials out, as Cilium does. */
export function gobgpToml(s: GobgpSettings): string {
  const lines = ['[global.config]', `  as = ${s.asn}`, `  router-id = ${q(s.routerId)}`, '  port = -1', ''];
  for (const p of s.peers) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = ${q(p.address)}`,
      `    peer-as = ${p.asn}`,
      ...(p.password ? [`    auth-password = ${q(p.password)}`] : []),
      '  [neighbors.timers.config]',
      `    connect-retry = ${p.connectRetry}`,
      `    hold-time = ${p.hold}`,
      `    keepalive-interval = ${p.keepalive}`,
      // Cilium resets a session after 5 s idle (idleHoldTimeAfterResetSeconds, pkg/bgpv1/gobgp/server.go).
      `    idle-hold-time-after-reset = ${p.idleHoldAfterReset}`,
      // Graceful restart as Cilium configures it (pkg/bgpv1/gobgp/server.go setPeerGracefulRestart):
      // restart time, the N bit (notification-enabled) and the family; the R bit comes from gobgpd -r.
      ...(p.gracefulRestart
        ? [
            '  [neighbors.graceful-restart.config]',
            '    enabled = true',
            `    restart-time = ${p.gracefulRestart}`,
            '    notification-enabled = true',
          ]
        : []),
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv4-unicast"',
      ...(p.gracefulRestart ? ['    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true'] : []),
      '',
    );
  }
  return lines.join('\n');
}
