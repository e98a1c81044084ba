// The guest side of the Proxmox run, against real Debian 12 VMs (test/fakes/vms) behind the fake Proxmox
// API answering from them (test/fakes/proxmox-api/vms.ts). The Proxmox run's own step list and executor
// (scripts/targets/proxmox) run unchanged with the run's own SSH context: render, the lab key, host keys
// pinned through the real guest agent, cloud-init on every VM, the router's frr.conf and FRR restart,
// the wait for the announcement, the verification and the failover through status/stop. What stands
// in: the deploy (the VMs booted here, router first, as the stack's depends_on orders them) and the
// Kubernetes and Cilium steps (the Cilium stand-ins on the node VMs: standins.ts).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan, Mode } from '../../lab/plan.ts';
import { localHost } from '../../scripts/hosts/local.ts';
import { run } from '../../scripts/hosts/host.ts';
import { PROBE_INTERVAL_MS, faultTrial } from '../../scripts/compare/measure.ts';
import { proxmoxSession } from '../../scripts/targets/proxmox/compare.ts';
import { probeMs, REQUESTS_PER_SOURCE } from '../../scripts/compare/run.ts';
import { bound, settingsOf } from '../../scripts/compare/scenarios.ts';
import type { Logger } from '../../scripts/lib/log.ts';
import type { FaultTrial } from '../../scripts/report/model.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { labStateDir } from '../../lab/load.ts';
import { renderDir, routerSecrets } from '../../scripts/lib/render-files.ts';
import { apiRequest, createApi, fillPath, type ProxmoxApi } from '../../scripts/targets/proxmox/api.ts';
import type { StepContext } from '../../scripts/targets/proxmox/context.ts';
import { executeSteps } from '../../scripts/targets/proxmox/execute.ts';
import type { HostOutput } from '../../stacks/outputs.ts';
import { sshContext } from '../../scripts/targets/proxmox/run.ts';
import { proxmoxSteps, type Step } from '../../scripts/targets/proxmox/steps.ts';
import { type FakeProxmox, startFakeProxmox } from '../fakes/proxmox-api/fake.ts';
import { loadPveSchema } from '../fakes/proxmox-api/schema.ts';
import { vmHandlers } from '../fakes/proxmox-api/vms.ts';
import {
  agentHostOutput,
  type AgentInterface,
  prepareVmLab,
  teardownVmLab,
  type VmLab,
  waitForAgentAddress,
} from '../fakes/vms/lab.ts';
import { vmFiles } from '../fakes/vms/qemu.ts';
import { withLabKey } from '../../stacks/lab-key.ts';
import { frrConf } from '../../templates/frr.ts';
import { routerSysctls } from '../../templates/router.ts';
import { goodScenario, selfSignedCert, TOKEN } from '../helpers/pve.ts';
import { SHARED_DIR } from '../helpers/shared.ts';

export interface VmStatus {
  name: string;
  booted: boolean;
  cloudInit: string | null;
  agent: boolean;
  hostKeyPinned: boolean;
  /** From QEMU's start to the agent reporting an address. */
  agentMs: number | null;
}

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

export interface VmSession {
  /** The plan as lab.yaml gives it; the VMs' user-data carries the lab key on top (withLabKey). */
  readonly plan: LabPlan;
  /** The lab file the local steps (render) read, as LAB_CONFIG. */
  readonly configFile: string;
  lab?: VmLab;
  readonly api: ProxmoxApi;
  /** A GET the provider makes (PROVIDER_CALLS), not the toolkit. */
  readonly provider: <T>(path: string) => Promise<T>;
  readonly fake: FakeProxmox;
  readonly vms: VmStatus[];
  readonly checks: Check[];
  /** The VMs stack's hosts output, as the provider would write it once the agents answer. */
  hosts: HostOutput[];
  /** status/current right after each status/stop and status/start the run made. */
  readonly power: { call: 'vmStop' | 'vmStart'; vmid: number; status: string }[];
}

/** How long a TCG VM may take to boot to an agent reporting an address (measured: 1–5 min). */
const AGENT_TIMEOUT_MS = 15 * 60_000;

