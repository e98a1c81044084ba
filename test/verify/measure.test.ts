import { describe, expect, it } from 'vitest';
import type { Host } from '../../scripts/hosts/host.ts';
import {
  failoverProbe,
  failoverVictim,
  measureOutage,
  parseProbe,
  resolveNode,
  runFailover,
} from '../../scripts/verify/failover.ts';
import { formatSummary } from '../../scripts/verify/summary.ts';
import { addTraffic, countReplies } from '../../scripts/verify/traffic.ts';
import { failoverProblems, verdictOf } from '../../scripts/verify/verdict.ts';
import { leaseProblems, verify, type VerifyTarget } from '../../scripts/verify/verify.ts';
import { replyNames } from '../../templates/demo.ts';
import { labPlan } from '../helpers/labs.ts';
import { NETNS_TIMINGS } from '../../scripts/targets/netns/timings.ts';
import { proxmoxTimings } from '../../scripts/targets/proxmox/timings.ts';

describe('countReplies', () => {
  it('should count replies by the node they name, and everything else as failed', () => {
    const t = countReplies('ok node=cp1 pod=a\nok node=cp2 pod=b\nfail\nok node=cp1 pod=c\nok garbage\n', 'entry');
    expect(t).toEqual({ requests: 5, failed: 2, byNode: { cp1: 2, cp2: 1 }, counts: 'entry' });
    expect(addTraffic(t, { requests: 1, failed: 0, byNode: { cp3: 1 }, counts: 'entry' })).toEqual({
      requests: 6,
      failed: 2,
      byNode: { cp1: 2, cp2: 1, cp3: 1 },
      counts: 'entry',
    });
  });
});

const plan = labPlan();
const MACS = { 'aa:00:00:00:00:11': 'cilab-cp1', 'aa:00:00:00:00:12': 'cilab-cp2', 'aa:00:00:00:00:13': 'cilab-cp3' };

/**
 * The Proxmox router as the verification sees it: `ip -j neigh` answers in iproute2's JSON shape
 * (ip/ipneigh.c print_neigh: dst, dev, lladdr, state[]) with the holder cp2's MAC; every request is
 * answered by the echo pod that Cilium picked, on any node: with externalTrafficPolicy Cluster the
 * entry node (cp2) forwards to a pod anywhere (Kubernetes, "Virtual IPs and Service Proxies", External
 * traffic policy). The reply is hashicorp/http-echo's -text as templates/demo.ts renders it.
 */
function clusterPolicyRouter(probeLines: (i: number) => string): Host {
  let n = 0;
  return {
    name: 'cilab-router',
    async exec(command) {
      if (command.startsWith('ip -j neigh'))
        return {
          code: 0,
          stderr: '',
          stdout: JSON.stringify([
            { dst: '10.42.0.193', dev: 'eth1', lladdr: 'aa:00:00:00:00:12', state: ['REACHABLE'] },
          ]),
        };
      if (command.includes('curl')) return { code: 0, stderr: '', stdout: probeLines(n++) };
      return { code: 1, stderr: `unexpected: ${command}`, stdout: '' };
    },
  };
}

