// Brings up the emulated lab by running the provisioning steps of steps.ts (render, network, router,
// nodes, ssh): namespaces and links from the topology, the router with real FRR, nftables and sshd, and
// the nodes with their Cilium stand-ins (GoBGP in BGP mode, the announcer in L2 mode). Each command runs
// as it is printed, through the run's context, which writes it to the step log.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { $ } from 'zx';
import { LabError } from '../../../lab/errors.ts';
import { labStateDir } from '../../../lab/load.ts';
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import { gobgpSettings, gobgpToml } from '../../../standins/cilium/gobgp.ts';
import { ciliumMinor } from '../../../standins/cilium/versions.ts';
import { bgpSecretName } from '../../../templates/cilium.ts';
import { serviceIp } from '../../../templates/demo.ts';
import { startIn } from '../../hosts/daemons.ts';
import { sh } from '../../../templates/shell.ts';
import { type Host, run } from '../../hosts/host.ts';
import { localHost } from '../../hosts/local.ts';
import { netnsHost } from '../../hosts/netns.ts';
import { connectSshWhenUp, type SshHost } from '../../hosts/ssh.ts';
import type { Logger } from '../../lib/log.ts';
import { ensurePackages, LAB_TOOLS } from '../../lib/deps.ts';
import { routerSecrets, writeRender } from '../../lib/render-files.ts';
import type { VerifyTarget } from '../../verify/verify.ts';
import { gobgpAnnouncing, startAgent } from './faults.ts';
import { type FrrInstance, frrDaemonUp, frrInstance, prepareFrr, vtyshCommand } from './frr.ts';
import { type LabKeys, labKeys } from './ssh-keys.ts';
import {
  bgpDocs,
  frrDaemons,
  HOST,
  type NetnsCommand,
  netnsFiles,
  type NetnsStep,
  netnsSteps,
  runFiles,
  type StepOptions,
} from './steps.ts';
import { damage, isUp, teardownNetns } from './teardown.ts';
import { NETNS_TIMINGS } from './timings.ts';
import { type Topology, topology } from './topology.ts';

export interface NetnsLab {
  /** What runs the lab's steps, and the list they come from (the run goes on with converge, verify, failover). */
  readonly run: NetnsRun;
  readonly steps: readonly NetnsStep[];
  readonly topology: Topology;
  readonly target: VerifyTarget;
  readonly router: SshHost;
  /** The router's FRR and the configuration file it was loaded from (a router restart reloads it). */
  readonly frr: { readonly instance: FrrInstance; readonly daemons: ('zebra' | 'bgpd')[]; readonly config: string };
  /** Takes a node off the LAN, as a failed VM or cable would. */
  fail(node: string): Promise<void>;
  restore(node: string): Promise<void>;
}

/** The step log: every command as it ran, one line each, `<step>\t<where>\t<command>`. */
export const stepLogFile = (plan: LabPlan) => labStateDir(plan.name, 'netns', 'steps.log');

/** What the steps run through: each command where it says, written to the step log first. */
export interface NetnsRun {
  readonly plan: LabPlan;
  readonly mode: Mode;
  readonly log: Logger;
  readonly t: Topology;
  readonly files: ReturnType<typeof netnsFiles>;
  record(host: string, command: string): void;
  /** A host of the lab (or this machine) whose every command is written to the step log. */
  host(host: string): Host;
  recording(inner: Host, host: string): Host;
  /** Runs a printed command where it says, insisting on success. */
  exec(c: NetnsCommand): Promise<string>;
  /** Starts a printed daemon command; its PID. */
  start(c: NetnsCommand): number;
  /** Runs one step of the list under the logger, its commands written to the log as this step's. */
  run<T>(step: NetnsStep, body: () => Promise<T>): Promise<T>;
}

