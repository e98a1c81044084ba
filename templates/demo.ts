// The demo service: an echo server that answers with the node that received the request and the pod
// that served it ("node=<node> pod=<pod>"), behind a LoadBalancer service at a fixed pool address.
import type { LabPlan, Mode } from '../lab/plan.ts';
import { type Manifest, POOL_LABEL, poolName } from './cilium.ts';

export const DEMO = { name: 'echo', namespace: 'demo', port: 80, targetPort: 8080 } as const;
/** hashicorp/http-echo answers every request with -text; Kubernetes expands $(VAR) from the env. */
export const ECHO_IMAGE = 'hashicorp/http-echo:1.0.0';

/** Parses a reply of the echo server (and of the emulated lab's stand-in). */
export function parseEcho(body: string): { node: string; pod: string } | undefined {
  const m = /node=(\S+) pod=(\S+)/.exec(body);
  return m ? { node: m[1]!, pod: m[2]! } : undefined;
}

export function echoText(node: string, pod: string): string {
  return `node=${node} pod=${pod}`;
}

/** A node a request is attributed to: the one it entered the cluster through, or the one whose pod answered. */
export type NodeCount = 'entry' | 'backend';

/**
 * What the echo's node= names, seen from outside the cluster. externalTrafficPolicy Local: only pods on
 * the node the packet entered answer, so the reply names the entry node; Cluster: the entry node
 * balances to any ready pod, so it names the backend pod's node (Kubernetes docs, "Virtual IPs and
 * Service Proxies", Traffic policies › External traffic policy).
 */
export function replyNames(plan: LabPlan, mode: Mode): NodeCount {
  const service = demoManifests(plan, mode).find((m) => m.kind === 'Service')!;
  return (service.spec as { externalTrafficPolicy: string }).externalTrafficPolicy === 'Local' ? 'entry' : 'backend';
}

export function serviceIp(plan: LabPlan, mode: Mode): string {
  return mode === 'l2' ? plan.l2.serviceIp : plan.bgp.serviceIp;
}

export function demoManifests(plan: LabPlan, mode: Mode): Manifest[] {
  const labels = { app: DEMO.name };
  const pod = {
    metadata: { labels },
    spec: {
      containers: [
        {
          name: DEMO.name,
          image: ECHO_IMAGE,
          args: [`-listen=:${DEMO.targetPort}`, `-text=${echoText('$(NODE_NAME)', '$(POD_NAME)')}`],
          env: [
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          ports: [{ containerPort: DEMO.targetPort, name: 'http' }],
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 2 },
        },
      ],
    },
  };
  // BGP: one pod per node and Local policy, so the reply names the node the router chose.
  // L2: Cluster policy is required, as only the elected node receives traffic and must forward it.
  const workload: Manifest =
    mode === 'bgp'
      ? {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: DEMO.name, namespace: DEMO.namespace },
          spec: { selector: { matchLabels: labels }, template: pod },
        }
      : {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: DEMO.name, namespace: DEMO.namespace },
          spec: { replicas: plan.nodes.length, selector: { matchLabels: labels }, template: pod },
        };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO.namespace } },
    workload,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: DEMO.name,
        namespace: DEMO.namespace,
        labels: { [POOL_LABEL]: poolName(plan, mode) },
        annotations: { 'lbipam.cilium.io/ips': serviceIp(plan, mode) },
      },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: mode === 'bgp' ? 'Local' : 'Cluster',
        selector: labels,
        ports: [{ name: 'http', port: DEMO.port, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  ];
}
