// The emulated run as an ordered list of steps, as the Proxmox run is one: where each step runs and the
// exact commands. The dry run prints this list; run.ts executes the same list, and every command goes
// through the run's context (`exec`, `start`, the recording hosts), which writes it to the step log
// (.lab/<name>/netns/steps.log). A test holds a real run's log to the printed list.
import { join } from 'node:path';
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import { noEchoTable } from '../../../standins/cilium/arp-responder.ts';
import { demoLeaseUrl } from '../../../standins/cilium/lease-api.ts';
import { bgpSecretName, ciliumResources } from '../../../templates/cilium.ts';
import { DEMO, demoManifests, serviceIp } from '../../../templates/demo.ts';
import { gobgpSettings } from '../../../standins/cilium/gobgp.ts';
import { sh } from '../../../templates/shell.ts';
import { labStateDir, ROOT } from '../../../lab/load.ts';
import { giveUpMs, REQUEST_TIMEOUT_S } from '../../verify/bounds.ts';
import { failoverProbe, timedProbeLoop } from '../../verify/failover.ts';
import { arpCommand, bgpSummaryCommand, routeCommand } from '../../verify/router.ts';
import { probeLoop } from '../../verify/traffic.ts';
import { announcementCommands, frrDaemonsCommand } from '../../verify/verify.ts';
import type { PrintedCommand, PrintedStep } from '../steps.ts';
import type { RunOptions } from '../target.ts';
import { LAB_TOOLS } from '../../lib/deps.ts';
import {
  type FrrDaemon,
  frrDaemonCommand,
  type FrrInstance,
  frrInstance,
  frrLoadCommand,
  vtyshCommand,
} from './frr.ts';
import { type NetworkBatches, networkBatches, nodeSysctls } from './network.ts';
import { NETNS_TIMINGS } from './timings.ts';
import { gobgpRibCommand } from './faults.ts';
import { agentArgs } from '../../../standins/cilium/agent-args.ts';
import { type Topology, topology } from './topology.ts';
import { sshdConfigPath } from './ssh-keys.ts';

/** This machine, where a command runs outside the lab's namespaces. */
export const HOST = 'host';

export interface NetnsCommand extends PrintedCommand {
  /** `host` (this machine) or the lab namespace it runs in. */
  readonly host: string;
  /** A daemon: started in the background, its output in <runDir>/<log>.log, its PID recorded. */
  readonly daemon?: { readonly argv: readonly string[]; readonly log: string };
}

export interface NetnsStep extends PrintedStep {
  readonly commands: readonly NetnsCommand[];
}

/** Where a mode's files go: rendered, plus the run's own (ip batches, nft tables, GoBGP configs). */
export function netnsFiles(plan: LabPlan, mode: Mode) {
  const out = join(labStateDir(plan.name, 'netns'), mode);
  return {
    out,
    frr: join(out, 'router/frr.conf'),
    sysctl: join(out, 'router/sysctl.conf'),
    nft: join(out, 'router/nftables.conf'),
    batch: (namespace: string) => join(out, 'network', `${namespace}.batch`),
    noEcho: join(out, 'nodes', 'no-echo.nft'),
    gobgp: (node: string) => join(out, `gobgpd-${node}.toml`),
    sshd: sshdConfigPath(labStateDir(plan.name, 'netns')),
  };
}

/** node --import tsx: one process per stand-in, without tsx's extra wrapper process. */
function standin(file: string, args: readonly string[]): string[] {
  return [process.execPath, '--import', 'tsx', join(ROOT, 'standins', file), ...args];
}

/** A daemon, started in the background inside the namespace (`ip netns exec` then the program itself). */
const daemon = (host: string, argv: string[], log: string): NetnsCommand => ({
  host,
  run: sh`${argv}`,
  daemon: { argv, log },
});

export const frrDaemons = (mode: Mode): FrrDaemon[] => (mode === 'bgp' ? ['zebra', 'bgpd'] : ['zebra']);

/** What GoBGP announces: the services the rendered advertisement selects (the password plays no part). */
const advertised = (plan: LabPlan) =>
  gobgpSettings(bgpDocs(plan), plan.nodes[0]!.lanIp, { [bgpSecretName(plan)]: '' }).advertise;

/** The Cilium resources and demo manifests of BGP mode, which the stand-ins read their settings from. */
export const bgpDocs = (plan: LabPlan) => [...ciliumResources(plan, 'bgp'), ...demoManifests(plan, 'bgp')];

