// The Proxmox run: executes the steps of steps.ts in order. Shell steps run exactly as the dry run
// prints them, on the host it names; the few steps that talk to the API or read results back are
// implemented here. Secrets travel on standard input only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LabError } from '../../../lab/errors.ts';
import { contains, isIpv4, parseCidr, parseIp } from '../../../lab/ipv4.ts';
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import { DEMO } from '../../../templates/demo.ts';
import { run, type Host } from '../../hosts/host.ts';
import { connectSshWhenUp, type SshHost } from '../../hosts/ssh.ts';
import type { Logger } from '../../log.ts';
import { labStateDir } from '../../paths.ts';
import { renderDir, routerSecrets, writeRender } from '../../render-files.ts';
import { type Failover, failoverProblems, failoverVictim, runFailover } from '../../verify/failover.ts';
import { type LabReport, leaseProblems, verify, type VerifyTarget } from '../../verify/verify.ts';
import { waitFor } from '../../wait.ts';
import { createApi, type ProxmoxApi, tokenFromEnv } from './api.ts';
import { assertPreflight, preflight } from './preflight.ts';
import { runLocal } from './local.ts';
import { proxmoxSteps, type Step } from './steps.ts';

export interface HostOutput {
  name: string;
  role: string;
  vm_id: number;
  proxmox_node: string;
  lan_ip: string;
  ipv4_addresses: string[][];
  mac_addresses: string[];
}

export type Secrets = Record<'k3s-token' | 'bgp-password', () => string>;

/** A shell step as the dry run shows it: each command on the host, its input on stdin. */
export async function runShellStep(host: Host, step: Step, secrets: Secrets): Promise<void> {
  for (const c of step.commands) {
    const input = !c.input ? undefined : 'file' in c.input ? readFileSync(c.input.file, 'utf8') : `${secrets[c.input.secret]()}\n`;
    await run(host, c.run, { input });
  }
}

export interface ProxmoxRunOptions {
  readonly failover: boolean;
  readonly requests: number;
}

/** The router's address as seen from here: the static WAN address, else what the guest agent reports outside the LAN. */
export function routerAddress(plan: LabPlan, hosts: HostOutput[]): string {
  const wan = plan.config.router.wan;
  if (wan.mode === 'static') return wan.address.split('/')[0]!;
  const lan = parseCidr(plan.lan.cidr);
  const router = hosts.find((h) => h.name === plan.router.name);
  const ip = router?.ipv4_addresses.flat().find((a) => isIpv4(a) && !a.startsWith('127.') && !contains(lan, parseIp(a)));
  if (!ip) throw new LabError('E_OUTPUTS', `the router reports no WAN address yet (${JSON.stringify(router?.ipv4_addresses ?? [])})`, 'check that the uplink bridge has DHCP, or set router.wan to static');
  return ip;
}

function readOutputs(plan: LabPlan): HostOutput[] {
  const file = labStateDir(plan.name, 'outputs.json');
  const outputs = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { hosts?: HostOutput[] }>;
  const hosts = outputs[plan.stacks.vms]?.hosts;
  if (!hosts) throw new LabError('E_OUTPUTS', `${file} has no hosts output`, 'run the deploy again');
  return hosts;
}

