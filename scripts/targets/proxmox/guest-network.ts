// The VMs stack's `hosts` output, and how to read the guest agent's part of it. bpg/proxmox 0.111.1
// (proxmoxtf/resource/vm/network/network.go, ReadNetworkValues) fills mac_addresses, ipv4_addresses and
// network_interface_names with one entry per interface the agent reports, in the agent's order: `lo`
// (00:00:00:00:00:00, 127.0.0.1) first. Never index them: find the interface by the address it holds.
import { LabError } from '../../../lab/errors.ts';
import { contains, isIpv4, parseCidr, parseIp } from '../../../lab/ipv4.ts';
import type { LabPlan } from '../../../lab/plan.ts';
import type { HostOutput } from '../../../stacks/outputs.ts';

export interface GuestInterface {
  readonly name: string;
  /** Lowercase, as the kernel's neighbour table shows it. */
  readonly mac: string;
  readonly ipv4: readonly string[];
}

/** The agent's interfaces of a host, the three parallel lists zipped. */
export function guestInterfaces(h: HostOutput): GuestInterface[] {
  return (h.ipv4_addresses ?? []).map((ipv4, i) => ({
    name: h.network_interface_names?.[i] ?? `#${i}`,
    mac: (h.mac_addresses[i] ?? '').toLowerCase(),
    ipv4: ipv4 ?? [],
  }));
}

/** The interface whose addresses hold `ip`, if the agent reported it. */
export function interfaceHolding(h: HostOutput, ip: string): GuestInterface | undefined {
  return guestInterfaces(h).find((i) => i.ipv4.includes(ip));
}

/**
 * One interface as qemu-ga's guest-network-get-interfaces reports it (qemu qga/qapi-schema.json,
 * GuestNetworkInterface); Proxmox passes the list through as `{result: [...]}` (qemu-server
 * src/PVE/API2/Qemu/Agent.pm, GET …/agent/network-get-interfaces).
 */
export interface AgentInterface {
  readonly name: string;
  readonly 'hardware-address'?: string;
  readonly 'ip-addresses'?: readonly { readonly 'ip-address': string; readonly 'ip-address-type': string }[];
}

/** The agent's own answer in the shape the provider's lists give. */
export function agentGuestInterfaces(result: readonly AgentInterface[]): GuestInterface[] {
  return result.map((i) => ({
    name: i.name,
    mac: (i['hardware-address'] ?? '').toLowerCase(),
    ipv4: (i['ip-addresses'] ?? []).filter((a) => a['ip-address-type'] === 'ipv4').map((a) => a['ip-address']),
  }));
}

/**
 * The router's address as seen from here: the static WAN address, else the address outside the LAN and
 * loopback that its guest agent reports — as the hostkeys step read it (`agent`), else as the deploy's
 * outputs hold it. The outputs lack it when the agent answered after the provider stopped waiting.
 */
export function routerAddress(plan: LabPlan, hosts: HostOutput[], agent?: readonly GuestInterface[]): string {
  const wan = plan.config.router.wan;
  if (wan.mode === 'static') return wan.address.split('/')[0]!;
  const lan = parseCidr(plan.lan.cidr);
  const router = hosts.find((h) => h.name === plan.router.name);
  const outside = (ifaces: readonly GuestInterface[]) =>
    ifaces.flatMap((i) => i.ipv4).find((a) => isIpv4(a) && !a.startsWith('127.') && !contains(lan, parseIp(a)));
  const ip = outside(agent ?? []) ?? outside(router ? guestInterfaces(router) : []);
  if (!ip)
    throw new LabError(
      'E_OUTPUTS',
      `the router reports no WAN address (deploy outputs: ${JSON.stringify(router?.ipv4_addresses ?? [])}; guest agent: ${agent ? JSON.stringify(agent.map((i) => i.ipv4)) : 'not asked yet'})`,
      'check that the uplink bridge has DHCP, or set router.wan to static',
    );
  return ip;
}

/**
 * The Kubernetes nodes by the MAC of their LAN NIC, as the router's neighbour table shows them. The
 * MACs are the plan's (the stack sets them), so this needs no agent; where the agent did report the
 * interface holding the node's LAN address, its MAC must be the planned one.
 */
export function nodeMacs(plan: LabPlan, hosts: HostOutput[]): Record<string, string> {
  return Object.fromEntries(
    plan.nodes.map((n) => {
      const planned = n.lanMac.toLowerCase();
      const out = hosts.find((h) => h.name === n.name);
      const seen = out && interfaceHolding(out, n.lanIp);
      if (seen && seen.mac !== planned) {
        throw new LabError(
          'E_MAC',
          `${n.name} holds ${n.lanIp} on ${seen.name} with MAC ${seen.mac}, not the planned ${planned}`,
          'the VM predates planned MACs or was changed by hand: npm run lab:teardown, then run again',
        );
      }
      return [planned, n.name];
    }),
  );
}
