// The verification both targets share: from the router (and the client, where there is one), HTTP to
// the service; then what the router shows. L2: one MAC, the holder's. BGP: every peer Established and
// one nexthop per node.
import type { LabPlan, Mode, TargetKind } from '../../lab/plan.ts';
import { DEMO, replyNames, serviceIp } from '../../templates/demo.ts';
import type { Host } from '../hosts/host.ts';
import { raw, sh } from '../../templates/shell.ts';
import { formatMs } from '../lib/log.ts';
import { waitFor } from '../lib/wait.ts';
import { giveUpMs, recoveryMs, type TargetTimings } from './bounds.ts';
import { arpEntry, bgpPeers, bgpSummaryCommand, type RouterAccess, routeCommand, routeNexthops } from './router.ts';
import { addTraffic, probeService, type Traffic } from './traffic.ts';
import type { Verification } from './verdict.ts';

export interface VerifyTarget {
  /** Named in the verdict; nothing here branches on it. */
  readonly kind: TargetKind;
  readonly timings: TargetTimings;
  readonly router: RouterAccess;
  /** A host outside the lab, behind the router's WAN (the emulated lab has one). */
  readonly client?: Host;
  /** Node names by the MAC of their LAN interface, lower case. */
  readonly nodeMacs: Readonly<Record<string, string>>;
  /** The emulated lab's stand-in echo answers on the node the request reached, whatever the service's policy. */
  readonly echoOnEntry?: boolean;
}

/** What the router runs to see whether the service answers (once, a short timeout). */
export const serviceCheckCommand = (ip: string) => sh`curl -sS --max-time 1 ${`http://${ip}:${DEMO.port}/`}`;

/** FRR's daemons, as vtysh reaches them. */
export const frrDaemonsCommand = (vtysh: string) => sh`${raw(vtysh)} -c ${'show daemons'}`;

/** Waits (bounded) until the router can reach the service: the announcement is up. */
export async function waitForService(
  target: VerifyTarget,
  plan: LabPlan,
  mode: Mode,
  timeoutMs: number,
): Promise<void> {
  const ip = serviceIp(plan, mode);
  await waitFor(
    `the service ${ip}:${DEMO.port} to answer from the router`,
    timeoutMs,
    async (saw) => {
      const r = await target.router.host.exec(serviceCheckCommand(ip));
      if (r.code !== 0) saw(r.stderr.trim() || `curl exited ${r.code}`);
      return r.code === 0;
    },
    200,
  );
}

/** Waits (bounded) until every node's session is Established and the route has one nexthop per node, up to the router's ECMP ceiling. */
export async function waitForBgp(target: VerifyTarget, plan: LabPlan, timeoutMs: number): Promise<void> {
  const paths = plan.bgp.maximumPaths;
  await waitFor(
    `BGP: ${plan.nodes.length} sessions Established and ${paths} nexthops for ${plan.bgp.serviceIp}`,
    timeoutMs,
    async (saw) => {
      const peers = await bgpPeers(target.router).catch((err: Error) => err);
      if (peers instanceof Error) {
        saw(peers.message);
        return false;
      }
      const hops = await routeNexthops(target.router, plan.bgp.serviceIp);
      saw(
        `peers ${peers.map((p) => `${p.address} ${p.state}`).join(', ') || 'none'}; nexthops ${hops.join(', ') || 'none'}`,
      );
      return peers.filter((p) => p.state === 'Established').length === plan.nodes.length && hops.length === paths;
    },
    250,
  );
}

/**
 * The one wait before verifying, on both targets: BGP, every session Established and one nexthop per
 * node (after FRR restarts the sessions take connect-retry and open time); L2, the service answers.
 */
export function waitForAnnouncement(target: VerifyTarget, plan: LabPlan, mode: Mode, timeoutMs: number): Promise<void> {
  return mode === 'bgp' ? waitForBgp(target, plan, timeoutMs) : waitForService(target, plan, mode, timeoutMs);
}

/** What the wait runs on the router, in order: the dry run prints these. */
export function announcementCommands(plan: LabPlan, mode: Mode, vtysh: string): string[] {
  return mode === 'bgp'
    ? [bgpSummaryCommand(vtysh), routeCommand(plan.bgp.serviceIp)]
    : [serviceCheckCommand(serviceIp(plan, mode))];
}

