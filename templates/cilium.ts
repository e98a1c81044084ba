// What Cilium is told: Helm values and the resources of each mode, for the pinned Cilium version.
import type { LabPlan, Mode } from '../lab/plan.ts';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** Label that ties the demo service to its pool, its L2 policy and its BGP advertisement. */
export const POOL_LABEL = 'lab.cilium.io/pool';
/** Nodes that speak BGP carry this label, set by k3s at install (containerlab style: bgp=<ASN>). */
export const BGP_NODE_LABEL = 'bgp';
export const BGP_SECRET_NAMESPACE = 'kube-system';

/**
 * The API server address that answers on every k3s node, as k3s itself sets it up (k3s-io/k3s, release-1.33):
 *  - a server runs kube-apiserver with --bind-address 127.0.0.1 (cfg.Loopback) and --secure-port
 *    HTTPSPort+1 = 6444 (pkg/daemons/control/server.go, apiServer() and defaults()); its serving
 *    certificate carries 127.0.0.1 (pkg/cli/server/server.go adds "127.0.0.1" to the SANs); the
 *    server's own agent runs no load balancer (DisableLoadBalancer = !DisableAPIServer, same file);
 *  - an agent runs its client load balancer on 127.0.0.1:--lb-server-port, default 6444
 *    (pkg/cli/cmds/agent.go LBServerPortFlag; pkg/agent/loadbalancer/loadbalancer.go listens on
 *    127.0.0.1), which knows every server from the kubernetes Endpoints and fails over between them
 *    (docs.k3s.io/architecture, "How Agent Node Registration Works").
 * Cilium's agent and operator run in the node's network namespace (operator.hostNetwork), so that
 * address is the node's own. No agent depends on one node, as with k8sServiceHost = the first control plane: stopping
 * that node left the others without an API server, and no one could take the L2 lease.
 */
export const K3S_LOCAL_API = { host: '127.0.0.1', port: 6444 } as const;

/** Graceful restart on every node's peering (restarting speaker: the router keeps a node's routes this
 *  long after its session drops, so an agent restart costs no traffic; a lost node waits hold + this). */
export const BGP_RESTART_TIME_S = 15;

export function poolName(plan: LabPlan, mode: Mode): string {
  return `${plan.name}-${mode}`;
}

/**
 * Every supported Cilium (1.18–1.20, PINS.ciliumMinors; validation refuses others) serves the pool and
 * the BGP resources as cilium.io/v2 (their storage version: pkg/k8s/apis/cilium.io/client/crds/v2/) and
 * the L2 policy only as cilium.io/v2alpha1 (crds/v2alpha1/ciliuml2announcementpolicies.yaml).
 */
export const CILIUM_API = 'cilium.io/v2';
export const CILIUM_L2_API = 'cilium.io/v2alpha1';

/**
 * L2 leases are renewed through the API server: each announced service costs about one request per
 * retry period on every node, on top of Cilium's own baseline (10 qps). Undersized, leases expire
 * and the announcement flaps.
 */
export function clientRateLimit(plan: LabPlan, services = 1): { qps: number; burst: number } {
  const qps = 10 + Math.ceil((services * 1000) / plan.l2.leaseMs.retryPeriod);
  return { qps, burst: qps * 2 };
}

/** The minor of a Cilium version, `1.19.2` → 19. */
const ciliumMinorOf = (version: string) => Number(version.split('.')[1]);