/** The steps of the Proxmox run that run here as they are; every other one is the deploy or Kubernetes/Cilium, stood in for. */
export const GUEST_STEPS = [
  'render',
  'keys',
  'hostkeys',
  'cloud-init',
  'router',
  'converge',
  'verify',
  'failover',
] as const;
type GuestStep = (typeof GUEST_STEPS)[number];

export function check(s: VmSession, name: string, ok: boolean, detail = ''): boolean {
  s.checks.push({ check: name, ok, detail });
  return ok;
}

/** The lab file, and the fake API over the VMs (prepared later, once the lab key exists). Nothing boots yet. */
export async function openSession(plan: LabPlan, labYaml: string): Promise<VmSession> {
  await closeSession(undefined, plan);
  mkdirSync(labStateDir(plan.name), { recursive: true, mode: 0o700 });
  const configFile = labStateDir(plan.name, 'lab.yaml');
  writeFileSync(configFile, labYaml);
  const scenario = goodScenario(plan);
  scenario.vms = [plan.router, ...plan.nodes].map((h) => ({
    vmid: h.vmId,
    node: h.proxmoxNode,
    name: h.name,
    tags: plan.tags.join(';'),
    status: 'stopped' as const,
  }));
  // Built last: the fake's handlers and the API wrapper below close over it.
  // eslint-disable-next-line prefer-const
  let s: VmSession | undefined;
  const fake = await startFakeProxmox(
    loadPveSchema(join(SHARED_DIR, 'schemas/proxmox/pve-api-9.1.3.json')),
    scenario,
    selfSignedCert(),
    vmHandlers(() => s!.lab!),
  );
  const options = { endpoint: fake.url, insecure: true, token: TOKEN, timeoutMs: 30_000 };
  const raw = createApi(options);
  // What the provider reads (PROVIDER_CALLS): the VM's power state, the agent's interfaces.
  const provider = <T>(path: string) => apiRequest<T>(options, 'GET', path);
  // The run's API, noting what status/current says right after each power call.
  const api: ProxmoxApi = {
    call: async <T>(
      name: Parameters<ProxmoxApi['call']>[0],
      path?: Record<string, string | number>,
      params?: Record<string, string | number>,
    ): Promise<T> => {
      const answer = await raw.call<T>(name, path, params);
      if (name === 'vmStop' || name === 'vmStart')
        s!.power.push({
          call: name,
          vmid: Number(path!.vmid),
          status: (await provider<{ status: string }>(fillPath('/nodes/{node}/qemu/{vmid}/status/current', path)))
            .status,
        });
      return answer;
    },
  };
  const vms = [plan.router, ...plan.nodes].map((h) => ({
    name: h.name,
    booted: false,
    cloudInit: null,
    agent: false,
    hostKeyPinned: false,
    agentMs: null,
  }));
  s = { plan, configFile, api, provider, fake, vms, checks: [], hosts: [], power: [] };
  return s;
}

/** VMs, daemons, bridges, namespace, disks, and the lab's local state (.lab/<name>: keys, render, logs; a failed run keeps its step logs and the VMs' consoles). */
export async function closeSession(s: VmSession | undefined, plan: LabPlan, keepLogs = false): Promise<void> {
  await s?.fake.close();
  // The serial consoles carry cloud-init's own output (which module failed, and why).
  for (const vm of keepLogs ? (s?.lab?.vms ?? []) : []) {
    const file = vmFiles(s!.lab!.runDir, vm.spec.vmid).console;
    if (existsSync(file)) copyFileSync(file, labStateDir(plan.name, 'logs', `${vm.host.name}.console.log`));
  }
  await teardownVmLab(plan);
  const state = labStateDir(plan.name);
  if (!existsSync(state)) return;
  for (const f of readdirSync(state))
    if (!(keepLogs && f === 'logs')) rmSync(join(state, f), { recursive: true, force: true });
  if (!keepLogs) rmSync(state, { recursive: true, force: true });
}

