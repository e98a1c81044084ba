// The lab's VMs as Proxmox would run them, on this machine: the router and the nodes booted in QEMU
// from the cached Debian image, each with the cloud-init drive Proxmox would build from our rendered
// user-data and the stack's ip_config, on the two bridges of network.ts. Started and stopped like
// Proxmox does (status/start, status/stop = QMP quit); torn down to nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabHost, LabPlan } from '../../../lab/plan.ts';
import { vmDns, vmNics } from '../../../lab/vm-network.ts';
import { nodeUserData, routerUserData } from '../../../templates/cloud-init.ts';
import { alive, recordedPids, recordPid, stopPids } from '../../../scripts/hosts/daemons.ts';
import { RUN_ROOT } from '../../../scripts/hosts/netns.ts';
import { sleep, waitFor } from '../../../scripts/lib/wait.ts';
import { CACHE_ROOT, ensureImage, type VmImage } from './image.ts';
import { createVmNetwork, deleteVmNetwork, startWanServices, tapName, type VmNetwork, vmNetwork } from './network.ts';
import { qemuArgs, qga, qmp, vmFiles, type VmSpec } from './qemu.ts';
import { writeSeed } from './seed.ts';
import type { HostOutput } from '../../../stacks/outputs.ts';

/** Node VMs get this much memory here, not the plan's (TCG guests on a shared 2-core machine). */
const NODE_MEMORY_MIB = 768;

export interface LabVm {
  readonly host: LabHost;
  readonly spec: VmSpec;
  /** The NICs' planned MACs, net0 first. */
  readonly macs: readonly string[];
  readonly userData: string;
}

export interface VmLab {
  readonly plan: LabPlan;
  readonly network: VmNetwork;
  readonly image: VmImage;
  readonly runDir: string;
  readonly vms: readonly LabVm[];
}

export const vmRunDir = (lab: string) => join(RUN_ROOT, lab, 'vms');
const workDir = (lab: string) => join(CACHE_ROOT, 'labs', lab);

/** The VMs of this lab and their files; nothing created yet. */
export function describeVmLab(plan: LabPlan, image: VmImage): VmLab {
  const runDir = vmRunDir(plan.name);
  const network = vmNetwork(plan);
  const vms = [plan.router, ...plan.nodes].map((host): LabVm => {
    const nics = vmNics(plan, host);
    const macs = nics.map((n) => n.mac);
    const dir = join(workDir(plan.name), String(host.vmId));
    return {
      host,
      macs,
      userData: host.role === 'router' ? routerUserData(plan) : nodeUserData(plan, host),
      spec: {
        vmid: host.vmId,
        name: host.name,
        memoryMiB: host.role === 'router' ? host.memoryMiB : Math.min(host.memoryMiB, NODE_MEMORY_MIB),
        disk: join(dir, 'disk.qcow2'),
        seed: join(dir, 'cloudinit.iso'),
        kernel: image.kernel,
        initrd: image.initrd,
        nics: nics.map((_, i) => ({ tap: tapName(host.vmId, i), mac: macs[i]! })),
        runDir,
      },
    };
  });
  return { plan, network, image, runDir, vms };
}

/** Image, networks, disks and seeds: everything but the running VMs. Needs root; hold /work/.netns.lock-style locks outside. */
export function prepareVmLab(plan: LabPlan, progress: (msg: string) => void = () => {}): VmLab {
  const lab = describeVmLab(plan, ensureImage(plan, progress));
  mkdirSync(lab.runDir, { recursive: true });
  createVmNetwork(
    lab.network,
    plan,
    lab.vms.flatMap((vm) =>
      vmNics(plan, vm.host).map((nic, i) => ({
        name: vm.spec.nics[i]!.tap,
        bridge: nic.bridge === plan.lan.bridge ? lab.network.lanBridge : lab.network.wanBridge,
      })),
    ),
  );
  startWanServices(lab.network, plan, lab.image.repo, lab.runDir);
  const dns = vmDns(plan);
  for (const vm of lab.vms) {
    mkdirSync(join(vm.spec.disk, '..'), { recursive: true });
    // The imported image grown to the VM's disk size, as the provider resizes it (cloud-init's resizefs grows the filesystem).
    execFileSync('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-F',
      'raw',
      '-b',
      lab.image.disk,
      vm.spec.disk,
      `${vm.host.diskGiB}G`,
    ]);
    const nics = vmNics(plan, vm.host).map((n, i) => ({
      mac: vm.macs[i]!,
      ip: n.ipv4.address,
      ...(n.ipv4.gateway ? { gw: n.ipv4.gateway } : {}),
    }));
    writeSeed(
      { userData: vm.userData, nics, nameservers: dns.servers, searchdomains: [dns.domain] },
      join(vm.spec.disk, '..', 'cloudinit'),
    );
  }
  return lab;
}

