// Where a Proxmox lab stands, read without changing it: the stacks' state files, the VMs and their guest
// agent through the API (GET only), and Kubernetes and Cilium over SSH (kubectl get only).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contains, parseCidr, parseIp } from '../../../lab/ipv4.ts';
import { allHosts, type LabPlan, type Mode } from '../../../lab/plan.ts';
import { poolName } from '../../../templates/cilium.ts';
import { type Host } from '../../hosts/host.ts';
import { connectSsh, type SshHost } from '../../hosts/ssh.ts';
import { labStateDir } from '../../../lab/load.ts';
import type { ProxmoxApi } from './api.ts';

export interface StackStatus {
  readonly name: string;
  readonly deployed: boolean;
  /** Resources in its Terraform state. */
  readonly resources: number;
}

export interface VmStatus {
  readonly name: string;
  readonly vmid: number;
  readonly node: string;
  readonly state: 'running' | 'stopped' | 'absent';
  /** Whether the guest agent answered (null: the VM is not running). */
  readonly agent: boolean | null;
  /** Whether cloud-init finished (null: not known, the agent did not answer). */
  readonly cloudInit: boolean | null;
}

export type KubernetesStatus =
  | { readonly reachable: false; readonly why: string }
  | {
      readonly reachable: true;
      readonly nodes: { readonly name: string; readonly ready: boolean }[];
      /** The cilium DaemonSet: agents wanted and ready (null: Cilium is not installed). */
      readonly cilium: { readonly desired: number; readonly ready: number } | null;
      /** Which mode's pool is applied (null: none). */
      readonly mode: Mode | null;
    };

export interface ProxmoxStatus {
  readonly stacks: StackStatus[];
  readonly vms: VmStatus[];
  readonly kubernetes: KubernetesStatus;
}

/** Terraform state v4 (hashicorp/terraform internal/states/statefile/version4.go): a top-level `resources` list, empty after destroy. */
export function stackStatus(plan: LabPlan): StackStatus[] {
  return [plan.stacks.base, plan.stacks.vms].map((name) => {
    const file = labStateDir(plan.name, `${name}.tfstate`);
    const resources = existsSync(file)
      ? ((JSON.parse(readFileSync(file, 'utf8')) as { resources?: unknown[] }).resources?.length ?? 0)
      : 0;
    return { name, deployed: resources > 0, resources };
  });
}

/** Whether the agent reads a file: any error (agent not running, no such file) is a no. */
async function agentReads(api: ProxmoxApi, node: string, vmid: number, file: string): Promise<boolean> {
  return api.call('agentFileRead', { node, vmid }, { file }).then(
    () => true,
    () => false,
  );
}

export async function vmStatus(plan: LabPlan, api: ProxmoxApi): Promise<VmStatus[]> {
  const vms = await api.call<{ vmid: number; node: string; status: string }[]>('resources', undefined, { type: 'vm' });
  return Promise.all(
    allHosts(plan).map(async (h): Promise<VmStatus> => {
      const vm = vms.find((v) => v.vmid === h.vmId);
      const state = !vm ? 'absent' : vm.status === 'running' ? 'running' : 'stopped';
      const node = vm?.node ?? h.proxmoxNode;
      if (state !== 'running') return { name: h.name, vmid: h.vmId, node, state, agent: null, cloudInit: null };
      const agent = await agentReads(api, node, h.vmId, '/etc/hostname');
      // cloud-init writes boot-finished at the end of its last stage (cloudinit/config/cc_final_message.py).
      const cloudInit = agent ? await agentReads(api, node, h.vmId, '/var/lib/cloud/instance/boot-finished') : null;
      return { name: h.name, vmid: h.vmId, node, state, agent, cloudInit };
    }),
  );
}

const kubectl = 'sudo k3s kubectl';

/** Read-only kubectl on the first control plane: nodes Ready, the cilium DaemonSet, the applied pool. */
export async function kubernetesStatus(plan: LabPlan, cp1: Host): Promise<KubernetesStatus> {
  const get = async (args: string) => {
    const r = await cp1.exec(`${kubectl} get ${args}`);
    return r.code === 0 ? r.stdout : undefined;
  };
  const nodeList = await get('nodes -o json');
  if (nodeList === undefined)
    return {
      reachable: false,
      why: `kubectl on ${plan.nodes[0]!.name} does not answer (k3s not installed or not running)`,
    };
  // core/v1 NodeList: items[].status.conditions[] {type: "Ready", status: "True" | "False" | "Unknown"}.
  const nodes = (
    JSON.parse(nodeList) as {
      items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    }
  ).items.map((n) => ({
    name: n.metadata.name,
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  }));
  // apps/v1 DaemonSetStatus: desiredNumberScheduled, numberReady.
  const ds = await get('-n kube-system daemonset cilium -o json');
  const status =
    ds === undefined
      ? undefined
      : (JSON.parse(ds) as { status?: { desiredNumberScheduled?: number; numberReady?: number } }).status;
  const cilium = status ? { desired: status.desiredNumberScheduled ?? 0, ready: status.numberReady ?? 0 } : null;
  // Both modes' pools are CiliumLoadBalancerIPPools; a mode switch removes the other one.
  const pools =
    (await get('ciliumloadbalancerippools.cilium.io -o name'))?.split('\n').map((l) => l.split('/').pop()) ?? [];
  const mode = (['l2', 'bgp'] as const).find((m) => pools.includes(poolName(plan, m))) ?? null;
  return { reachable: true, nodes, cilium, mode };
}

