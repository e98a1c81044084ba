// One trial of one scenario, the same on every target: the router's view before, during and after,
// the service probed over TCP every 100 ms while the fault happens, the outage read off the probes.
import type { LabPlan } from '../../lab/plan.ts';
import { DEMO, serviceIp } from '../../templates/demo.ts';
import type { FaultId, FaultTrial, ModeId, RouterView, Sample, SteadyTrial } from '../report/model.ts';
import { measureOutage, parseProbe, timedProbeLoop } from '../verify/failover.ts';
import { arpEntry, bgpPeers, routeNexthops } from '../verify/router.ts';
import { verify, type VerifyTarget } from '../verify/verify.ts';
import { sleep } from '../lib/wait.ts';
import type { ModeSession } from './target.ts';

export const PROBE_INTERVAL_MS = 100;
export const WARMUP_MS = 1000;
/** Steady again: this many probes in a row answered (2 s). */
const SETTLE_PROBES = 20;
/** A fault that has cost no probe this long after it was applied is taken to cost nothing. */
const QUIET_MS = 5000;

export async function routerView(target: VerifyTarget, mode: ModeId, ip: string): Promise<RouterView> {
  if (mode === 'l2') {
    const entry = await arpEntry(target.router, ip);
    return { arp: entry && { ...entry, node: target.nodeMacs[entry.mac] ?? null }, bgp: null };
  }
  return { arp: null, bgp: { peers: await bgpPeers(target.router), nexthops: await routeNexthops(target.router, ip) } };
}

export async function steadyTrial(
  s: ModeSession,
  plan: LabPlan,
  mode: ModeId,
  trial: number,
  requests: number,
): Promise<SteadyTrial> {
  const v = await verify(s.verifyTarget, plan, mode, requests);
  return { trial, bySource: v.trafficBySource, router: v.router };
}

/** Nodes that answered once the service was steady again (after the last failure, else after the fault). */
export function servedAfter(samples: readonly Sample[], faultAt: number): string[] {
  const lastFail = samples.findLastIndex((x) => !x.ok);
  const tail = lastFail >= 0 ? samples.slice(lastFail + 1) : samples.filter((x) => x.t >= faultAt);
  return [...new Set(tail.flatMap((x) => (x.node ? [x.node] : [])))].sort();
}

/** Applies the fault while probing; `maxMs` bounds the probe (the theoretical bound plus slack). */
export async function faultTrial(
  s: ModeSession,
  plan: LabPlan,
  mode: ModeId,
  fault: FaultId,
  trial: number,
  maxMs: number,
): Promise<FaultTrial> {
  const ip = serviceIp(plan, mode);
  const victim = await s.victim(fault);
  const before = await routerView(s.verifyTarget, mode, ip);
  const flag = `/tmp/lab-compare-${process.pid}-${mode}-${fault}-${trial}`;
  const probing = s.prober.exec(
    timedProbeLoop({
      ip,
      port: DEMO.port,
      intervalMs: PROBE_INTERVAL_MS,
      maxMs,
      settle: SETTLE_PROBES,
      quiet: { ms: QUIET_MS, flag },
    }),
  );
  await sleep(WARMUP_MS);
  await s.apply(fault, victim);
  await s.prober.exec(`touch ${flag}`);
  const during = await routerView(s.verifyTarget, mode, ip);
  const out = (await probing).stdout;
  const raw = parseProbe(out);
  // The loop removes the flag; this covers a loop that ended before the fault was applied.
  await s.prober.exec(`rm -f ${flag}`);
  const after = await routerView(s.verifyTarget, mode, ip);
  await s.restore(fault, victim);
  const t0 = raw[0]?.t ?? 0;
  // The probe marks, on its own clock, when it first saw the fault applied; a loop that ended before
  // then had the fault start at the end of its warm-up.
  const mark = /^(\d+) fault$/m.exec(out);
  const faultAt = mark ? Number(mark[1]) - t0 : WARMUP_MS;
  const samples: Sample[] = raw.map((x) => ({ t: x.t - t0, ok: x.ok, ...(x.node ? { node: x.node } : {}) }));
  const m = measureOutage(raw, victim ?? '');
  return {
    trial,
    victim,
    faultAt,
    outageMs: m.outageMs,
    probes: m.probes,
    failedProbes: m.failedProbes,
    servedAfter: servedAfter(samples, faultAt),
    samples,
    router: { before, during, after },
  };
}