export function vmPid(lab: VmLab, vmid: number): number | undefined {
  const file = vmFiles(lab.runDir, vmid).pid;
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 && alive(pid) ? pid : undefined;
}

export function findVm(lab: VmLab, vmid: number): LabVm {
  const vm = lab.vms.find((v) => v.spec.vmid === vmid);
  if (!vm) throw new Error(`no VM ${vmid} in lab ${lab.plan.name}`);
  return vm;
}

/** qm start: QEMU in the namespace (its taps live there), daemonized; its PID is recorded for teardown. */
export function startVm(lab: VmLab, vmid: number): void {
  const vm = findVm(lab, vmid);
  if (vmPid(lab, vmid)) return;
  for (const f of [vmFiles(lab.runDir, vmid).qmp, vmFiles(lab.runDir, vmid).qga]) rmSync(f, { force: true });
  const r = spawnSync('ip', ['netns', 'exec', lab.network.namespace, 'qemu-system-x86_64', ...qemuArgs(vm.spec)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`QEMU for ${vm.host.name} (${vmid}) did not start: ${r.stderr.trim()}`);
  recordPid(lab.runDir, vmPid(lab, vmid)!, `qemu ${vmid}`);
}

/** qm stop: QMP quit, the process gone (qemu-server _do_vm_stop: quit, then SIGTERM/SIGKILL after a timeout). */
export async function stopVm(lab: VmLab, vmid: number, timeoutMs = 10_000): Promise<void> {
  const pid = vmPid(lab, vmid);
  if (!pid) return;
  await qmp(lab.runDir, vmid, 'quit').catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) await stopPids([pid]);
}

/** The agent's interfaces once it answers (the real qemu-guest-agent in the VM). */
export async function agentInterfaces(lab: VmLab, vmid: number): Promise<AgentInterface[]> {
  return (await qga(lab.runDir, vmid, 'guest-network-get-interfaces')) as AgentInterface[];
}

export interface AgentInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
}

/**
 * What the provider waits for before a VM counts as created (and a dependent VM is created): an agent
 * reporting a global unicast IPv4 on an interface other than lo (bpg vms.go WaitForNetworkInterfacesFromVMAgent).
 */
export function waitForAgentAddress(lab: VmLab, vmid: number, timeoutMs: number): Promise<AgentInterface[]> {
  return waitFor(
    `the guest agent of VM ${vmid} to report an address`,
    timeoutMs,
    async () => {
      const ifaces = await agentInterfaces(lab, vmid).catch(() => undefined);
      const ok = ifaces?.some(
        (i) =>
          i.name !== 'lo' &&
          i['ip-addresses']?.some(
            (a) =>
              a['ip-address-type'] === 'ipv4' &&
              !a['ip-address'].startsWith('127.') &&
              !a['ip-address'].startsWith('169.254.'),
          ),
      );
      return ok ? ifaces : undefined;
    },
    2000,
  );
}

/**
 * The VMs stack's `hosts` output for a VM as bpg/proxmox 0.111.1 fills it from the agent's answer
 * (proxmoxtf/resource/vm/network/network.go ReadNetworkValues): one entry per interface the agent
 * reports, in its order, `lo` included; each interface's IPv4 addresses.
 */
export function agentHostOutput(vm: LabVm, ifaces: readonly AgentInterface[]): HostOutput {
  return {
    name: vm.host.name,
    role: vm.host.role,
    vm_id: vm.spec.vmid,
    proxmox_node: vm.host.proxmoxNode,
    lan_ip: vm.host.lanIp,
    ipv4_addresses: ifaces.map((i) =>
      (i['ip-addresses'] ?? []).filter((a) => a['ip-address-type'] === 'ipv4').map((a) => a['ip-address']),
    ),
    mac_addresses: ifaces.map((i) => i['hardware-address'] ?? ''),
    network_interface_names: ifaces.map((i) => i.name),
  };
}

/** Everything the harness made for this lab: VMs, daemons, namespace, disks, sockets. */
export async function teardownVmLab(plan: LabPlan): Promise<void> {
  const runDir = vmRunDir(plan.name);
  await stopPids(recordedPids(runDir).filter(alive));
  deleteVmNetwork(vmNetwork(plan));
  rmSync(runDir, { recursive: true, force: true });
  // The lab's run folder too, unless an emulated lab of the same name still uses it.
  const labDir = dirname(runDir);
  if (existsSync(labDir) && readdirSync(labDir).length === 0) rmdirSync(labDir);
  rmSync(workDir(plan.name), { recursive: true, force: true });
}