function k3sToken(plan: LabPlan): string {
  const file = labStateDir(plan.name, 'k3s-token');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function runProxmox(plan: LabPlan, mode: Mode, configFile: string, o: ProxmoxRunOptions, log: Logger): Promise<LabReport> {
  const state = labStateDir(plan.name);
  const render = renderDir(plan, mode);
  const steps = proxmoxSteps(plan, mode, { failover: o.failover, renderDir: render, stateDir: state });
  const api: ProxmoxApi = createApi({ endpoint: plan.config.proxmox.endpoint, insecure: plan.config.proxmox.insecure, token: tokenFromEnv() });

  const hostKeys = new Map<string, string>();
  const conns = new Map<string, SshHost>();
  let hosts: HostOutput[] = [];
  let report: Omit<LabReport, 'failover' | 'timings'> | undefined;
  let failover: Failover | null = null;
  const vmOf = (name: string) => hosts.find((h) => h.name === name) ?? (() => { throw new LabError('E_OUTPUTS', `no VM named ${name} in the outputs`); })();

  const connect = async (name: string): Promise<SshHost> => {
    const open = conns.get(name);
    if (open) return open;
    const router = name === plan.router.name ? undefined : await connect(plan.router.name);
    const address = router ? vmOf(name).lan_ip : routerAddress(plan, hosts);
    const host = await connectSshWhenUp({ name, address, username: plan.config.ssh.user, privateKeyPath: join(state, 'ssh', 'id_ed25519'), hostKey: hostKeys.get(name)! }, 300_000, 3000, router);
    conns.set(name, host);
    return host;
  };
  const secrets: Secrets = { 'k3s-token': () => k3sToken(plan), 'bgp-password': () => routerSecrets(plan).bgpPassword! };
  // Built once, after the deploy: the router over SSH, and the nodes by the MAC of their LAN interface.
  let target: VerifyTarget | undefined;
  const verifyTarget = async (): Promise<VerifyTarget> =>
    (target ??= {
      kind: 'proxmox',
      router: { host: await connect(plan.router.name), vtysh: 'sudo vtysh', lanIface: 'eth1' },
      nodeMacs: Object.fromEntries(hosts.filter((h) => h.role !== 'router').map((h) => [h.mac_addresses[0]!.toLowerCase(), h.name])),
    });

  const special: Record<string, (step: Step) => Promise<void>> = {
    preflight: async () => {
      for (const f of assertPreflight(await preflight(api, plan))) log.note(f.message);
    },
    render: async () => void writeRender(plan, mode, render, routerSecrets(plan)),
    keys: (step) => {
      mkdirSync(join(state, 'ssh'), { recursive: true, mode: 0o700 });
      return runLocal(step.commands[0]!.run);
    },
    deploy: async (step) => {
      await runLocal(step.commands[0]!.run, { LAB_CONFIG: configFile });
      hosts = readOutputs(plan);
    },
    hostkeys: async () => {
      if (hosts.length === 0) hosts = readOutputs(plan);
      const lines: string[] = [];
      for (const h of hosts) {
        const key = await waitFor(`the guest agent of ${h.name} (host key)`, 600_000, () =>
          api.call<{ content: string }>('agentFileRead', { node: h.proxmox_node, vmid: h.vm_id }, { file: '/etc/ssh/ssh_host_ed25519_key.pub' }).then((r) => r.content.trim()).catch(() => undefined), 5000);
        hostKeys.set(h.name, key);
        lines.push(`${h.name === plan.router.name ? routerAddress(plan, hosts) : h.lan_ip} ${key.split(' ').slice(0, 2).join(' ')}`);
      }
      writeFileSync(join(state, 'known_hosts'), `${lines.join('\n')}\n`);
    },
    'cloud-init': async () => {
      for (const name of [plan.router.name, ...plan.nodes.map((n) => n.name)]) await run(await connect(name), 'cloud-init status --wait');
    },
    kubeconfig: async (step) => {
      const cp1 = await connect(plan.nodes[0]!.name);
      writeFileSync(join(state, 'kubeconfig'), await run(cp1, step.commands[0]!.run), { mode: 0o600 });
      const count = Number((await run(cp1, step.commands[1]!.run)).trim());
      if (count !== plan.nodes.length) throw new LabError('E_K3S', `${count} of ${plan.nodes.length} nodes registered`, 'npm run lab:' + mode + ' again resumes');
    },
    verify: async () => {
      report = await verify(await verifyTarget(), plan, mode, o.requests);
    },
    'kubernetes-view': async (step) => {
      const out = (await run(await connect(plan.nodes[0]!.name), step.commands[0]!.run)).trim();
      if (mode === 'l2') {
        report!.problems.push(...leaseProblems(out, report!.router.arp));
      } else if (!/established/i.test(out) || /idle|active|connect/i.test(out.split('\n').slice(1).join('\n'))) {
        report?.problems.push(`cilium bgp peers shows sessions that are not established:\n${out}`);
      }
    },
    failover: async () => {
      const t = await verifyTarget();
      const victim = vmOf(await failoverVictim(t, plan, mode, report!.service.ip));
      const maxMs = (mode === 'l2' ? plan.l2.leaseMs.duration : plan.config.bgp.timers.hold * 1000) + 30_000;
      const at = { node: victim.proxmox_node, vmid: victim.vm_id };
      failover = await runFailover(t.router.host, { ip: report!.service.ip, port: DEMO.port, intervalMs: 100, maxMs, settle: 20 }, victim.name, 2000, async () => {
        await api.call('vmStop', at);
      });
      await api.call('vmStart', at);
    },
  };

  try {
    for (const step of steps) {
      await log.step(step.id, step.title, async () => {
        const impl = special[step.id];
        if (impl) return impl(step);
        if (hosts.length === 0) hosts = readOutputs(plan);
        return runShellStep(await connect(step.where), step, secrets);
      });
    }
  } finally {
    for (const c of conns.values()) c.close();
  }
  const problems = [...report!.problems, ...(failover ? failoverProblems(failover) : [])];
  return { ...report!, problems, verified: problems.length === 0, failover, timings: log.timings };
}