export function netnsRun(plan: LabPlan, mode: Mode, log: Logger): NetnsRun {
  const t = topology(plan);
  const local = localHost();
  let current = '';
  const r: NetnsRun = {
    plan,
    mode,
    log,
    t,
    files: netnsFiles(plan, mode),
    record(on, command) {
      const file = stepLogFile(plan);
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, `${current}\t${on}\t${command.replaceAll('\n', '\\n')}\n`);
    },
    host: (on) => r.recording(on === HOST ? local : netnsHost(on, on), on),
    recording: (inner, on) => ({
      name: inner.name,
      exec: (command, options) => (r.record(on, command), inner.exec(command, options)),
    }),
    exec: (c) => run(r.host(c.host), c.run),
    start(c) {
      r.record(c.host, c.run);
      return startIn(c.host, [...c.daemon!.argv], t.runDir, c.daemon!.log);
    },
    run: (step, body) =>
      log.step(step.id, step.title, async () => {
        current = step.id;
        try {
          return await body();
        } finally {
          current = '';
        }
      }),
  };
  return r;
}

/** A lab already here is rebuilt (whatever broke, the new one is whole); a taken management subnet refused. */
async function prepare(plan: LabPlan, t: Topology, log: Logger): Promise<void> {
  if ((await isUp(t)) || existsSync(t.runDir)) {
    const found = await damage(t);
    log.note(
      `lab ${plan.name} is already here${found.length ? ` but damaged (${found.join('; ')})` : ''}: rebuilding it`,
    );
    try {
      await teardownNetns(plan);
    } catch (err) {
      throw new LabError(
        'E_REPAIR',
        `cannot repair lab ${plan.name}: ${(err as Error).message}`,
        (err as LabError).hint,
      );
    }
  }
  const collision = (
    await $({ nothrow: true, quiet: true })`ip -4 -o addr show to ${`${t.mgmt.hostIp}/30`}`
  ).stdout.trim();
  if (collision)
    throw new LabError(
      'E_NETNS',
      `the management subnet of lab ${plan.name} (${t.mgmt.hostIp}/30) is in use: ${collision}`,
      'rename the lab (name in lab.yaml)',
    );
}

/** Rendered files, the run's own files, the GoBGP configs with the password, the SSH material. */
function render(r: NetnsRun): LabKeys {
  const { plan, mode, t, files } = r;
  mkdirSync(labStateDir(plan.name, 'netns'), { recursive: true });
  writeFileSync(
    labStateDir(plan.name, 'netns', 'state.json'),
    JSON.stringify({ lab: plan.name, mode, startedAt: new Date().toISOString() }, null, 2),
  );
  const secrets = routerSecrets(plan);
  writeRender(plan, mode, files.out, secrets);
  for (const [file, content] of Object.entries(runFiles(plan, mode))) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  if (mode === 'bgp') {
    const passwords = secrets.bgpPassword ? { [bgpSecretName(plan)]: secrets.bgpPassword } : {};
    for (const n of t.nodes)
      writeFileSync(files.gobgp(n.name), gobgpToml(gobgpSettings(bgpDocs(plan), n.lanIp, passwords)), { mode: 0o600 });
  }
  const keys = labKeys(labStateDir(plan.name, 'netns'), t.router.mgmtIp);
  mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(keys.sshdConfig, keys.sshdConfigText(t.runDir));
  return keys;
}

async function network(r: NetnsRun, step: NetnsStep): Promise<void> {
  // The host's batch makes the namespaces; each namespace's batch runs after it, side by side.
  const [first, ...rest] = step.commands;
  await r.exec(first!);
  const batches = rest.filter((c) => c.host === HOST);
  await Promise.all(batches.map((c) => r.exec(c)));
  for (const c of rest.filter((c) => c.host !== HOST)) await r.exec(c);
}

async function router(r: NetnsRun, step: NetnsStep): Promise<FrrInstance> {
  const frr = frrInstance(r.t.router.namespace, r.t.runDir);
  prepareFrr(frr);
  const daemons = frrDaemons(r.mode);
  for (const [i, c] of step.commands.entries()) {
    if (c.daemon) r.start(c);
    else await r.exec(c);
    // The FRR daemons come first, in order: each is up before the next starts.
    if (i < daemons.length) await frrDaemonUp(frr, r.t.runDir, daemons[i]!);
  }
  return frr;
}

