// What Kubernetes does with a node that stops answering, for the Kubernetes that a k3s release
// carries: the facts a failover measurement on the Proxmox lab has to wait out.
import { minorOf } from './validate.ts';

export interface NodeMonitor {
  /** --node-monitor-grace-period: a node whose kubelet stopped renewing its Lease is marked NotReady after this. */
  readonly gracePeriodMs: number;
  /** --node-monitor-period: how often the node lifecycle controller looks. */
  readonly periodMs: number;
}

/**
 * kube-controller-manager defaults; k3s passes neither flag (k3s-io/k3s pkg/daemons/control/server.go,
 * controllerManager()). Grace period 40 s up to Kubernetes 1.31, 50 s from 1.32 (kubernetes/kubernetes
 * #126287, CHANGELOG-1.32.md v1.32.0-alpha.2; pkg/controller/nodelifecycle/config/v1alpha1/defaults.go);
 * the period is 5 s throughout. Once NotReady, the controller marks the node's pods not ready and their
 * endpoints leave the EndpointSlices: only then does Cilium stop sending to backends on a dead node.
 */
export function nodeMonitor(k3sVersion: string): NodeMonitor {
  const [major, minor] = minorOf(k3sVersion).split('.').map(Number) as [number, number];
  return { gracePeriodMs: major > 1 || minor >= 32 ? 50_000 : 40_000, periodMs: 5_000 };
}