export function ciliumValues(plan: LabPlan, mode: Mode): Record<string, unknown> {
  const l2 = mode === 'l2';
  const { lease } = plan.config.l2;
  return {
    // k3s runs without kube-proxy: Cilium takes over services and must find the API server itself,
    // on every node, whichever node is down: see K3S_LOCAL_API.
    kubeProxyReplacement: true,
    k8sServiceHost: K3S_LOCAL_API.host,
    k8sServicePort: K3S_LOCAL_API.port,
    devices: [plan.config.l2.interface],
    // k3s already hands each node a podCIDR from --cluster-cidr; Cilium uses those.
    ipam: { mode: 'kubernetes' },
    routingMode: 'tunnel',
    tunnelProtocol: 'vxlan',
    // 127.0.0.1 must be the node's own loopback: the agent DaemonSet always runs in the host network,
    // the operator does when told so.
    operator: { replicas: Math.min(plan.nodes.length, 2), hostNetwork: true },
    l2announcements: l2
      ? {
          enabled: true,
          leaseDuration: lease.duration,
          leaseRenewDeadline: lease.renewDeadline,
          leaseRetryPeriod: lease.retryPeriod,
        }
      : { enabled: false },
    // Only 1.18 reads it: 1.19 removed --enable-external-ips, the feature comes with kube-proxy replacement
    // (Documentation/operations/upgrade.rst, 1.19 Upgrade Notes, Removed Options).
    ...(ciliumMinorOf(plan.config.cilium.version) < 19 ? { externalIPs: { enabled: l2 } } : {}),
    k8sClientRateLimit: l2 ? clientRateLimit(plan) : { qps: 10, burst: 20 },
    bgpControlPlane: { enabled: !l2, secretsNamespace: { name: BGP_SECRET_NAMESPACE, create: false } },
  };
}

function ipPool(plan: LabPlan, mode: Mode): Manifest {
  const name = poolName(plan, mode);
  return {
    apiVersion: CILIUM_API,
    kind: 'CiliumLoadBalancerIPPool',
    metadata: { name },
    spec: {
      blocks: [{ cidr: mode === 'l2' ? plan.l2.cidr : plan.bgp.cidr }],
      serviceSelector: { matchLabels: { [POOL_LABEL]: name } },
    },
  };
}

function l2Policy(plan: LabPlan): Manifest {
  return {
    apiVersion: CILIUM_L2_API,
    kind: 'CiliumL2AnnouncementPolicy',
    metadata: { name: poolName(plan, 'l2') },
    spec: {
      serviceSelector: { matchLabels: { [POOL_LABEL]: poolName(plan, 'l2') } },
      interfaces: [`^${plan.config.l2.interface}$`],
      loadBalancerIPs: true,
      externalIPs: false,
    },
  };
}

/** The Lease through which Cilium's agents elect the node that announces a service. */
export function l2LeaseName(namespace: string, service: string): string {
  return `cilium-l2announce-${namespace}-${service}`;
}

export function bgpSecretName(plan: LabPlan): string {
  return `${plan.name}-bgp-password`;
}

function bgpResources(plan: LabPlan): Manifest[] {
  const apiVersion = CILIUM_API;
  const { routerAsn, nodeAsn, timers, passwordEnv } = plan.config.bgp;
  const peerConfig = `${plan.name}-router`;
  const advertisement = `${plan.name}-lb`;
  return [
    {
      apiVersion,
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: plan.name },
      spec: {
        nodeSelector: { matchLabels: { [BGP_NODE_LABEL]: String(nodeAsn) } },
        bgpInstances: [
          {
            name: `${plan.name}-${nodeAsn}`,
            localASN: nodeAsn,
            peers: [
              {
                name: plan.router.name,
                peerASN: routerAsn,
                peerAddress: plan.router.lanIp,
                peerConfigRef: { name: peerConfig },
              },
            ],
          },
        ],
      },
    },
    {
      apiVersion,
      kind: 'CiliumBGPPeerConfig',
      metadata: { name: peerConfig },
      spec: {
        timers: {
          connectRetryTimeSeconds: timers.connectRetry,
          holdTimeSeconds: timers.hold,
          keepAliveTimeSeconds: timers.keepalive,
        },
        gracefulRestart: { enabled: true, restartTimeSeconds: BGP_RESTART_TIME_S },
        ...(passwordEnv ? { authSecretRef: bgpSecretName(plan) } : {}),
        families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: advertisement } } }],
      },
    },
    {
      apiVersion,
      kind: 'CiliumBGPAdvertisement',
      metadata: { name: advertisement, labels: { advertise: advertisement } },
      spec: {
        advertisements: [
          {
            advertisementType: 'Service',
            service: { addresses: ['LoadBalancerIP'] },
            selector: { matchLabels: { [POOL_LABEL]: poolName(plan, 'bgp') } },
          },
        ],
      },
    },
  ];
}

/** The pool and the announcement of the mode. The BGP password Secret is created at install, from the environment. */
export function ciliumResources(plan: LabPlan, mode: Mode): Manifest[] {
  return [ipPool(plan, mode), ...(mode === 'l2' ? [l2Policy(plan)] : bgpResources(plan))];
}