/** The run's step context for one mode: SSH with pinned keys, the fake API, this machine with the lab file. */
export function modeContext(s: VmSession, mode: Mode, requests: number, log: Logger): StepContext & { close(): void } {
  return sshContext(
    s.plan,
    mode,
    {
      api: s.api,
      hosts: () => s.hosts,
      local: localHost({ env: { LAB_CONFIG: s.configFile }, progress: process.stderr }),
      requests,
    },
    log,
  );
}

/** The Proxmox run's steps of this mode, in its order, with `failover` only where asked. */
export function guestSteps(
  plan: LabPlan,
  mode: Mode,
  o: { failover: boolean; requests: number },
): Map<GuestStep, Step> {
  const steps = proxmoxSteps(plan, mode, {
    failover: o.failover,
    renderDir: renderDir(plan, mode),
    stateDir: labStateDir(plan.name),
    requests: o.requests,
  });
  const byId = new Map(
    steps.filter((x) => (GUEST_STEPS as readonly string[]).includes(x.id)).map((x) => [x.id as GuestStep, x]),
  );
  const missing = GUEST_STEPS.filter((id) => !byId.has(id) && (id !== 'failover' || o.failover));
  if (missing.length)
    throw new Error(
      `the Proxmox run has no step ${missing.join(', ')} any more: update GUEST_STEPS in test/vms/suite.ts`,
    );
  return byId;
}

/** Runs some of the mode's steps through the Proxmox executor, logs in .lab/<name>/logs. */
export async function runSteps(
  s: VmSession,
  ctx: StepContext,
  steps: Map<GuestStep, Step>,
  ids: readonly GuestStep[],
  log: Logger,
): Promise<void> {
  const list = ids.flatMap((id) => steps.get(id) ?? []);
  await executeSteps(list, ctx, {
    logDir: labStateDir(s.plan.name, 'logs'),
    resume: `npm run test:vms -- --mode ${ctx.mode}`,
    secrets: () => [routerSecrets(s.plan).bgpPassword ?? ''].filter(Boolean),
    log,
  });
}

/** Image, networks, disks and cloud-init drives, with the lab key (made by the keys step) in every VM's user-data. */
export async function prepare(s: VmSession, log: Logger): Promise<void> {
  s.lab = await log.step('prepare', 'VM image, networks, disks and cloud-init drives', async () =>
    prepareVmLab(withLabKey(s.plan), (m) => log.note(m)),
  );
}

/**
 * The deploy's stand-in: router first, the nodes once its agent reports an address (the provider
 * creates a dependent VM after its dependency's agent answered); then the hosts output from the agents.
 */
export async function boot(s: VmSession, log: Logger): Promise<void> {
  const lab = s.lab!;
  const started = new Map<number, number>();
  const [router, ...nodes] = lab.vms;
  const start = async (i: number) => {
    const vm = lab.vms[i]!;
    started.set(vm.spec.vmid, Date.now());
    await s.api.call('vmStart', { node: vm.host.proxmoxNode, vmid: vm.spec.vmid });
  };
  const waitAgent = async (i: number) => {
    const vm = lab.vms[i]!;
    await waitForAgentAddress(lab, vm.spec.vmid, AGENT_TIMEOUT_MS).catch((err: Error) => {
      throw new Error(`${err.message}; console of ${vm.host.name}:\n${consoleTail(lab, vm.spec.vmid)}`);
    });
    s.vms[i]!.booted = s.vms[i]!.agent = true;
    s.vms[i]!.agentMs = Date.now() - started.get(vm.spec.vmid)!;
    log.note(`${vm.host.name}: agent reports an address after ${(s.vms[i]!.agentMs! / 1000).toFixed(0)} s`);
  };
  await log.step(
    'boot-router',
    `boot ${router!.host.name} (status/start), wait for its agent to report an address`,
    async () => {
      await start(0);
      await waitAgent(0);
    },
  );
  await log.step('boot-nodes', `boot ${nodes.map((n) => n.host.name).join(', ')}, wait for their agents`, async () => {
    for (const i of nodes.keys()) await start(i + 1);
    await Promise.all(nodes.map((_, i) => waitAgent(i + 1)));
  });
  s.hosts = [];
  for (const vm of lab.vms) {
    const ifaces = (
      await s.provider<{ result: AgentInterface[] }>(
        fillPath('/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces', {
          node: vm.host.proxmoxNode,
          vmid: vm.spec.vmid,
        }),
      )
    ).result;
    s.hosts.push(agentHostOutput(vm, ifaces));
    // The agent lists lo first (the first-contact defect of mac_addresses[0]); the NICs carry the names cloud-init gave them by MAC.
    const expected = vm.macs.map((mac, n) => `eth${n}=${mac.toLowerCase()}`);
    const got = ifaces.filter((i) => i.name !== 'lo').map((i) => `${i.name}=${i['hardware-address']}`);
    check(
      s,
      `${vm.host.name}: agent lists lo first`,
      ifaces[0]?.name === 'lo' && ifaces[0]['hardware-address'] === '00:00:00:00:00:00',
      ifaces.map((i) => i.name).join(', '),
    );
    check(
      s,
      `${vm.host.name}: NICs named by their planned MAC (${expected.join(', ')})`,
      expected.every((e) => got.includes(e)),
      got.join(', '),
    );
  }
}

