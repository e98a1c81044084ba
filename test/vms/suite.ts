// The guest side of the Proxmox run, against real Debian 12 VMs (standins/vms) behind the fake Proxmox
// API answering from them (standins/proxmox-api/vms.ts): the router boots first and the nodes once its
// agent reports an address (what the provider waits for before a dependent VM), host keys are pinned
// through the real guest agent, SSH reaches the router and through it the nodes, cloud-init finishes
// everywhere, and the router runs what cloud-init set up: FRR under systemd with our frr.conf, the
// sysctls, the NAT the nodes' package installs went through. Then the Proxmox run's router step pushes
// the BGP frr.conf and restarts FRR with systemd.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan, Mode } from '../../lab/plan.ts';
import { run } from '../../scripts/hosts/host.ts';
import { connectSshWhenUp, type SshHost } from '../../scripts/hosts/ssh.ts';
import type { Logger } from '../../scripts/log.ts';
import { labStateDir } from '../../scripts/paths.ts';
import { routerSecrets, writeRender } from '../../scripts/render-files.ts';
import { createApi, type ProxmoxApi } from '../../scripts/targets/proxmox/api.ts';
import { type HostOutput, routerAddress, runShellStep } from '../../scripts/targets/proxmox/run.ts';
import { proxmoxSteps } from '../../scripts/targets/proxmox/steps.ts';
import { type FakeProxmox, startFakeProxmox } from '../../standins/proxmox-api/fake.ts';
import { loadPveSchema } from '../../standins/proxmox-api/schema.ts';
import { vmHandlers } from '../../standins/proxmox-api/vms.ts';
import { type AgentInterface, prepareVmLab, teardownVmLab, type VmLab, waitForAgentAddress } from '../../standins/vms/lab.ts';
import { vmFiles } from '../../standins/vms/qemu.ts';
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
  /** From QEMU's start to the agent reporting an address; to cloud-init done. */
  agentMs: number | null;
  cloudInitMs: number | null;
}

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

export interface VmSession {
  readonly lab: VmLab;
  readonly plan: LabPlan;
  readonly api: ProxmoxApi;
  readonly fake: FakeProxmox;
  readonly vms: VmStatus[];
  readonly checks: Check[];
  hosts: HostOutput[];
  readonly ssh: Map<string, SshHost>;
  readonly t0: number;
}

const AGENT_TIMEOUT_MS = 15 * 60_000;

export function check(s: VmSession, name: string, ok: boolean, detail = ''): boolean {
  s.checks.push({ check: name, ok, detail });
  return ok;
}