describe('what byNode counts (defect 9)', () => {
  it('should name the backend node in L2 (Cluster policy) and the entry node in BGP (Local policy)', () => {
    expect(replyNames(plan, 'l2')).toBe('backend');
    expect(replyNames(plan, 'bgp')).toBe('entry');
  });

  it('should count the L2 replies as backends and take the entry node from the router, in the text and the JSON', async () => {
    const backends = ['cilab-cp1', 'cilab-cp2', 'cilab-cp3'];
    const router = clusterPolicyRouter(() => backends.map((b, i) => `ok node=${b} pod=echo-${i}`).join('\n'));
    const target: VerifyTarget = {
      kind: 'proxmox',
      timings: proxmoxTimings(plan),
      router: { host: router, vtysh: 'sudo vtysh', lanIface: 'eth1' },
      nodeMacs: MACS,
    };
    const v = await verify(target, plan, 'l2', 3);
    expect(v.entryNode).toBe('cilab-cp2');
    expect(v.traffic).toEqual({
      requests: 3,
      failed: 0,
      byNode: { 'cilab-cp1': 1, 'cilab-cp2': 1, 'cilab-cp3': 1 },
      counts: 'backend',
    });
    const report = verdictOf(v, { findings: [], failover: null, timings: {} });
    expect(JSON.parse(JSON.stringify(report))).toMatchObject({
      entryNode: 'cilab-cp2',
      traffic: { counts: 'backend' },
      trafficBySource: { router: { counts: 'backend' } },
    });
    expect(formatSummary(report, undefined)).toContain(
      'requests by backend node, the node of the pod that answered (externalTrafficPolicy Cluster; all entered through cilab-cp2',
    );
  });

  it('should count the emulated stand-ins, which answer where the request arrived, as entries', async () => {
    const router = clusterPolicyRouter(() => 'ok node=cilab-cp2 pod=standin-cilab-cp2');
    const v = await verify(
      {
        kind: 'netns',
        timings: NETNS_TIMINGS,
        router: { host: router, vtysh: 'vtysh', lanIface: 'eth1' },
        nodeMacs: MACS,
        echoOnEntry: true,
      },
      plan,
      'l2',
      1,
    );
    expect(v.traffic.counts).toBe('entry');
    expect(formatSummary(verdictOf(v, { findings: [], failover: null, timings: {} }), undefined)).toContain(
      'requests by entry node, the node the router sent each to',
    );
  });

  it('should report the node the router sends to after an L2 failover, not the pod that answered last', async () => {
    // cp1 was the entry; afterwards the router's entry holds cp2's MAC, and the last reply came from a pod on cp3.
    const router = clusterPolicyRouter(() =>
      ['1000 ok node=cilab-cp1 pod=echo-a', '1100 fail', '4200 ok node=cilab-cp3 pod=echo-c'].join('\n'),
    );
    const target: VerifyTarget = {
      kind: 'proxmox',
      timings: proxmoxTimings(plan),
      router: { host: router, vtysh: 'sudo vtysh', lanIface: 'eth1' },
      nodeMacs: MACS,
    };
    const probe = failoverProbe(plan, 'l2', proxmoxTimings(plan), '10.42.0.193');
    const f = await runFailover(
      router,
      probe,
      'cilab-cp1',
      0,
      async () => {},
      async () => MACS['aa:00:00:00:00:12'],
    );
    expect(f).toMatchObject({ from: 'cilab-cp1', to: 'cilab-cp2', outageMs: 3100 });
    expect(await failoverVictim(target, plan, 'l2', '10.42.0.193')).toBe('cilab-cp2');
  });
});

describe('failoverProbe (defect 9: endpoints of a hard-stopped node stay until it is NotReady)', () => {
  it('should outlast the lease and, on Proxmox L2, the node-monitor grace period of the pinned Kubernetes', () => {
    // k3s v1.33.x: Kubernetes 1.33, grace period 50 s (kubernetes/kubernetes#126287, from 1.32), period 5 s.
    // L2: lease 3 s + retry period 0.2 s; the new holder's gratuitous ARP moves the router at once.
    const l2 = 3000 + 200;
    const k3s131 = labPlan({ kubernetes: { k3sVersion: 'v1.31.9+k3s1' } });
    expect(failoverProbe(plan, 'l2', proxmoxTimings(plan), '10.42.0.193')).toMatchObject({
      maxMs: l2 + 50_000 + 5000 + 30_000,
      settle: 50,
    });
    expect(failoverProbe(k3s131, 'l2', proxmoxTimings(k3s131), '10.42.0.193').maxMs).toBe(l2 + 40_000 + 5000 + 30_000);
    // BGP: hold time 9 s + graceful restart time 15 s (Cilium's bgp-control-plane-operation.rst).
    expect(failoverProbe(plan, 'bgp', proxmoxTimings(plan), '172.31.42.1')).toMatchObject({
      maxMs: 9000 + 15_000 + 30_000,
      settle: 20,
    });
    expect(failoverProbe(plan, 'l2', NETNS_TIMINGS, '10.42.0.193')).toMatchObject({ maxMs: l2 + 10_000, settle: 20 });
  });
});

describe('--failover-node (defect 8: any node can be taken away)', () => {
  const target: VerifyTarget = {
    kind: 'proxmox',
    timings: proxmoxTimings(plan),
    router: { host: clusterPolicyRouter(() => ''), vtysh: 'sudo vtysh', lanIface: 'eth1' },
    nodeMacs: MACS,
  };
  it('should take the node asked for, by full or short name, in either mode', async () => {
    expect(resolveNode(plan, 'cp1')).toBe('cilab-cp1');
    expect(await failoverVictim(target, plan, 'l2', '10.42.0.193', 'cilab-cp1')).toBe('cilab-cp1');
    expect(await failoverVictim(target, plan, 'bgp', '172.31.42.1', 'cp2')).toBe('cilab-cp2');
    expect(() => resolveNode(plan, 'cp9')).toThrow('--failover-node cp9: lab cilab has no such node');
  });
  it('should refuse, in L2 on Proxmox, the only control plane: no agent would reach an API server to take the lease', async () => {
    const single = labPlan({ kubernetes: { controlPlanes: 1, workers: 2 } });
    await expect(failoverVictim(target, single, 'l2', '10.42.0.193', 'cp1')).rejects.toThrow(
      "cilab-cp1 is the lab's only control plane",
    );
    expect(await failoverVictim(target, single, 'l2', '10.42.0.193', 'w1')).toBe('cilab-w1');
  });
});

