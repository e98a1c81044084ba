// The Proxmox run: the step list of steps.ts, executed by execute.ts with this context: SSH to the
// VMs with pinned host keys (the nodes through the router), the Proxmox API, this machine. Secrets
// travel on standard input only.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { LabError } from '../../../lab/errors.ts';
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import type { Host } from '../../hosts/host.ts';
import { localHost } from '../../hosts/local.ts';
import { connectSshWhenUp, type SshHost } from '../../hosts/ssh.ts';
import type { Logger } from '../../lib/log.ts';
import { labStateDir } from '../../../lab/load.ts';
import { renderDir, routerSecrets } from '../../lib/render-files.ts';
import { type Verdict, verdictOf } from '../../verify/verdict.ts';
import type { VerifyTarget } from '../../verify/verify.ts';
import { createApi, type ProxmoxApi, tokenFromEnv } from './api.ts';
import type { RunResults, StepContext } from './context.ts';
import { executeSteps } from './execute.ts';
import { HOSTS_OUTPUT, type HostOutput } from '../../../stacks/outputs.ts';
import { type GuestInterface, nodeMacs, routerAddress } from './guest-network.ts';
import { proxmoxSteps, type Step, type StepOptions } from './steps.ts';
import { proxmoxTimings } from './timings.ts';

interface ProxmoxRunOptions {
  readonly failover: boolean;
  /** --failover-node: the node to stop instead of the default. */
  readonly failoverNode?: string;
  readonly requests: number;
}

function readOutputs(plan: LabPlan): HostOutput[] {
  const file = labStateDir(plan.name, 'outputs.json');
  const outputs = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { [HOSTS_OUTPUT]?: HostOutput[] }>;
  const hosts = outputs[plan.stacks.vms]?.[HOSTS_OUTPUT];
  if (!hosts) throw new LabError('E_OUTPUTS', `${file} has no ${HOSTS_OUTPUT} output`, 'run the deploy again');
  return hosts;
}