/** The pinned host key of an address in .lab/<name>/known_hosts ("address type key" lines). */
function pinnedKeys(plan: LabPlan): Map<string, string> {
  const file = labStateDir(plan.name, 'known_hosts');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return new Map(lines.map((l) => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')]));
}

/**
 * SSH to the first control plane through the router, as the run does, with the pinned host keys. The
 * router is the one pinned address outside the LAN (its WAN address). One attempt each: status never waits.
 */
export async function sshToFirstNode(plan: LabPlan): Promise<{ cp1: SshHost; close(): void } | { why: string }> {
  const keys = pinnedKeys(plan);
  const lan = parseCidr(plan.lan.cidr);
  const routerAddress = [...keys.keys()].find((a) => !contains(lan, parseIp(a)));
  const cp1Key = keys.get(plan.nodes[0]!.lanIp);
  if (!routerAddress || !cp1Key)
    return {
      why: `no pinned host keys in ${labStateDir(plan.name, 'known_hosts')}: the run has not reached the host-key step`,
    };
  const common = { username: plan.config.ssh.user, privateKeyPath: join(labStateDir(plan.name), 'ssh', 'id_ed25519') };
  try {
    const router = await connectSsh(
      { ...common, name: plan.router.name, address: routerAddress, hostKey: keys.get(routerAddress)! },
      5000,
    );
    try {
      const cp1 = await connectSsh(
        { ...common, name: plan.nodes[0]!.name, address: plan.nodes[0]!.lanIp, hostKey: cp1Key },
        5000,
        router,
      );
      return { cp1, close: () => (cp1.close(), router.close()) };
    } catch (err) {
      router.close();
      throw err;
    }
  } catch (err) {
    return { why: (err as Error).message };
  }
}

export async function proxmoxStatus(plan: LabPlan, api: ProxmoxApi): Promise<ProxmoxStatus> {
  const stacks = stackStatus(plan);
  const vms = await vmStatus(plan, api);
  const ssh = await sshToFirstNode(plan);
  if ('why' in ssh) return { stacks, vms, kubernetes: { reachable: false, why: ssh.why } };
  try {
    return { stacks, vms, kubernetes: await kubernetesStatus(plan, ssh.cp1) };
  } finally {
    ssh.close();
  }
}

/** What lab:status prints of it, a line per part (the JSON is the data itself). */
export function formatProxmoxStatus(s: ProxmoxStatus): string {
  const lines = [
    `stacks         ${s.stacks.map((st) => `${st.name} ${st.deployed ? `deployed (${st.resources} resources)` : 'not deployed'}`).join(', ')}`,
  ];
  s.vms.forEach((vm, i) => {
    const state =
      vm.state !== 'running'
        ? vm.state
        : `running, agent ${vm.agent ? 'answering' : 'not answering'}${vm.cloudInit === null ? '' : `, cloud-init ${vm.cloudInit ? 'done' : 'not done'}`}`;
    lines.push(`${i === 0 ? 'VMs' : ''}`.padEnd(15) + `${vm.name} (${vm.vmid} on ${vm.node}): ${state}`);
  });
  const k = s.kubernetes;
  if (!k.reachable) lines.push(`Kubernetes     not reachable: ${k.why}`);
  else {
    const notReady = k.nodes.filter((n) => !n.ready).map((n) => n.name);
    lines.push(
      `Kubernetes     ${k.nodes.length - notReady.length} of ${k.nodes.length} nodes Ready${notReady.length ? ` (not: ${notReady.join(', ')})` : ''}`,
    );
    lines.push(
      `Cilium         ${k.cilium ? `${k.cilium.ready} of ${k.cilium.desired} agents ready` : 'not installed'}; mode ${k.mode ?? 'none applied'}`,
    );
  }
  return lines.join('\n');
}