async function nodes(r: NetnsRun, step: NetnsStep): Promise<void> {
  const vip = serviceIp(r.plan, r.mode);
  await Promise.all(
    r.t.nodes.map(async (n) => {
      let agent: number | undefined;
      for (const c of step.commands.filter((x) => x.host === n.namespace)) {
        if (c.daemon?.log === `agent-${n.name}`) {
          r.record(c.host, c.run);
          agent = startAgent(r.t.runDir, n.namespace, n.name, [...c.daemon.argv]);
        } else if (c.daemon) r.start(c);
        // BGP: the agent is up once its GoBGP announces the service. As long as the agent gives its
        // gobgpd (a minute), plus more in a larger lab: a hundred agents start at once on two cores.
        else if (agent !== undefined)
          await gobgpAnnouncing(r.host(n.namespace), vip, 60_000 + 300 * r.t.nodes.length, agent);
        else await r.exec(c);
      }
    }),
  );
}

async function ssh(
  r: NetnsRun,
  step: NetnsStep,
  keys: LabKeys,
): Promise<{ router: SshHost; nodeMacs: Record<string, string> }> {
  const routerHost = await connectSshWhenUp(
    {
      name: r.t.router.name,
      address: r.t.router.mgmtIp,
      username: 'root',
      privateKeyPath: keys.clientKey,
      hostKey: readFileSync(keys.hostKeyPub, 'utf8'),
    },
    10_000,
    200,
  );
  const macs = await Promise.all(
    step.commands.map(async (c) => {
      const node = r.t.nodes.find((n) => n.namespace === c.host)!;
      return [JSON.parse(await r.exec(c))[0].address.toLowerCase(), node.name] as const;
    }),
  );
  return { router: routerHost, nodeMacs: Object.fromEntries(macs) };
}

/** Runs the provisioning steps of the list (render to ssh); the rest run on the lab this returns. */
export async function provisionNetns(
  plan: LabPlan,
  mode: Mode,
  log: Logger,
  options: StepOptions & { readonly installDeps?: boolean } = { requests: 0, failover: false },
): Promise<NetnsLab> {
  const r = netnsRun(plan, mode, log);
  const { t } = r;
  const steps = netnsSteps(plan, mode, options);
  const step = (id: string) => steps.find((s) => s.id === id)!;
  // The stand-ins model particular Cilium minors: refuse others before building anything.
  ciliumMinor(plan.config.cilium.version);
  await r.run(step('deps'), () => ensurePackages(LAB_TOOLS, options.installDeps ?? false));
  await prepare(plan, t, log);
  rmSync(stepLogFile(plan), { force: true });
  const keys = await r.run(step('render'), async () => render(r));
  await r.run(step('network'), () => network(r, step('network')));
  const frr = await r.run(step('router'), () => router(r, step('router')));
  await r.run(step('nodes'), () => nodes(r, step('nodes')));
  const { router: routerHost, nodeMacs } = await r.run(step('ssh'), () => ssh(r, step('ssh'), keys));
  // The cable is pulled at the switch: the node's own link loses carrier but keeps its routes, as a
  // VM whose host port goes dark does.
  const setPort = (state: 'up' | 'down') => async (name: string) => {
    const n = t.nodes.find((x) => x.name === name);
    if (!n) throw new LabError('E_USAGE', `no node ${name} in lab ${plan.name}`);
    await run(r.host(t.lanNamespace), sh`ip link set ${n.bridgePort} ${state}`);
  };
  return {
    run: r,
    steps,
    topology: t,
    router: routerHost,
    frr: { instance: frr, daemons: frrDaemons(r.mode), config: r.files.frr },
    target: {
      kind: 'netns',
      timings: NETNS_TIMINGS,
      router: { host: r.recording(routerHost, t.router.namespace), vtysh: vtyshCommand(frr), lanIface: t.lanIface },
      client: r.host(t.client.namespace),
      nodeMacs,
      echoOnEntry: true,
    },
    fail: setPort('down'),
    restore: setPort('up'),
  };
}
