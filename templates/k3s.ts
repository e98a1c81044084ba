// The Kubernetes install plan: k3s HA with embedded etcd. The first server initialises the cluster,
// the other servers and the agents join it. Flags leave networking to Cilium.
import type { LabHost, LabPlan } from '../lab/plan.ts';
import { quote } from './shell.ts';
import { BGP_NODE_LABEL } from './cilium.ts';

export interface InstallStep {
  readonly host: string;
  readonly title: string;
  /** Shell run on the host. $K3S_TOKEN is filled at run time from .lab/<name>/k3s-token, never written here. */
  readonly command: string;
}

/** Everything Cilium replaces or that the lab does not want: flannel, kube-proxy, ServiceLB, Traefik, the policy controller. */
export function k3sServerFlags(plan: LabPlan, host: LabHost): string[] {
  const k = plan.config.kubernetes;
  return [
    '--flannel-backend=none',
    '--disable-network-policy',
    '--disable-kube-proxy',
    '--disable=servicelb',
    '--disable=traefik',
    `--cluster-cidr=${k.podCidr}`,
    `--service-cidr=${k.serviceCidr}`,
    `--tls-san=${plan.apiServer}`,
    ...nodeFlags(plan, host),
  ];
}

function nodeFlags(plan: LabPlan, host: LabHost): string[] {
  return [`--node-ip=${host.lanIp}`, `--node-label=${BGP_NODE_LABEL}=${plan.config.bgp.nodeAsn}`];
}

/**
 * The install script's own way (k3s-io/k3s install.sh, `sh -s - server …`): the k3s arguments follow
 * `sh -s -` as separate, quoted words, which the script quotes again into the service unit, rather than
 * INSTALL_K3S_EXEC, which it word-splits. The token is the variable the step reads from standard input.
 */
function install(plan: LabPlan, exec: string[], env: Record<string, string> = {}): string {
  const version = plan.config.kubernetes.k3sVersion;
  const vars = { INSTALL_K3S_VERSION: version, ...env };
  const assignments = Object.entries(vars).map(([k, v]) => `${k}=${quote(v)}`);
  return `curl -sfL ${quote(installScriptUrl(version))} | ${assignments.join(' ')} K3S_TOKEN="$K3S_TOKEN" sh -s - ${exec.map(quote).join(' ')}`;
}

/**
 * The install script of the k3s release itself, not get.k3s.io's current one; the script checks the binary
 * it downloads against the release's sha256sum-amd64.txt (k3s-io/k3s install.sh, download_hash and
 * verify_binary). The tag's `+` is escaped in the path, as GitHub's raw URLs take it.
 */
export const installScriptUrl = (version: string) =>
  `https://raw.githubusercontent.com/k3s-io/k3s/${encodeURIComponent(version)}/install.sh`;

export function k3sInstallPlan(plan: LabPlan): InstallStep[] {
  const [first, ...rest] = plan.nodes;
  const server = `https://${plan.apiServer}:6443`;
  return [
    {
      host: first!.name,
      title: 'k3s: initialise the cluster (embedded etcd)',
      command: install(plan, ['server', '--cluster-init', ...k3sServerFlags(plan, first!)]),
    },
    ...rest.map((node) =>
      node.role === 'control-plane'
        ? {
            host: node.name,
            title: 'k3s: join as server',
            command: install(plan, ['server', `--server=${server}`, ...k3sServerFlags(plan, node)]),
          }
        : {
            host: node.name,
            title: 'k3s: join as agent',
            command: install(plan, ['agent', ...nodeFlags(plan, node)], { K3S_URL: server }),
          },
    ),
    {
      host: first!.name,
      title: 'kubeconfig: export (server address rewritten to the API server)',
      command: `sudo sed ${quote(`s#https://127.0.0.1:6443#${server}#`)} /etc/rancher/k3s/k3s.yaml`,
    },
  ];
}