/** After the hostkeys and cloud-init steps: every key pinned, cloud-init's final status per VM. */
export async function recordGuests(s: VmSession, ctx: StepContext): Promise<void> {
  await Promise.all(
    s.vms.map(async (v) => {
      const r = await (await ctx.host(v.name)).exec('cloud-init status --long');
      v.hostKeyPinned = true;
      v.cloudInit = /status: (\w+)/.exec(r.stdout)?.[1] ?? `exit ${r.code}`;
      check(
        s,
        `${v.name}: cloud-init done`,
        r.code === 0 && v.cloudInit === 'done',
        r.stdout.trim().split('\n').slice(-4).join(' | '),
      );
    }),
  );
}

/** What cloud-init set up on the router (before the run's router step replaces frr.conf), and what the nodes' installs went through. */
export async function checkRouter(s: VmSession, ctx: StepContext, log: Logger): Promise<void> {
  await log.step(
    'router-checks',
    "router: FRR under systemd with our frr.conf, sysctls, NAT; nodes' installs through it",
    async () => {
      const router = await ctx.host(s.plan.router.name);
      // Each read is a check of its own: a failed command is a failed check with its output, not an abort.
      const out = async (command: string) => {
        const r = await router.exec(command);
        return r.code === 0 ? r.stdout : `exit ${r.code}: ${(r.stderr || r.stdout).trim()}`;
      };
      const frr = (await out('systemctl is-active frr')).trim();
      check(s, 'router: frr.service active', frr === 'active', frr);
      // Byte for byte (SSH output comes back trimmed): the file's hash against the render's.
      const conf = (await out('sudo sha256sum /etc/frr/frr.conf')).split(' ')[0];
      check(
        s,
        'router: /etc/frr/frr.conf is the rendered one (L2: what the stack boots)',
        conf === createHash('sha256').update(frrConf(s.plan, 'l2')).digest('hex'),
        conf,
      );
      const running = await out("sudo vtysh -c 'show running-config'");
      check(
        s,
        'router: zebra runs it (hostname from frr.conf)',
        running.includes(`hostname ${s.plan.router.name}`),
        running.split('\n').find((l) => l.startsWith('hostname')) ?? running.slice(0, 200),
      );
      for (const [key, value] of Object.entries(routerSysctls())) {
        const got = (await out(`sudo sysctl -n ${key}`)).trim();
        check(s, `router: ${key} = ${value}`, got === value, got);
      }
      const nat = await out(`sudo nft list table ip ${s.plan.name}_nat`);
      check(
        s,
        'router: NAT masquerades the LAN out of eth0',
        /ip saddr \S+ oifname "eth0" masquerade/.test(nat),
        nat
          .trim()
          .split('\n')
          .find((l) => l.includes('masquerade'))
          ?.trim() ?? nat.slice(0, 200),
      );
      for (const n of s.plan.nodes) {
        const node = await ctx.host(n.name);
        // The archive by name (DNS at the configured resolvers), through the router's NAT.
        const r = await node.exec(
          'curl -s -o /dev/null -w "%{http_code}" http://deb.debian.org/debian/dists/bookworm/InRelease',
        );
        check(s, `${n.name}: reaches the archive through the router's NAT`, r.stdout === '200', r.stdout || r.stderr);
        // package_update fetched its index: the packages cloud-init installed come from deb.debian.org.
        const policy = await node.exec('apt-cache madison qemu-guest-agent');
        check(
          s,
          `${n.name}: package_update read the archive's index`,
          policy.stdout.includes('http://deb.debian.org/debian'),
          policy.stdout.trim() || policy.stderr.trim(),
        );
      }
    },
  );
}

