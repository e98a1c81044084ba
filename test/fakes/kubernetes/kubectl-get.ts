// Stand-in for `k3s kubectl get` on a lab node, for tests of what lab:status reads (there is no
// Kubernetes here). The answers keep upstream's shapes, trimmed to the fields read, each with its source.
import type { Host } from '../../../scripts/hosts/host.ts';

export interface ClusterState {
  /** Node name → its Ready condition's status ("True", "False", "Unknown"). */
  readonly nodes: Record<string, 'True' | 'False' | 'Unknown'>;
  /** The cilium DaemonSet, absent before Cilium is installed. */
  readonly cilium?: { readonly desired: number; readonly ready: number };
  /** CiliumLoadBalancerIPPool names (none before Cilium registers the CRD). */
  readonly pools?: readonly string[];
}

const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });
const notFound = (stderr: string) => ({ code: 1, stdout: '', stderr });

export function kubectlHost(name: string, state: ClusterState): Host {
  return {
    name,
    async exec(command) {
      if (command === 'sudo k3s kubectl get nodes -o json') {
        // core/v1 NodeList (kubernetes/api core/v1/types.go: NodeStatus.Conditions, NodeCondition{type,status,reason}).
        const items = Object.entries(state.nodes).map(([node, status]) => ({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: node, labels: { 'kubernetes.io/hostname': node } },
          status: {
            conditions: [
              { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
              { type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'NodeStatusUnknown' },
            ],
          },
        }));
        return ok(JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }));
      }
      if (command === 'sudo k3s kubectl get -n kube-system daemonset cilium -o json') {
        // apps/v1 DaemonSet (kubernetes/api apps/v1/types.go: DaemonSetStatus.desiredNumberScheduled, numberReady).
        if (!state.cilium) return notFound('Error from server (NotFound): daemonsets.apps "cilium" not found');
        const { desired, ready } = state.cilium;
        return ok(
          JSON.stringify({
            apiVersion: 'apps/v1',
            kind: 'DaemonSet',
            metadata: { name: 'cilium', namespace: 'kube-system' },
            status: {
              currentNumberScheduled: desired,
              desiredNumberScheduled: desired,
              numberAvailable: ready,
              numberMisscheduled: 0,
              numberReady: ready,
              observedGeneration: 1,
            },
          }),
        );
      }
      if (command === 'sudo k3s kubectl get ciliumloadbalancerippools.cilium.io -o name') {
        // `-o name` prints <resource>.<group>/<name>, one per line (kubectl's NamePrinter).
        if (!state.pools)
          return notFound('error: the server doesn\'t have a resource type "ciliumloadbalancerippools"');
        return ok(state.pools.map((p) => `ciliumloadbalancerippool.cilium.io/${p}\n`).join(''));
      }
      return notFound(`the kubectl stand-in does not answer: ${command}`);
    },
  };
}
