// Failover: probe the service every 100 ms over TCP while one node goes away; the outage is read off
// the probe's own timeline, so the clocks of the probing host and of this machine never mix.
import type { LabPlan, Mode } from '../../lab/plan.ts';
import { LabError } from '../../lab/errors.ts';
import { parseEcho } from '../../templates/demo.ts';
import type { Host } from '../hosts/host.ts';
import { arpEntry } from './router.ts';
import type { VerifyTarget } from './verify.ts';

export interface Failover {
  /** From the first failed probe to the first success after the last failure. */
  outageMs: number;
  /** The node that served before (L2: the holder; BGP: the node taken down). */
  from: string;
  /** The node that answered the last probe. */
  to: string | null;
  probes: number;
  failedProbes: number;
}

export interface ProbeOptions {
  readonly ip: string;
  readonly port: number;
  readonly intervalMs: number;
  /** Give up after this long. */
  readonly maxMs: number;
  /** Stop once this many probes in a row succeed after a failure. */
  readonly settle: number;
  /**
   * A fault that may cost nothing: once the file `flag` exists on the probing host (the fault has
   * been applied), stop after `ms` more without any failed probe. The loop removes the file.
   */
  readonly quiet?: { readonly ms: number; readonly flag: string };
}

export function timedProbeLoop(o: ProbeOptions): string {
  const wait = (o.intervalMs / 1000).toFixed(3);
  return [
    `end=$(( $(date +%s%3N) + ${o.maxMs} )); seen=0; okrun=0; at=0`,
    `while [ "$(date +%s%3N)" -lt "$end" ]; do`,
    `  t=$(date +%s%3N)`,
    `  if r=$(curl -s --connect-timeout ${wait} --max-time ${(2 * o.intervalMs / 1000).toFixed(3)} http://${o.ip}:${o.port}/); then echo "$t ok $r"; okrun=$((okrun+1)); else echo "$t fail"; seen=1; okrun=0; fi`,
    `  if [ $seen = 1 ] && [ $okrun -ge ${o.settle} ]; then break; fi`,
    ...(o.quiet
      ? [`  if [ $at = 0 ] && [ -e ${o.quiet.flag} ]; then at=$t; fi`, `  if [ $seen = 0 ] && [ $at != 0 ] && [ $((t - at)) -ge ${o.quiet.ms} ]; then break; fi`]
      : []),
    `  sleep ${wait}`,
    'done',
    ...(o.quiet ? [`rm -f ${o.quiet.flag}`] : []),
  ].join('\n');
}

export interface ProbeSample {
  t: number;
  ok: boolean;
  node?: string;
}

export function parseProbe(stdout: string): ProbeSample[] {
  return stdout
    .split('\n')
    .map((line) => /^(\d+) (ok|fail)(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ t: Number(m[1]), ok: m[2] === 'ok', node: m[2] === 'ok' ? parseEcho(m[3] ?? '')?.node : undefined }));
}

export function measureOutage(samples: ProbeSample[], from: string): Failover {
  const firstFail = samples.findIndex((s) => !s.ok);
  const lastFail = samples.findLastIndex((s) => !s.ok);
  const recovered = samples.slice(lastFail + 1).find((s) => s.ok);
  const outageMs = firstFail < 0 ? 0 : (recovered?.t ?? samples.at(-1)!.t) - samples[firstFail]!.t;
  return { outageMs, from, to: samples.findLast((s) => s.ok)?.node ?? null, probes: samples.length, failedProbes: samples.filter((s) => !s.ok).length };
}

/** Starts the probe on `host`, runs `fault` after `warmupMs`, and measures. */
export async function runFailover(host: Host, probe: ProbeOptions, from: string, warmupMs: number, fault: () => Promise<void>): Promise<Failover> {
  const probing = host.exec(timedProbeLoop(probe));
  await new Promise((r) => setTimeout(r, warmupMs));
  await fault();
  return measureOutage(parseProbe((await probing).stdout), from);
}

/** A failover that left the service unanswered, or on the node that went away, is not one. */
export function failoverProblems(f: Failover): string[] {
  if (f.to === null) return ['after the failover the service does not answer'];
  return f.to === f.from ? [`after the failover the service is still served by ${f.from}`] : [];
}

/** The node a failover takes away: L2, the holder (whose MAC the router has for the service); BGP, the last node. */
export async function failoverVictim(target: VerifyTarget, plan: LabPlan, mode: Mode, serviceIp: string): Promise<string> {
  if (mode === 'bgp') return plan.nodes.at(-1)!.name;
  const entry = await arpEntry(target.router, serviceIp);
  const holder = entry && target.nodeMacs[entry.mac];
  if (!holder) throw new LabError('E_FAILOVER', 'no L2 holder to take away: the router has no entry for the service');
  return holder;
}
