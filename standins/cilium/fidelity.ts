// What the emulated lab runs for real, what it stands in for, and every known difference from the
// Cilium minor the lab pins, with its effect on what lab:compare measures. report.json carries it.
// Placeholder describing today's stand-ins (standins/cilium/node-agent.ts, lease-api.ts, gobgp.ts);
// the stand-in fidelity work (issue 13) replaces it with one checked against upstream per version.
import type { LabPlan } from '../../lab/plan.ts';

export interface FidelityItem {
  readonly part: string;
  readonly kind: 'real' | 'stand-in';
  readonly models: string;
  readonly differences: readonly { readonly what: string; readonly effect: string }[];
}

export function fidelity(plan: LabPlan): FidelityItem[] {
  const cilium = `Cilium ${plan.config.cilium.version}`;
  return [
    { part: 'router', kind: 'real', models: 'FRR 8 (zebra, bgpd) with the rendered frr.conf, sysctls and nftables', differences: [] },
    { part: 'ARP, forwarding, ECMP', kind: 'real', models: 'the Linux kernel: neighbour tables, gratuitous ARP, multipath routes (fib_multipath_hash_policy=1)', differences: [] },
    {
      part: 'BGP speaker on the nodes',
      kind: 'real',
      models: `Debian's gobgpd (GoBGP 3.10) configured from the rendered Cilium BGP resources, dialling out as ${cilium} does`,
      differences: [
        { what: `${cilium} vendors a newer GoBGP (3.37 for 1.18/1.19, 4.6 for 1.20), whose reconnect timing differs`, effect: 'time to re-peer after a router restart or link loss may differ from a real cluster' },
        { what: 'on SIGTERM gobgpd stops its peers with a NOTIFICATION (Cease); Cilium 1.18/1.19 close TCP without one, 1.20 stops allowing graceful restart', effect: 'graceful stop and restart: the router withdraws the node at once instead of holding its routes until the hold or restart time' },
      ],
    },
    {
      part: 'L2 announcer',
      kind: 'stand-in',
      models: `${cilium}'s L2 announcement: leader election through a lease (duration, renew deadline, retry period as rendered), gratuitous ARP on takeover`,
      differences: [
        { what: 'the holder puts the service IP on eth0 and the kernel answers ARP (and ping); Cilium answers ARP from BPF on the policy interfaces only and never answers ping', effect: 'none on the TCP probes; the router sees the same ARP replies' },
        { what: 'on SIGTERM the lease is not released (upstream releases it)', effect: 'graceful stop: takeover waits for the lease duration instead of about one retry period' },
        { what: 'candidates retry without jitter and the lease API grants at once', effect: 'takeover slightly faster and steadier than upstream' },
        { what: 'the agent process also serves the demo echo, so stopping the announcer stops that node\'s backend', effect: 'L2 graceful stop and restart: the stopped node serves nothing until it is back (a Cilium node keeps its datapath)' },
      ],
    },
    { part: 'lease API', kind: 'stand-in', models: 'the Kubernetes Lease object on the API server, reached over the LAN', differences: [{ what: 'one HTTP endpoint on the router, no API server or etcd', effect: 'no API-server latency in renewals' }] },
    { part: 'demo service', kind: 'stand-in', models: 'the echo pod on every node, answering with its node name', differences: [{ what: 'served on each node directly, no kube-proxy replacement or pod network', effect: 'none on which node answers; no extra hop' }] },
  ];
}