/** After the router step: FRR restarted by systemd, bgpd configured only in BGP mode. */
export async function checkFrrRestart(s: VmSession, ctx: StepContext, before: string): Promise<void> {
  const router = await ctx.host(s.plan.router.name);
  const after = await frrStartedAt(ctx);
  check(
    s,
    `router: FRR restarted by systemd (${ctx.mode})`,
    after !== before && (await router.exec('systemctl is-active frr')).stdout.trim() === 'active',
    `${before} → ${after}`,
  );
  // The daemons get frr.conf through `vtysh -b` (frr 8.4 tools/frrcommon.sh vtysh_b, run for watchfrr),
  // which can end after `systemctl restart frr` has returned: an earlier run read a running config
  // without bgpd's part right after the restart. Wait for it, bounded.
  const asn = s.plan.config.bgp.routerAsn;
  const t0 = Date.now();
  const loaded = await waitFor(
    `router bgp ${asn} in the running config`,
    ctx.mode === 'bgp' ? 30_000 : 0,
    async (saw) => {
      const running = await run(router, "sudo vtysh -c 'show running-config'");
      saw(
        running
          .split('\n')
          .filter((l) => l.startsWith('router '))
          .join(', ') || 'no router sections',
      );
      return running.includes(`router bgp ${asn}`) === (ctx.mode === 'bgp');
    },
    500,
  ).then(
    () => '',
    (err: Error) => err.message,
  );
  check(
    s,
    `router: running config ${ctx.mode === 'bgp' ? 'has' : 'has no'} router bgp ${asn}`,
    loaded === '',
    loaded || `after ${Date.now() - t0} ms`,
  );
}

export async function frrStartedAt(ctx: StepContext): Promise<string> {
  return (
    await run(await ctx.host(ctx.plan.router.name), 'systemctl show -p ActiveEnterTimestampMonotonic --value frr')
  ).trim();
}

function consoleTail(lab: VmLab, vmid: number): string {
  const file = vmFiles(lab.runDir, vmid).console;
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : '';
}

/**
 * lab:compare's router restart, through its Proxmox session on this run's context: FRR restarted over
 * SSH by systemd (BGP: back with bgpd's config), L2: the router's neighbours flushed; probed from the
 * router until the service answers steadily again.
 */
export async function routerRestart(
  s: VmSession,
  ctx: StepContext,
  mode: Mode,
  log: Logger,
): Promise<Pick<FaultTrial, 'outageMs' | 'probes' | 'failedProbes'>> {
  const t = await log.step('router-restart', "lab:compare's router restart (its Proxmox session)", async () => {
    const session = await proxmoxSession(ctx, s.plan, mode);
    const b = bound('router-restart', mode, settingsOf(s.plan, 'lab', PROBE_INTERVAL_MS, REQUESTS_PER_SOURCE));
    return faultTrial(session, s.plan, mode, 'router-restart', 1, probeMs(session, 'router-restart', b));
  });
  check(
    s,
    `${mode}: after lab:compare's router restart the service answers steadily again`,
    t.samples.at(-1)?.ok === true,
    `${t.failedProbes} of ${t.probes} probes failed`,
  );
  return { outageMs: t.outageMs, probes: t.probes, failedProbes: t.failedProbes };
}