function k3sToken(plan: LabPlan): string {
  const file = labStateDir(plan.name, 'k3s-token');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** The command that resumes this run: every step is idempotent. */
function resumeCommand(mode: Mode, configFile: string, failover: boolean): string {
  return `npm run lab:${mode} -- --target proxmox --config ${relative(process.cwd(), configFile) || configFile}${failover ? ' --failover' : ''}`;
}

/** Where a run's context gets what it does not make itself: the API, the deploy's hosts output, this machine. */
interface ContextSources {
  readonly api: ProxmoxApi;
  /** The VMs stack's hosts output, read when first needed (after the deploy). */
  readonly hosts: () => HostOutput[];
  readonly local: Host;
  readonly requests: number;
}

/**
 * SSH connections by host name, shared. Promises, not hosts: steps reach several hosts at once (each node
 * through the router), and two callers racing to open the same host would open it twice and leak one
 * (test:vms never exited).
 */
function sshPool(open: (name: string, connect: (name: string) => Promise<SshHost>) => Promise<SshHost>) {
  const conns = new Map<string, Promise<SshHost>>();
  const connect = async (name: string): Promise<SshHost> => {
    const cached = conns.get(name);
    const host = cached && (await cached.catch(() => undefined));
    if (host?.connected()) return host;
    // Another caller opened it anew while this one waited.
    if (cached && conns.get(name) !== cached) return connect(name);
    // A node that was shut down and started again (lab:compare's graceful stop) is connected anew.
    host?.close();
    const opening = open(name, connect);
    conns.set(name, opening);
    // A failed connection is not kept: the next step may try again.
    opening.catch(() => conns.get(name) === opening && conns.delete(name));
    return opening;
  };
  return {
    connect,
    close: () => {
      for (const c of conns.values()) void c.then((h) => h.close()).catch(() => undefined);
      conns.clear();
    },
  };
}

/**
 * The step context over SSH: the router at its WAN address, the nodes through it, each with the key the
 * hostkeys step pinned; the VMs located through the hosts output. The Proxmox run builds it over the real
 * API and outputs.json, the VM stand-ins (test/vms) over the fake API and their real VMs.
 */
export function sshContext(
  plan: LabPlan,
  mode: Mode,
  src: ContextSources,
  log: Logger,
): StepContext & { close(): void } {
  const state = labStateDir(plan.name);
  const hostKeys = new Map<string, string>();
  let agentSaw: readonly GuestInterface[] | undefined;
  const routerAt = () => routerAddress(plan, src.hosts(), agentSaw);
  const vmOf = (name: string) =>
    src.hosts().find((h) => h.name === name) ??
    (() => {
      throw new LabError('E_OUTPUTS', `no VM named ${name} in the outputs`);
    })();
  const pool = sshPool(async (name, connect) => {
    const router = name === plan.router.name ? undefined : await connect(plan.router.name);
    const address = router ? vmOf(name).lan_ip : routerAt();
    return connectSshWhenUp(
      {
        name,
        address,
        username: plan.config.ssh.user,
        privateKeyPath: join(state, 'ssh', 'id_ed25519'),
        hostKey: hostKeys.get(name)!,
      },
      300_000,
      3000,
      router,
    );
  });
  const connect = pool.connect;
  // Built once: the router over SSH, and the nodes by the MAC of their LAN interface.
  let target: VerifyTarget | undefined;
  return {
    plan,
    mode,
    requests: src.requests,
    api: src.api,
    local: src.local,
    host: connect,
    vm: (name) => ({ node: vmOf(name).proxmox_node, vmid: vmOf(name).vm_id }),
    secret: (name) => (name === 'k3s-token' ? k3sToken(plan) : routerSecrets(plan).bgpPassword!),
    routerInterfaces: (interfaces) => void (agentSaw = interfaces),
    pinHostKey: (name, key) => {
      hostKeys.set(name, key);
      const lines = [...hostKeys].map(
        ([h, k]) => `${h === plan.router.name ? routerAt() : vmOf(h).lan_ip} ${k.split(' ').slice(0, 2).join(' ')}`,
      );
      writeFileSync(join(state, 'known_hosts'), `${lines.join('\n')}\n`);
    },
    saveState: (file, content, secret) => writeFileSync(join(state, file), content, { mode: secret ? 0o600 : 0o644 }),
    verifyTarget: async () =>
      (target ??= {
        kind: 'proxmox',
        timings: proxmoxTimings(plan),
        router: { host: await connect(plan.router.name), vtysh: 'sudo vtysh', lanIface: 'eth1' },
        nodeMacs: nodeMacs(plan, src.hosts()),
      }),
    note: (message) => log.note(message),
    results: { findings: [], failover: null },
    close: pool.close,
  };
}

/** The step context of a real run: the real API, the deploy's outputs, this machine with the lab file. */
export function proxmoxContext(
  plan: LabPlan,
  mode: Mode,
  configFile: string,
  requests: number,
  log: Logger,
): StepContext & { close(): void } {
  let cached: HostOutput[] | undefined;
  return sshContext(
    plan,
    mode,
    {
      api: createApi({
        endpoint: plan.config.proxmox.endpoint,
        insecure: plan.config.proxmox.insecure,
        token: tokenFromEnv(),
      }),
      // Read after the deploy, which always runs before the first step that needs them.
      hosts: () => (cached ??= readOutputs(plan)),
      local: localHost({ env: { LAB_CONFIG: configFile }, progress: process.stderr }),
      requests,
    },
    log,
  );
}

/** The step list's options for a run of this lab: render and state under .lab/<name>/. */
export function stepOptions(
  plan: LabPlan,
  mode: Mode,
  options: Pick<StepOptions, 'failover' | 'failoverNode' | 'requests'>,
): StepOptions {
  return { ...options, renderDir: renderDir(plan, mode), stateDir: labStateDir(plan.name) };
}

/** Executes a run's steps with its step logs (.lab/<name>/logs), its secrets masked, and how to resume. */
export function executeRun(
  plan: LabPlan,
  steps: readonly Step[],
  ctx: StepContext,
  resume: string,
  log: Logger,
): Promise<void> {
  const state = labStateDir(plan.name);
  return executeSteps(steps, ctx, {
    logDir: join(state, 'logs'),
    resume,
    secrets: () => [
      existsSync(join(state, 'k3s-token')) ? k3sToken(plan) : '',
      process.env[plan.config.bgp.passwordEnv ?? ''] ?? '',
    ],
    log,
  });
}

export async function runProxmox(
  plan: LabPlan,
  mode: Mode,
  configFile: string,
  options: ProxmoxRunOptions,
  log: Logger,
): Promise<Verdict> {
  const steps = proxmoxSteps(plan, mode, stepOptions(plan, mode, options));
  const ctx = proxmoxContext(plan, mode, configFile, options.requests, log);
  try {
    await executeRun(plan, steps, ctx, resumeCommand(mode, configFile, options.failover), log);
  } finally {
    ctx.close();
  }
  return runReport(ctx.results, log.timings);
}

/** The run's report from what its steps found: the verification, its findings and the failover. */
export function runReport({ verification, findings, failover }: RunResults, timings: Record<string, number>): Verdict {
  return verdictOf(verification!, { findings, failover, timings });
}