/** The lab key, the plan with it, the fake API over the VMs. Nothing boots yet. */
export async function openSession(basePlan: LabPlan, log: Logger): Promise<VmSession> {
  await teardownVmLab(basePlan);
  const sshDir = labStateDir(basePlan.name, 'ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  execFileSync('sh', ['-c', `test -f ${sshDir}/id_ed25519 || ssh-keygen -q -t ed25519 -N '' -C proxmox-cilium-lab -f ${sshDir}/id_ed25519`]);
  const plan = withLabKey(basePlan);
  const lab = await log.step('prepare', 'VM image, networks, disks and cloud-init drives', async () => prepareVmLab(plan, (m) => log.note(m)));
  const scenario = goodScenario(plan);
  scenario.vms = [plan.router, ...plan.nodes].map((h) => ({ vmid: h.vmId, node: h.proxmoxNode, name: h.name, tags: plan.tags.join(';'), status: 'stopped' as const }));
  const fake = await startFakeProxmox(loadPveSchema(join(SHARED_DIR, 'schemas/proxmox/pve-api-9.1.3.json')), scenario, selfSignedCert(), vmHandlers(lab));
  const api = createApi({ endpoint: fake.url, insecure: true, token: TOKEN, timeoutMs: 30_000 });
  const vms = lab.vms.map((v) => ({ name: v.host.name, booted: false, cloudInit: null, agent: false, hostKeyPinned: false, agentMs: null, cloudInitMs: null }));
  return { lab, plan, api, fake, vms, checks: [], hosts: [], ssh: new Map(), t0: Date.now() };
}

export async function closeSession(s: VmSession | undefined, plan: LabPlan): Promise<void> {
  for (const c of s?.ssh.values() ?? []) c.close();
  await s?.fake.close();
  await teardownVmLab(plan);
}

const agentIfaces = (s: VmSession, vmid: number) =>
  s.api.call<{ result: AgentInterface[] }>('agentInterfaces', { node: s.lab.vms.find((v) => v.spec.vmid === vmid)!.host.proxmoxNode, vmid }).then((r) => r.result);

/** Router first; the nodes once its agent reports an address, as the provider creates dependent VMs. */
export async function boot(s: VmSession, log: Logger): Promise<void> {
  const started = new Map<number, number>();
  const startThrough = async (vmid: number, node: string) => {
    started.set(vmid, Date.now());
    await s.api.call('vmStart', { node, vmid });
  };
  const [router, ...nodes] = s.lab.vms;
  const waitAgent = async (i: number) => {
    const vm = s.lab.vms[i]!;
    await waitForAgentAddress(s.lab, vm.spec.vmid, AGENT_TIMEOUT_MS).catch((err: Error) => {
      throw new Error(`${err.message}; console of ${vm.host.name}:\n${consoleTail(s, vm.spec.vmid)}`);
    });
    s.vms[i]!.booted = s.vms[i]!.agent = true;
    s.vms[i]!.agentMs = Date.now() - started.get(vm.spec.vmid)!;
  };
  await log.step('boot-router', `boot ${router!.host.name}, wait for its agent to report an address`, async () => {
    await startThrough(router!.spec.vmid, router!.host.proxmoxNode);
    await waitAgent(0);
  });
  await log.step('boot-nodes', `boot ${nodes.map((n) => n.host.name).join(', ')}, wait for their agents`, async () => {
    for (const n of nodes) await startThrough(n.spec.vmid, n.host.proxmoxNode);
    await Promise.all(nodes.map((_, i) => waitAgent(i + 1)));
  });
  // What the provider's `hosts` output holds: bpg ReadNetworkValues copies every agent interface in order.
  s.hosts = [];
  for (const vm of s.lab.vms) {
    const ifaces = await agentIfaces(s, vm.spec.vmid);
    s.hosts.push({
      name: vm.host.name,
      role: vm.host.role,
      vm_id: vm.spec.vmid,
      proxmox_node: vm.host.proxmoxNode,
      lan_ip: vm.host.lanIp,
      ipv4_addresses: ifaces.map((i) => (i['ip-addresses'] ?? []).filter((a) => a['ip-address-type'] === 'ipv4').map((a) => a['ip-address'])),
      mac_addresses: ifaces.map((i) => i['hardware-address'] ?? ''),
    });
    // The agent lists lo first (the first-contact defect of mac_addresses[0]); our NICs carry the names cloud-init gave them by MAC.
    const expected = vm.macs.map((mac, n) => `eth${n}=${mac.toLowerCase()}`);
    const got = ifaces.filter((i) => i.name !== 'lo').map((i) => `${i.name}=${i['hardware-address']}`);
    check(s, `${vm.host.name}: agent lists lo first`, ifaces[0]?.name === 'lo' && ifaces[0]['hardware-address'] === '00:00:00:00:00:00', ifaces.map((i) => i.name).join(', '));
    check(s, `${vm.host.name}: NICs named by MAC (${expected.join(', ')})`, expected.every((e) => got.includes(e)), got.join(', '));
  }
}

/** Host keys through the agent (file-read), then SSH with nothing but those keys. */
export async function pinAndConnect(s: VmSession, log: Logger): Promise<void> {
  const keys = new Map<string, string>();
  await log.step('hostkeys', 'pin SSH host keys read through the guest agent', async () => {
    for (const vm of s.lab.vms) {
      const r = await s.api.call<{ content: string }>('agentFileRead', { node: vm.host.proxmoxNode, vmid: vm.spec.vmid }, { file: '/etc/ssh/ssh_host_ed25519_key.pub' });
      keys.set(vm.host.name, r.content.trim());
    }
    const routerIp = routerAddress(s.plan, s.hosts);
    writeFileSync(labStateDir(s.plan.name, 'known_hosts'), `${s.lab.vms.map((vm) => `${vm.host.role === 'router' ? routerIp : vm.host.lanIp} ${keys.get(vm.host.name)!.split(' ').slice(0, 2).join(' ')}`).join('\n')}\n`);
  });
  await log.step('ssh', 'SSH to the router (WAN address from the agent), through it to the nodes, pinned keys only', async () => {
    const routerIp = routerAddress(s.plan, s.hosts);
    for (const [i, vm] of s.lab.vms.entries()) {
      const via = vm.host.role === 'router' ? undefined : s.ssh.get(s.plan.router.name);
      const host = await connectSshWhenUp(
        { name: vm.host.name, address: via ? vm.host.lanIp : routerIp, username: s.plan.config.ssh.user, privateKeyPath: labStateDir(s.plan.name, 'ssh', 'id_ed25519'), hostKey: keys.get(vm.host.name)! },
        AGENT_TIMEOUT_MS,
        3000,
        via,
      );
      s.ssh.set(vm.host.name, host);
      s.vms[i]!.hostKeyPinned = true;
    }
  });
  await log.step('cloud-init', 'cloud-init status --wait on every VM', async () => {
    await Promise.all(
      s.lab.vms.map(async (vm, i) => {
        const r = await s.ssh.get(vm.host.name)!.exec('cloud-init status --wait --long');
        const status = /status: (\w+)/.exec(r.stdout)?.[1] ?? `exit ${r.code}`;
        s.vms[i]!.cloudInit = status;
        s.vms[i]!.cloudInitMs = Date.now() - s.t0;
        check(s, `${vm.host.name}: cloud-init done`, r.code === 0 && status === 'done', r.stdout.trim().split('\n').slice(-4).join(' | '));
      }),
    );
  });
}

/** What cloud-init set up on the router, and what the nodes' installs went through. */
export async function checkRouter(s: VmSession, log: Logger): Promise<void> {
  await log.step('router-checks', "router: FRR under systemd with our frr.conf, sysctls, NAT; nodes' installs through it", async () => {
    const router = s.ssh.get(s.plan.router.name)!;
    const frr = await router.exec('systemctl is-active frr');
    check(s, 'router: frr.service active', frr.stdout.trim() === 'active', frr.stdout.trim());
    const conf = await run(router, 'sudo cat /etc/frr/frr.conf');
    check(s, 'router: /etc/frr/frr.conf is the rendered one (L2: what the stack boots)', conf === frrConf(s.plan, 'l2'), `${conf.length} bytes`);
    const running = await run(router, "sudo vtysh -c 'show running-config'");
    check(s, 'router: zebra runs it (hostname from frr.conf)', running.includes(`hostname ${s.plan.router.name}`), running.split('\n').find((l) => l.startsWith('hostname')) ?? '');
    for (const [key, value] of Object.entries(routerSysctls())) {
      const got = (await run(router, `sysctl -n ${key}`)).trim();
      check(s, `router: ${key} = ${value}`, got === value, got);
    }
    const nat = await run(router, `sudo nft list table ip ${s.plan.name}_nat`);
    check(s, 'router: NAT masquerades the LAN out of eth0', /ip saddr \S+ oifname "eth0" masquerade/.test(nat), nat.trim().split('\n').find((l) => l.includes('masquerade'))?.trim() ?? '');
    for (const n of s.plan.nodes) {
      // apt-get update behind the router: the archive by name (DNS at the configured resolvers), through the NAT.
      const r = await s.ssh.get(n.name)!.exec('curl -s -o /dev/null -w "%{http_code}" http://deb.debian.org/debian/dists/bookworm/InRelease');
      check(s, `${n.name}: reaches the archive through the router's NAT`, r.stdout === '200', r.stdout || r.stderr);
      // package_update fetched its index: the packages cloud-init installed come from deb.debian.org.
      const policy = await s.ssh.get(n.name)!.exec('apt-cache madison qemu-guest-agent');
      check(s, `${n.name}: package_update read the archive's index`, policy.stdout.includes('http://deb.debian.org/debian'), policy.stdout.trim() || policy.stderr.trim());
    }
  });
}

/** The Proxmox run's router step, unchanged: the rendered frr.conf of the mode on stdin, bgpd on or off, FRR restarted by systemd. */
export async function pushFrr(s: VmSession, mode: Mode, log: Logger): Promise<void> {
  await log.step(`router-${mode}`, `router: the ${mode} frr.conf pushed, FRR restarted with systemd`, async () => {
    const state = labStateDir(s.plan.name);
    const render = join(state, 'render', mode);
    writeRender(s.plan, mode, render, routerSecrets(s.plan));
    const step = proxmoxSteps(s.plan, mode, { failover: false, renderDir: render, stateDir: state }).find((x) => x.id === 'router')!;
    const router = s.ssh.get(s.plan.router.name)!;
    const before = (await run(router, 'systemctl show -p ActiveEnterTimestampMonotonic --value frr')).trim();
    await runShellStep(router, step, { 'k3s-token': () => '', 'bgp-password': () => routerSecrets(s.plan).bgpPassword ?? '' });
    const after = (await run(router, 'systemctl show -p ActiveEnterTimestampMonotonic --value frr')).trim();
    check(s, `router: FRR restarted by systemd (${mode})`, after !== before && (await router.exec('systemctl is-active frr')).stdout.trim() === 'active', `${before} → ${after}`);
    const running = await run(router, "sudo vtysh -c 'show running-config'");
    check(s, `router: running config ${mode === 'bgp' ? 'has' : 'has no'} router bgp ${s.plan.config.bgp.routerAsn}`, running.includes(`router bgp ${s.plan.config.bgp.routerAsn}`) === (mode === 'bgp'), '');
  });
}

export function consoleTail(s: VmSession, vmid: number): string {
  try {
    return execFileSync('tail', ['-n', '15', vmFiles(s.lab.runDir, vmid).console]).toString();
  } catch {
    return '';
  }
}

