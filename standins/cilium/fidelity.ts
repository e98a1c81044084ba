// What in the emulated lab is real and what stands in for Cilium, which upstream version each stand-in
// follows, and every known difference with its effect on what lab:compare measures. One item per part;
// the README's emulated-lab table says the same in one line each.
import type { LabPlan } from '../../lab/plan.ts';
import { behaviour, GOBGP_DEBIAN } from './versions.ts';

export interface FidelityItem {
  readonly part: string;
  readonly kind: 'real' | 'stand-in';
  readonly models: string;
  readonly differences: readonly { readonly what: string; readonly effect: string }[];
}

const range = ([a, b]: readonly [number, number]) => `${+a.toFixed(2)}–${+b.toFixed(2)} s`;

export function fidelity(plan: LabPlan): FidelityItem[] {
  const version = plan.config.cilium.version;
  const b = behaviour(version);
  const { duration, renewDeadline, retryPeriod } = plan.l2.leaseMs;
  const { connectRetry, hold } = plan.config.bgp.timers;
  const debian = GOBGP_DEBIAN;
  const vendored = b.vendored;
  return [
    {
      part: 'router',
      kind: 'real',
      models: 'FRR 8.4 (zebra, bgpd) with the rendered frr.conf, sysctls and nftables rules; sshd',
      differences: [],
    },
    {
      part: 'ARP, neighbour tables, forwarding, ECMP',
      kind: 'real',
      models: 'the Linux kernel of this machine (arp_accept, fib_multipath_hash_policy=1)',
      differences: [],
    },
    {
      part: 'L2 leader election',
      kind: 'stand-in',
      models: `Cilium ${b.minor}: client-go leader election over a Lease (pkg/l2announcer/l2announcer.go, ReleaseOnCancel) — ${duration} ms / ${renewDeadline} ms / ${retryPeriod} ms`,
      differences: [
        {
          what: 'the Lease lives in a stand-in API on the router (create, get, update with resourceVersion), not in a Kubernetes API server with etcd behind it',
          effect:
            'API latency is LAN latency (sub-millisecond), not an API server’s: takeover can be a few ms faster than on a cluster',
        },
        {
          what: 'leaseDurationSeconds is whole seconds, as client-go writes it',
          effect: `a lease duration of ${duration} ms counts as ${Math.floor(duration / 1000)} s, exactly as upstream`,
        },
        {
          what: 'after losing the lease the stand-in becomes a candidate again at once (inferred: upstream restarts the election job on OnStoppedLeading)',
          effect: 'none on takeover times; a node that regains its link competes again',
        },
      ],
    },
    {
      part: 'L2 ARP responder',
      kind: 'stand-in',
      models: `Cilium ${b.minor}: bpf/lib/l2_responder.h + bpf/lib/arp.h as an nftables netdev-ingress rule per policy interface; gratuitous ARP reply once per (IP, interface) entry (pkg/datapath/l2responder, pkg/datapath/gneigh)`,
      differences: [
        {
          what: 'nftables at netdev ingress stands for BPF at tc ingress; the service IP sits on lo (arp_ignore=1) so the node serves TCP; ICMP echo to it is dropped',
          effect: 'none expected on outage or share numbers; ping is unanswered as upstream',
        },
        {
          what: `the liveness stamp is an nftables set element refreshed every 1 s with a ${duration} ms timeout`,
          effect: `after SIGKILL/SIGTERM the old holder answers ARP for ${duration - 1000}–${duration} ms more, as upstream’s max_liveness gate`,
        },
        {
          what: 'on SIGTERM the responder entries are left for the liveness gate (inferred: upstream’s shutdown order is not asserted by its tests)',
          effect:
            'old and new holder may both answer ARP for up to the lease duration after a graceful stop; the gratuitous ARP moves the router at once',
        },
        {
          what: 'the gratuitous ARP reply is sent by arping 2.23 (-U -P), not mdlayher/arp',
          effect: 'same frame kind (reply, broadcast, sender IP = target IP); none on numbers',
        },
        {
          what: 'known upstream takeover bugs (#48626 responder never programmed after a LAN outage, ≥1.20.1; #45068 reconciliation deleting wanted entries, 1.19) are not reproduced',
          effect:
            'the lab shows the intended takeover; real clusters on those versions may stay dark until the agent restarts',
        },
      ],
    },
    {
      part: 'BGP speaker',
      kind: 'real',
      models: `GoBGP ${debian.gobgp} configured as Cilium ${b.minor} configures GoBGP ${vendored.gobgp} (pkg/bgpv1/gobgp/server.go: timers, graceful restart with N and R bits, idle hold 5 s, dial only)`,
      differences: [
        {
          what: `first dial after a (re)start: GoBGP ${debian.gobgp} waits ${range(debian.first)}, upstream's ${vendored.gobgp} ${range(vendored.first)} (pkg/server/fsm.go connectLoop)`,
          effect: `cold start and agent restart re-peer about ${+(debian.first[0] - vendored.first[1]).toFixed(1)}–${+(debian.first[1] - vendored.first[0]).toFixed(1)} s later than on a cluster; inside the graceful-restart time routes stay, so no extra outage`,
        },
        {
          what: `later dials every ${range(debian.later(connectRetry))} here, ${range(vendored.later(connectRetry))} upstream (connect-retry ${connectRetry} s)`,
          effect:
            're-peering after a router restart can take up to one connect-retry longer here' +
            (b.minor === '1.20' ? ' (v4 dials at 0.75–1 × connect-retry)' : ''),
        },
        {
          what: 'with the R bit set (gobgpd -r), GoBGP 3.10 was seen sending its routes before FRR’s End-of-RIB; upstream’s GoBGP defers them until it',
          effect: 'none on FRR’s view: the stale routes are refreshed either way',
        },
        {
          what: 'GoBGP 3.10 predates RFC 8538 Hard Reset mapping (gobgp PR #2800)',
          effect:
            'a Cease to a graceful-restart peer keeps FRR’s stale routes here; vendored GoBGP would send Hard Reset and FRR would drop them (only on peer deletion, not on agent stop)',
        },
      ],
    },
    {
      part: 'BGP agent stop/restart',
      kind: 'stand-in',
      models:
        b.bgpStop === 'close'
          ? `Cilium ${b.minor}: agent exit without GoBGP's Stop — no NOTIFICATION, TCP closed by the kernel (pkg/bgpv1/gobgp/server.go Stop without FullDestroy, PR #39835)`
          : `Cilium ${b.minor}: StopBgp{AllowGracefulRestart: true} — no NOTIFICATION to graceful-restart peers, Cease/Peer De-configured to the others (pkg/bgpv1/gobgp/server.go Stop; gobgp v4 pkg/server/server.go StopBgp)`,
      differences: [
        {
          what: 'GoBGP runs as a child process that dies with the agent (setpriv --pdeathsig KILL), not as a library inside it',
          effect: 'none on the wire: the sessions close when the agent process goes',
        },
        ...(b.bgpStop === 'stop-allow-gr'
          ? [
              {
                what: 'the Cease to non-graceful-restart peers is sent with gobgp neighbor del (same message as StopBgp in GoBGP 3.10)',
                effect: 'none on the wire',
              },
            ]
          : []),
        ...(b.minor !== '1.20'
          ? [
              {
                what: 'whether 1.18/1.19 skip GoBGP entirely on stop or call StopBgp with AllowGracefulRestart is unconfirmed; both send nothing to graceful-restart peers, which the lab renders',
                effect: 'none in this lab (graceful restart is on for every peer)',
              },
            ]
          : []),
        {
          what: `FRR keeps a graceful-restart peer's routes stale for the restart time (15 s) after the TCP session closes; hold time is ${hold} s`,
          effect: 'a stopped agent keeps attracting its share until the restart time ends or it returns (real: same)',
        },
      ],
    },
    {
      part: 'demo service',
      kind: 'stand-in',
      models: 'one echo process per node answering node=<node> pod=standin-<node>, apart from the agent',
      differences: [
        {
          what: 'traffic stays on the node that received it (no kube-proxy-replacement forwarding to pods on other nodes)',
          effect: 'the share per node is the share of connections the router sends to each node, not per pod',
        },
      ],
    },
    {
      part: 'Kubernetes, Cilium itself',
      kind: 'stand-in',
      models: 'not here: only on the Proxmox target',
      differences: [
        {
          what: 'no kubelet, no pod restarts, no API server failover',
          effect: 'scenarios that need them run on Proxmox only',
        },
      ],
    },
  ];
}