/** The node's Cilium agent stand-in, as it is started (and restarted by lab:compare's faults). */
export function agentArgv(plan: LabPlan, mode: Mode, t: Topology, node: string): string[] {
  return standin(
    'cilium/node-agent.ts',
    agentArgs(plan, mode, {
      node,
      iface: t.nodeIface,
      leaseUrl: demoLeaseUrl(t.router.lanIp, t.leasePort),
      gobgpConf: netnsFiles(plan, mode).gobgp(node),
      advertise: mode === 'bgp' ? advertised(plan) : [],
    }),
  );
}

const where = (...hosts: string[]) => hosts.join(', ');

/** As the Proxmox run asks Kubernetes for the lease, the router asks the stand-in lease API. */
export const leaseCheckCommand = (t: Topology) =>
  sh`curl -sS --max-time ${REQUEST_TIMEOUT_S} ${demoLeaseUrl(t.router.lanIp, t.leasePort)}`;

export type StepOptions = Omit<RunOptions, 'installDeps'>;

/** What every phase's steps are built from, worked out once. */
interface Lab {
  readonly plan: LabPlan;
  readonly mode: Mode;
  readonly options: StepOptions;
  readonly t: Topology;
  readonly files: ReturnType<typeof netnsFiles>;
  /** The router's namespace, and the nodes'. */
  readonly r: string;
  readonly nodes: readonly string[];
  readonly frr: FrrInstance;
  readonly vtysh: string;
  readonly ip: string;
  readonly batches: NetworkBatches;
  readonly leaseCheck: string;
}

function labOf(plan: LabPlan, mode: Mode, options: StepOptions): Lab {
  const t = topology(plan);
  const frr = frrInstance(t.router.namespace, t.runDir);
  return {
    plan,
    mode,
    options,
    t,
    files: netnsFiles(plan, mode),
    r: t.router.namespace,
    nodes: t.nodes.map((n) => n.namespace),
    frr,
    vtysh: vtyshCommand(frr),
    ip: serviceIp(plan, mode),
    batches: networkBatches(t, plan),
    leaseCheck: leaseCheckCommand(t),
  };
}

/** This machine ready, the files rendered, the namespaces and links built. */
function setupSteps(l: Lab): NetnsStep[] {
  const { mode, t, files, r, nodes, batches } = l;
  return [
    {
      id: 'deps',
      title: 'system packages',
      where: HOST,
      commands: [],
      until: `${Object.keys(LAB_TOOLS).join(', ')} are on this machine (--install-deps installs what is missing)`,
    },
    {
      id: 'render',
      title: `render ${mode} files`,
      where: HOST,
      commands: [],
      until: `the rendered files, ip batches and node configs are in ${files.out}`,
    },
    {
      id: 'network',
      title: `namespaces and links: router, ${t.nodes.length} nodes, client, LAN bridge`,
      where: where(HOST, r, ...nodes),
      commands: [
        { host: HOST, run: sh`ip -batch ${files.batch(HOST)}` },
        ...Object.keys(batches.namespaces).map((ns) => ({
          host: HOST,
          run: sh`ip -n ${ns} -batch ${files.batch(ns)}`,
        })),
        // The very files the Proxmox router gets: sysctls (forwarding, ECMP hash, ARP) and NAT.
        { host: r, run: sh`sysctl -q -p ${files.sysctl}` },
        { host: r, run: sh`nft -f ${files.nft}` },
        ...nodes.map((on) => ({
          host: on,
          run: sh`sysctl -q -w ${Object.entries(nodeSysctls(t)).map(([k, v]) => `${k}=${v}`)}`,
        })),
      ],
    },
  ];
}

/** The router's FRR, sshd and lease API; each node's stand-ins; SSH to the router. */
function daemonSteps(l: Lab): NetnsStep[] {
  const { plan, mode, t, files, r, nodes, frr, ip } = l;
  return [
    {
      id: 'router',
      title: `router: FRR (${mode === 'bgp' ? 'zebra + bgpd' : 'zebra, no BGP'}), sshd${mode === 'l2' ? ', lease API' : ''}`,
      where: r,
      commands: [
        ...frrDaemons(mode).map((d) => ({ host: r, run: frrDaemonCommand(frr, d) })),
        { host: r, run: frrLoadCommand(frr, files.frr) },
        daemon(r, ['/usr/sbin/sshd', '-D', '-e', '-f', files.sshd], 'sshd'),
        ...(mode === 'l2'
          ? [daemon(r, standin('cilium/lease-api.ts', ['--listen', `${t.router.lanIp}:${t.leasePort}`]), 'lease-api')]
          : []),
      ],
      until: 'each FRR daemon has its pid file and vty socket',
    },
    {
      id: 'nodes',
      title: `nodes: echo${mode === 'bgp' ? ' + GoBGP' : ' + L2 announcer'} on ${t.nodes.length} nodes (Cilium stand-ins)`,
      where: where(...nodes),
      // Cilium's datapath accepts service traffic on every node and never answers ping for it; the
      // stand-in holds the IP on lo (silent for ARP: arp_ignore=1) and drops echo requests to it.
      commands: t.nodes.flatMap((n) => [
        { host: n.namespace, run: sh`ip addr add ${`${ip}/32`} dev lo` },
        { host: n.namespace, run: sh`nft -f ${files.noEcho}` },
        daemon(n.namespace, standin('echo-pod.ts', ['--name', n.name]), `echo-${n.name}`),
        daemon(n.namespace, agentArgv(plan, mode, t, n.name), `agent-${n.name}`),
        ...(mode === 'bgp' ? [{ host: n.namespace, run: gobgpRibCommand(ip) }] : []),
      ]),
      until: mode === 'bgp' ? "each node's GoBGP announces the service" : undefined,
    },
    {
      id: 'ssh',
      title: `SSH to the router at ${t.router.mgmtIp} (host key pinned)`,
      where: where(r, ...nodes),
      commands: nodes.map((on) => ({ host: on, run: sh`ip -j link show ${t.nodeIface}` })),
      until: "sshd answers with the pinned host key; each node's LAN MAC read",
    },
  ];
}