/** FRR's daemons as vtysh reaches them: a daemon that died leaves the router unable to learn or install routes. */
export async function frrProblems(router: RouterAccess, mode: Mode): Promise<string[]> {
  const want = mode === 'bgp' ? ['zebra', 'bgpd'] : ['zebra'];
  const r = await router.host.exec(frrDaemonsCommand(router.vtysh));
  const running = r.code === 0 ? r.stdout.trim().split(/\s+/) : [];
  const missing = want.filter((d) => !running.includes(d));
  return missing.length === 0
    ? []
    : [
        `FRR on the router: ${missing.join(' and ')} not running (vtysh reaches ${running.join(', ') || 'no daemon'}${r.code === 0 ? '' : `: ${(r.stderr || r.stdout).trim()}`})`,
      ];
}

/**
 * Requests from each source, then what the router shows. Bounded: each request by curl's --max-time, and
 * a source that finds the service silent for longer than the lab takes to heal stops there; the sources
 * after it are not probed.
 */
export async function verify(target: VerifyTarget, plan: LabPlan, mode: Mode, requests: number): Promise<Verification> {
  const ip = serviceIp(plan, mode);
  const sources: [string, Host][] = [
    ['router', target.router.host],
    ...(target.client ? [['client', target.client] as [string, Host]] : []),
  ];
  const counts = target.echoOnEntry ? 'entry' : replyNames(plan, mode);
  const trafficBySource: Record<string, Traffic> = {};
  const problems: string[] = [];
  let down = false;
  for (const [name, host] of sources) {
    if (down) {
      problems.push(`not probed from the ${name}: the service had stopped answering`);
      continue;
    }
    const t = (trafficBySource[name] = await probeService(host, ip, DEMO.port, requests, giveUpMs(plan, mode), counts));
    if (t.gaveUpMs !== undefined) {
      down = true;
      problems.push(
        `the service stopped answering the ${name}: no reply for ${formatMs(t.gaveUpMs)}, longer than the lab takes to heal (${formatMs(recoveryMs(plan, mode))}); ${requests - t.requests} of ${requests} requests not sent`,
      );
    }
  }
  const traffic = Object.values(trafficBySource).reduce(addTraffic);
  if (traffic.failed > 0) problems.unshift(`${traffic.failed} of ${traffic.requests} requests failed`);

  let arp: Verification['router']['arp'] = null;
  let bgp: Verification['router']['bgp'] = null;
  if (mode === 'l2') {
    const entry = await arpEntry(target.router, ip);
    arp = entry && { ...entry, node: target.nodeMacs[entry.mac] ?? null };
    if (!arp) problems.push(`the router has no neighbour entry for ${ip}`);
    else if (!arp.node) problems.push(`the router's entry for ${ip} is ${arp.mac}, no node's MAC`);
  } else {
    const peers = await bgpPeers(target.router).catch((err: Error) => {
      problems.push(`the router's BGP sessions cannot be read: ${err.message}`);
      return [];
    });
    bgp = { peers, nexthops: await routeNexthops(target.router, ip) };
    const notUp = bgp.peers.filter((p) => p.state !== 'Established');
    if (bgp.peers.length !== plan.nodes.length || notUp.length > 0)
      problems.push(
        `BGP peers not all Established: ${bgp.peers.map((p) => `${p.address} ${p.state}`).join(', ') || 'none'}`,
      );
    // Past the ECMP ceiling (bgp.maximumPaths) the router installs only that many paths: only their nodes serve.
    if (bgp.nexthops.length !== plan.bgp.maximumPaths)
      problems.push(`route to ${ip} has ${bgp.nexthops.length} nexthops, expected ${plan.bgp.maximumPaths}`);
    const idle = plan.nodes.filter((n) => bgp!.nexthops.includes(n.lanIp) && !traffic.byNode[n.name]);
    if (idle.length > 0)
      problems.push(`no request reached ${idle.map((n) => n.name).join(', ')}: flows are not spread`);
  }
  problems.push(...(await frrProblems(target.router, mode)));
  return {
    lab: plan.name,
    mode,
    target: target.kind,
    problems,
    service: { ip, port: DEMO.port },
    router: { arp, bgp },
    entryNode: arp?.node ?? null,
    traffic,
    trafficBySource,
  };
}

/** L2: the node that holds the announcement lease must be the one whose MAC the router learned. */
export function leaseProblems(holder: string | undefined, arp: Verification['router']['arp']): string[] {
  return holder && holder === arp?.node
    ? []
    : [`the L2 lease is held by ${holder || 'nobody'}, but the router's MAC is ${arp?.node ?? 'nobody'}'s`];
}
