import { describe, expect, it } from 'vitest';
import { failoverProblems, measureOutage, parseProbe } from '../../scripts/verify/failover.ts';
import { addTraffic, countReplies } from '../../scripts/verify/traffic.ts';
import { leaseProblems } from '../../scripts/verify/verify.ts';

describe('countReplies', () => {
  it('should count replies by the node they name, and everything else as failed', () => {
    const t = countReplies('ok node=cp1 pod=a\nok node=cp2 pod=b\nfail\nok node=cp1 pod=c\nok garbage\n');
    expect(t).toEqual({ requests: 5, failed: 2, byNode: { cp1: 2, cp2: 1 } });
    expect(addTraffic(t, { requests: 1, failed: 0, byNode: { cp3: 1 } })).toEqual({ requests: 6, failed: 2, byNode: { cp1: 2, cp2: 1, cp3: 1 } });
  });
});

describe('measureOutage', () => {
  const probe = (lines: string[]) => parseProbe(lines.join('\n'));

  it('should measure from the first failure to the first success after the last one', () => {
    const samples = probe(['1000 ok node=cp1 pod=x', '1100 ok node=cp1 pod=x', '1200 fail', '1400 fail', '1600 ok node=cp2 pod=y', '1700 ok node=cp2 pod=y']);
    expect(measureOutage(samples, 'cp1')).toEqual({ outageMs: 400, from: 'cp1', to: 'cp2', probes: 6, failedProbes: 2 });
  });

  it('should span intermittent failures (ECMP: only flows hashed to the lost node fail)', () => {
    const samples = probe(['0 ok node=cp1 pod=a', '100 fail', '200 ok node=cp2 pod=b', '300 fail', '400 ok node=cp1 pod=a', '500 ok node=cp2 pod=b']);
    expect(measureOutage(samples, 'cp3').outageMs).toBe(300);
  });

  it('should report no outage when nothing failed, and no server when nothing recovered', () => {
    expect(measureOutage(probe(['0 ok node=cp1 pod=a']), 'cp1').outageMs).toBe(0);
    expect(measureOutage(probe(['0 ok node=cp1 pod=a', '100 fail', '200 fail']), 'cp1')).toMatchObject({ outageMs: 100, to: 'cp1' });
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

describe('leaseProblems', () => {
  it('should accept only a lease holder that is the node the router learned the MAC of', () => {
    const arp = { ip: '10.42.0.193', mac: 'aa:bb:cc:dd:ee:ff', state: 'REACHABLE', node: 'cp1' };
    expect(leaseProblems('cp1', arp)).toEqual([]);
    expect(leaseProblems('cp2', arp)).toEqual(["the L2 lease is held by cp2, but the router's MAC is cp1's"]);
    expect(leaseProblems('', null)).toEqual(["the L2 lease is held by nobody, but the router's MAC is nobody's"]);
  });
});