/** The announcement awaited, and the verification from the router and the client. */
function checkSteps(l: Lab): NetnsStep[] {
  const { plan, mode, options, t, r, vtysh, ip, leaseCheck } = l;
  return [
    {
      id: 'converge',
      title:
        mode === 'bgp'
          ? 'BGP sessions Established, ECMP route installed'
          : "a node holds the lease and answers ARP, the router's entry on it",
      where: r,
      commands: [
        ...announcementCommands(plan, mode, vtysh),
        ...(mode === 'l2' ? [leaseCheck, arpCommand(ip, t.lanIface)] : []),
      ].map((run) => ({ host: r, run })),
    },
    {
      id: 'verify',
      title: `${options.requests} requests from the router and from the client`,
      where: where(r, t.client.namespace),
      commands: [
        { host: r, run: probeLoop(ip, DEMO.port, options.requests, giveUpMs(plan, mode)) },
        { host: t.client.namespace, run: probeLoop(ip, DEMO.port, options.requests, giveUpMs(plan, mode)) },
        ...(mode === 'l2'
          ? [{ host: r, run: arpCommand(ip, t.lanIface) }]
          : [
              { host: r, run: bgpSummaryCommand(vtysh) },
              { host: r, run: routeCommand(ip) },
            ]),
        { host: r, run: frrDaemonsCommand(vtysh) },
        ...(mode === 'l2' ? [{ host: r, run: leaseCheck }] : []),
      ],
    },
  ];
}

/** --failover: a node's switch port taken down while the client probes, brought up after. */
function failoverSteps(l: Lab): NetnsStep[] {
  const { plan, mode, options, t, r, ip } = l;
  if (!options.failover) return [];
  const victim = options.failoverNode ?? (mode === 'bgp' ? plan.nodes.at(-1)!.name : undefined);
  const port = (state: 'up' | 'down') =>
    victim
      ? [
          {
            host: t.lanNamespace,
            run: sh`ip link set ${t.nodes.find((n) => n.name === victim)!.bridgePort} ${state}`,
          },
        ]
      : [];
  return [
    {
      id: 'failover',
      title: `failover: ${victim ?? 'the L2 holder'} loses its link, probing every 100 ms from the client`,
      where: where(r, t.client.namespace, t.lanNamespace),
      commands: [
        // L2 without --failover-node: the holder is known only then, from the router's ARP entry.
        ...(mode === 'l2' ? [{ host: r, run: arpCommand(ip, t.lanIface) }] : []),
        { host: t.client.namespace, run: timedProbeLoop(failoverProbe(plan, mode, NETNS_TIMINGS, ip)) },
        ...port('down'),
        ...port('up'),
      ],
    },
  ];
}

export function netnsSteps(plan: LabPlan, mode: Mode, options: StepOptions): NetnsStep[] {
  const l = labOf(plan, mode, options);
  return [setupSteps, daemonSteps, checkSteps, failoverSteps].flatMap((phase) => phase(l));
}

/** The files the render step writes beside the rendered ones: what the later steps' commands read. */
export function runFiles(plan: LabPlan, mode: Mode): Record<string, string> {
  const t = topology(plan);
  const files = netnsFiles(plan, mode);
  const batches = networkBatches(t, plan);
  return {
    [files.batch(HOST)]: `${batches.host.join('\n')}\n`,
    ...Object.fromEntries(
      Object.entries(batches.namespaces).map(([ns, lines]) => [files.batch(ns), `${lines.join('\n')}\n`]),
    ),
    [files.noEcho]: `${noEchoTable([serviceIp(plan, mode)])}\n`,
  };
}
