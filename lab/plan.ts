// The address plan: every name, address, MAC and VM ID, derived once from the validated config.
import { createHash } from 'node:crypto';
import { durationMs } from './duration.ts';
import { cidrHost, formatIp, parseCidr } from './ipv4.ts';
import type { LabConfig } from './schema.ts';
import { ecmpPaths, nodeCount } from './validate.ts';

export type Role = 'router' | 'control-plane' | 'worker';

/** How the lab exposes LoadBalancer services: ARP from one elected node, or BGP from every node. */
export type Mode = 'l2' | 'bgp';
export const MODES: readonly Mode[] = ['l2', 'bgp'];
/** Where a lab runs: the emulated lab in network namespaces, or VMs on Proxmox VE (scripts/targets/<kind>). */
export const TARGETS = ['netns', 'proxmox'] as const;
export type TargetKind = (typeof TARGETS)[number];

export interface LabHost {
  readonly name: string;
  readonly role: Role;
  readonly vmId: number;
  readonly proxmoxNode: string;
  /** LAN address without prefix. */
  readonly lanIp: string;
  /** MAC of the NIC on the lab LAN (see `labMac`): the MAC the router learns for this host by ARP. */
  readonly lanMac: string;
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
}

export interface ServicePool {
  readonly cidr: string;
  /** The address the demo service asks for (`lbipam.cilium.io/ips`). */
  readonly serviceIp: string;
}

export interface LabPlan {
  readonly name: string;
  readonly config: LabConfig;
  readonly tags: readonly string[];
  /** CDKTF stacks: the slow, reusable bridge and image; the VMs. */
  readonly stacks: { readonly base: string; readonly vms: string };
  /** The lab bridge's comment marks it as this lab's: the preflight refuses a bridge without it. */
  readonly lan: {
    readonly bridge: string;
    readonly cidr: string;
    readonly prefix: number;
    readonly gateway: string;
    readonly comment: string;
  };
  readonly router: LabHost & { /** MAC of its NIC on the uplink bridge (your network). */ readonly wanMac: string };
  /** Kubernetes nodes: control planes first, then workers. */
  readonly nodes: readonly LabHost[];
  /** The API server that nodes join and Cilium's kube-proxy replacement talks to: the first control plane. */
  readonly apiServer: string;
  readonly l2: ServicePool & {
    readonly leaseMs: { readonly duration: number; readonly renewDeadline: number; readonly retryPeriod: number };
  };
  /** `maximumPaths`: equal-cost paths the router installs; nodes beyond them peer but get no traffic. */
  readonly bgp: ServicePool & { readonly maximumPaths: number };
}

/** Every lab host, the router first and then the nodes: the order of VM IDs, MACs and the stack's outputs. */
export function allHosts(plan: Pick<LabPlan, 'router' | 'nodes'>): LabHost[] {
  return [plan.router, ...plan.nodes];
}

/** Proxmox nodes that host at least one VM, in plan order. */
export function usedProxmoxNodes(plan: Pick<LabPlan, 'router' | 'nodes'>): string[] {
  return [...new Set(allHosts(plan).map((h) => h.proxmoxNode))];
}

export function poolServiceIp(pool: string): string {
  const cidr = parseCidr(pool);
  return formatIp(cidrHost(cidr, cidr.prefix >= 31 ? 0 : 1));
}

/**
 * The MAC of NIC `nic` (net0, net1…) of host `index` (router 0, then the nodes) of lab `name`:
 * `02` (locally administered, unicast: never a vendor's address), three bytes of the lab name's
 * SHA-256 (labs on one uplink differ), host index, NIC index. Set on the VM by the stack, so the
 * toolkit knows every MAC before any VM boots; uppercase, as Proxmox writes the ones it generates.
 */
export function labMac(name: string, index: number, nic: number): string {
  const bytes = [0x02, ...createHash('sha256').update(name).digest().subarray(0, 3), index, nic];
  return bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

export function planLab(config: LabConfig): LabPlan {
  const lan = parseCidr(config.network.cidr);
  const pveNodes = config.proxmox.nodes;
  // `lanNic`: the router's LAN NIC is net1 (net0 is the WAN), a node's is net0.
  const host = (
    index: number,
    name: string,
    role: Role,
    ip: number,
    size: LabConfig['sizes']['node'],
    lanNic: number,
  ): LabHost => ({
    name: `${config.name}-${name}`,
    role,
    vmId: config.proxmox.vmIdBase + index,
    proxmoxNode: pveNodes[index % pveNodes.length]!,
    lanIp: formatIp(ip),
    lanMac: labMac(config.name, index, lanNic),
    ...size,
  });
  const router = {
    ...host(0, 'router', 'router', cidrHost(lan, config.network.routerHost), config.sizes.router, 1),
    wanMac: labMac(config.name, 0, 0),
  };
  const nodes = Array.from({ length: nodeCount(config) }, (_, i) => {
    const cp = i < config.kubernetes.controlPlanes;
    const label = cp ? `cp${i + 1}` : `w${i + 1 - config.kubernetes.controlPlanes}`;
    return host(
      i + 1,
      label,
      cp ? 'control-plane' : 'worker',
      cidrHost(lan, config.network.firstNodeHost + i),
      config.sizes.node,
      0,
    );
  });
  const lease = config.l2.lease;
  return {
    name: config.name,
    config,
    tags: ['cilium-lab', `lab-${config.name}`],
    stacks: { base: `${config.name}-base`, vms: `${config.name}-vms` },
    lan: {
      bridge: config.network.bridge,
      cidr: config.network.cidr,
      prefix: lan.prefix,
      gateway: router.lanIp,
      comment: `${config.name} lab LAN ${config.network.cidr} (proxmox-cilium-lab)`,
    },
    router,
    nodes,
    apiServer: nodes[0]!.lanIp,
    l2: {
      cidr: config.l2.pool,
      serviceIp: poolServiceIp(config.l2.pool),
      leaseMs: {
        duration: durationMs(lease.duration),
        renewDeadline: durationMs(lease.renewDeadline),
        retryPeriod: durationMs(lease.retryPeriod),
      },
    },
    bgp: { cidr: config.bgp.pool, serviceIp: poolServiceIp(config.bgp.pool), maximumPaths: ecmpPaths(config) },
  };
}