describe('measureOutage', () => {
  const probe = (lines: string[]) => parseProbe(lines.join('\n'));

  it('should measure from the first failure to the first success after the last one', () => {
    const samples = probe([
      '1000 ok node=cp1 pod=x',
      '1100 ok node=cp1 pod=x',
      '1200 fail',
      '1400 fail',
      '1600 ok node=cp2 pod=y',
      '1700 ok node=cp2 pod=y',
    ]);
    expect(measureOutage(samples, 'cp1')).toEqual({
      outageMs: 400,
      from: 'cp1',
      to: 'cp2',
      probes: 6,
      failedProbes: 2,
    });
  });

  it('should span intermittent failures (ECMP: only flows hashed to the lost node fail)', () => {
    const samples = probe([
      '0 ok node=cp1 pod=a',
      '100 fail',
      '200 ok node=cp2 pod=b',
      '300 fail',
      '400 ok node=cp1 pod=a',
      '500 ok node=cp2 pod=b',
    ]);
    expect(measureOutage(samples, 'cp3').outageMs).toBe(300);
  });

  it('should report no outage when nothing failed, and no server when nothing recovered', () => {
    expect(measureOutage(probe(['0 ok node=cp1 pod=a']), 'cp1').outageMs).toBe(0);
    expect(measureOutage(probe(['0 ok node=cp1 pod=a', '100 fail', '200 fail']), 'cp1')).toMatchObject({
      outageMs: 100,
      to: 'cp1',
    });
  });
});

describe('failoverProblems', () => {
  it('should accept a failover only when another node answers afterwards', () => {
    const f = { outageMs: 3000, from: 'cp1', probes: 40, failedProbes: 15 };
    expect(failoverProblems({ ...f, to: 'cp2' })).toEqual([]);
    expect(failoverProblems({ ...f, to: 'cp1' })).toEqual(['after the failover the service is still served by cp1']);
    expect(failoverProblems({ ...f, to: null })).toEqual(['after the failover the service does not answer']);
  });
});

describe('verdictOf', () => {
  it("should decide the verdict from the verification, the target's findings and the failover together", () => {
    const traffic = { requests: 1, failed: 0, byNode: { 'cilab-cp2': 1 }, counts: 'entry' as const };
    const v = {
      lab: 'cilab',
      mode: 'l2' as const,
      target: 'netns' as const,
      problems: [],
      service: { ip: '10.42.0.193', port: 8080 },
      router: { arp: null, bgp: null },
      entryNode: null,
      traffic,
      trafficBySource: { router: traffic },
    };
    const failover = { outageMs: 3000, from: 'cilab-cp2', to: 'cilab-cp2', probes: 40, failedProbes: 15 };
    expect(verdictOf(v, { findings: [], failover: null, timings: {} })).toMatchObject({ verified: true, problems: [] });
    expect(
      verdictOf(
        { ...v, problems: ['1 of 1 requests failed'] },
        { findings: ['the lease API does not answer'], failover, timings: {} },
      ),
    ).toMatchObject({
      verified: false,
      problems: [
        '1 of 1 requests failed',
        'the lease API does not answer',
        'after the failover the service is still served by cilab-cp2',
      ],
      failover,
    });
  });
});

describe('leaseProblems', () => {
  it('should accept only a lease holder that is the node the router learned the MAC of', () => {
    const arp = { ip: '10.42.0.193', mac: 'aa:bb:cc:dd:ee:ff', state: 'REACHABLE', node: 'cp1' };
    expect(leaseProblems('cp1', arp)).toEqual([]);
    expect(leaseProblems('cp2', arp)).toEqual(["the L2 lease is held by cp2, but the router's MAC is cp1's"]);
    expect(leaseProblems('', null)).toEqual(["the L2 lease is held by nobody, but the router's MAC is nobody's"]);
  });
});
