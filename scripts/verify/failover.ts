// Failover: probe the service every 100 ms over TCP while one node goes away; the outage is read off
// the probe's own timeline, so the clocks of the probing host and of this machine never mix.
import type { LabPlan, Mode } from '../../lab/plan.ts';
import { LabError } from '../../lab/errors.ts';
import { DEMO, parseEcho } from '../../templates/demo.ts';
import type { Host } from '../hosts/host.ts';
import { quote } from '../../templates/shell.ts';
import { recoveryMs, REQUEST_TIMEOUT_S, type TargetTimings } from './bounds.ts';
import { arpEntry } from './router.ts';
import type { Failover } from './verdict.ts';
import type { VerifyTarget } from './verify.ts';

export interface ProbeOptions {
  readonly ip: string;
  readonly port: number;
  readonly intervalMs: number;
  /** Give up after this long: from the start, or, with `quiet`, from when the fault was applied. */
  readonly maxMs: number;
  /** Stop once this many probes in a row succeed after a failure. */
  readonly settle: number;
  /**
   * A fault that may cost nothing: once the file `flag` exists on the probing host (the fault has
   * been applied), stop after `ms` more without any failed probe. The loop prints "<t> fault" then, on
   * its own clock, gives itself `maxMs` from there, and removes the file.
   */
  readonly quiet?: { readonly ms: number; readonly flag: string };
}

export function timedProbeLoop(o: ProbeOptions): string {
  const wait = (o.intervalMs / 1000).toFixed(3);
  return [
    `end=$(( $(date +%s%3N) + ${o.maxMs} )); seen=0; okrun=0; at=0`,
    `while [ "$(date +%s%3N)" -lt "$end" ]; do`,
    `  t=$(date +%s%3N)`,
    // A path that is gone fails the connect within one interval; a live node that answers slowly (a loaded
    // machine) is given the verification's request timeout, so it is never counted as an outage.
    `  if r=$(curl -s --connect-timeout ${wait} --max-time ${REQUEST_TIMEOUT_S} ${quote(`http://${o.ip}:${o.port}/`)}); then echo "$t ok $r"; okrun=$((okrun+1)); else echo "$t fail"; seen=1; okrun=0; fi`,
    `  if [ $seen = 1 ] && [ $okrun -ge ${o.settle} ]; then break; fi`,
    ...(o.quiet
      ? [
          `  if [ $at = 0 ] && [ -e ${o.quiet.flag} ]; then at=$t; end=$((at + ${o.maxMs})); echo "$t fault"; fi`,
          `  if [ $seen = 0 ] && [ $at != 0 ] && [ $((t - at)) -ge ${o.quiet.ms} ]; then break; fi`,
        ]
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
    .map((m) => ({
      t: Number(m[1]),
      ok: m[2] === 'ok',
      node: m[2] === 'ok' ? parseEcho(m[3] ?? '')?.node : undefined,
    }));
}

export function measureOutage(samples: ProbeSample[], from: string): Failover {
  const firstFail = samples.findIndex((s) => !s.ok);
  const lastFail = samples.findLastIndex((s) => !s.ok);
  const recovered = samples.slice(lastFail + 1).find((s) => s.ok);
  const outageMs = firstFail < 0 ? 0 : (recovered?.t ?? samples.at(-1)!.t) - samples[firstFail]!.t;
  return {
    outageMs,
    from,
    to: samples.findLast((s) => s.ok)?.node ?? null,
    probes: samples.length,
    failedProbes: samples.filter((s) => !s.ok).length,
  };
}

/**
 * Starts the probe on `host`, runs `fault` after `warmupMs`, and measures. `entry`, where given, names
 * the node the router sends to once the probe ends (L2: from its ARP entry).
 */
export async function runFailover(
  host: Host,
  probe: ProbeOptions,
  from: string,
  warmupMs: number,
  fault: () => Promise<void>,
  entry?: () => Promise<string | null>,
): Promise<Failover> {
  const probing = host.exec(timedProbeLoop(probe));
  await new Promise((r) => setTimeout(r, warmupMs));
  await fault();
  const measured = measureOutage(parseProbe((await probing).stdout), from);
  return entry && measured.to !== null ? { ...measured, to: await entry() } : measured;
}

/**
 * How long a failover probe may run, and how many successes in a row end it, from the lab's settings and
 * the target's timings. L2: the lease must expire before another node announces; where a hard stop leaves
 * the dead node's endpoints in place (staleEndpointsMs), the requests that Cilium balances to a pod on it
 * fail meanwhile (externalTrafficPolicy Cluster), so the probe outlasts that and only a long run of
 * successes ends it. BGP (externalTrafficPolicy Local): the router withdraws the path after the hold
 * timer and the graceful restart time (recoveryMs).
 */
export function failoverProbe(plan: LabPlan, mode: Mode, timings: TargetTimings, ip: string): ProbeOptions {
  const endpointsGone = mode === 'l2' ? timings.staleEndpointsMs : 0;
  return {
    ip,
    port: DEMO.port,
    intervalMs: 100,
    maxMs: recoveryMs(plan, mode) + endpointsGone + timings.failoverMarginMs,
    settle: endpointsGone ? 50 : 20,
  };
}

/** The node the router sends the L2 service to: the one whose MAC its neighbour entry holds. */
export async function entryNode(target: VerifyTarget, serviceIp: string): Promise<string | null> {
  const entry = await arpEntry(target.router, serviceIp);
  return (entry && target.nodeMacs[entry.mac]) ?? null;
}

/** --failover-node: a node of the lab by its full name or its short one (cp2, w1). */
export function resolveNode(plan: LabPlan, name: string): string {
  const node = plan.nodes.find((n) => n.name === name || n.name === `${plan.name}-${name}`);
  if (!node)
    throw new LabError(
      'E_USAGE',
      `--failover-node ${name}: lab ${plan.name} has no such node`,
      `pick one of ${plan.nodes.map((n) => n.name.slice(plan.name.length + 1)).join(', ')}`,
    );
  return node.name;
}

/**
 * The node a failover takes away: the one asked for (--failover-node), else L2 the holder (whose MAC the
 * router has for the service), BGP the last node. Where the lease lives in a real API server, L2 refuses the lab's only control plane:
 * with it down no agent reaches an API server (lab/kubernetes.ts, templates/cilium.ts K3S_LOCAL_API), so
 * no node can take the lease and the service stays dark.
 */
export async function failoverVictim(
  target: VerifyTarget,
  plan: LabPlan,
  mode: Mode,
  serviceIp: string,
  requested?: string,
): Promise<string> {
  const victim = requested
    ? resolveNode(plan, requested)
    : mode === 'bgp'
      ? plan.nodes.at(-1)!.name
      : await entryNode(target, serviceIp);
  if (!victim) throw new LabError('E_FAILOVER', 'no L2 holder to take away: the router has no entry for the service');
  const servers = plan.nodes.filter((n) => n.role === 'control-plane');
  if (target.timings.leaseNeedsControlPlane && mode === 'l2' && servers.length === 1 && servers[0]!.name === victim) {
    throw new LabError(
      'E_FAILOVER',
      `${victim} is the lab's only control plane: with it down no node reaches an API server, so none can take the L2 lease`,
      'run 3 control planes (kubernetes.controlPlanes: 3), or fail over a worker with --failover-node',
    );
  }
  return victim;
}
