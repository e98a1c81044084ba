// Defect 1 of issue 8: the provider lists every interface the guest agent reports, `lo` first, so the
// first MAC of a node is 00:00:00:00:00:00. The agent answers and the provider's lists here are built
// in their upstream shapes (test/helpers/pve.ts names the files).
import { describe, expect, it } from 'vitest';
import { labMac } from '../../../lab/plan.ts';
import type { Host } from '../../../scripts/hosts/host.ts';
import {
  agentGuestInterfaces,
  guestInterfaces,
  interfaceHolding,
  nodeMacs,
  routerAddress,
} from '../../../scripts/targets/proxmox/guest-network.ts';
import { failoverVictim } from '../../../scripts/verify/failover.ts';
import { labPlan } from '../../helpers/labs.ts';
import { agentInterfaces, hostOutputs } from '../../helpers/pve.ts';
import { proxmoxTimings } from '../../../scripts/targets/proxmox/timings.ts';

const plan = labPlan();

describe('the planned MACs', () => {
  const macs = [plan.router.wanMac, plan.router.lanMac, ...plan.nodes.map((n) => n.lanMac)];

  it('should be unicast and locally administered, as Proxmox accepts them (pve-common src/PVE/JSONSchema.pm, pve_verify_mac_addr)', () => {
    for (const mac of macs) {
      expect(mac).toMatch(/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i);
      expect(parseInt(mac.slice(0, 2), 16) & 0b10).toBe(0b10);
    }
  });

  it('should differ per NIC, per host and per lab, and stay the same for the same lab', () => {
    expect(new Set(macs).size).toBe(macs.length);
    expect(labPlan({ name: 'other' }).nodes[0]!.lanMac).not.toBe(plan.nodes[0]!.lanMac);
    expect(labPlan().nodes.map((n) => n.lanMac)).toEqual(plan.nodes.map((n) => n.lanMac));
    expect(plan.nodes[1]!.lanMac).toBe(labMac('cilab', 2, 0));
  });
});

describe('reading the guest agent through the provider outputs', () => {
  const outputs = hostOutputs(plan);
  const cp2 = outputs.find((h) => h.name === 'cilab-cp2')!;

  it('should find lo first, as the agent reports it', () => {
    expect(cp2.mac_addresses[0]).toBe('00:00:00:00:00:00');
    expect(guestInterfaces(cp2).map((i) => i.name)).toEqual(['lo', 'eth0']);
  });

  it('should pick the interface that holds the LAN address', () => {
    expect(interfaceHolding(cp2, '10.42.0.12')).toEqual({
      name: 'eth0',
      mac: plan.nodes[1]!.lanMac.toLowerCase(),
      ipv4: ['10.42.0.12'],
    });
    expect(interfaceHolding(cp2, '10.42.0.99')).toBeUndefined();
  });

  it('should know every node by its LAN MAC, never by the loopback', () => {
    const macs = nodeMacs(plan, outputs);
    expect(Object.values(macs)).toEqual(['cilab-cp1', 'cilab-cp2', 'cilab-cp3']);
    expect(macs['00:00:00:00:00:00']).toBeUndefined();
    expect(macs[plan.nodes[2]!.lanMac.toLowerCase()]).toBe('cilab-cp3');
  });

  it('should need no agent: a VM whose agent did not answer has empty lists', () => {
    const silent = hostOutputs(plan, (name) => (name === 'cilab-cp1' ? [] : agentInterfaces(plan, name)));
    expect(nodeMacs(plan, silent)).toEqual(nodeMacs(plan, outputs));
  });

  it('should refuse a node whose LAN interface has another MAC than the planned one', () => {
    const stale = hostOutputs(plan, (name) =>
      agentInterfaces(plan, name).map((i) =>
        name === 'cilab-cp1' && i.name === 'eth0' ? { ...i, 'hardware-address': 'bc:24:11:12:34:56' } : i,
      ),
    );
    expect(() => nodeMacs(plan, stale)).toThrow(
      `cilab-cp1 holds 10.42.0.11 on eth0 with MAC bc:24:11:12:34:56, not the planned ${plan.nodes[0]!.lanMac.toLowerCase()}`,
    );
  });

  it('should name the L2 holder from the MAC in the router neighbour table', async () => {
    // `ip -j neigh show to IP dev eth1` as iproute2 prints it (iproute2 ip/ipneigh.c, print_neigh).
    const neigh = JSON.stringify([
      { dst: plan.l2.serviceIp, lladdr: plan.nodes[1]!.lanMac.toLowerCase(), state: ['REACHABLE'] },
    ]);
    const router: Host = { name: 'cilab-router', exec: async () => ({ stdout: neigh, stderr: '', code: 0 }) };
    const target = {
      kind: 'proxmox' as const,
      timings: proxmoxTimings(plan),
      router: { host: router, vtysh: 'sudo vtysh', lanIface: 'eth1' },
      nodeMacs: nodeMacs(plan, outputs),
    };
    expect(await failoverVictim(target, plan, 'l2', plan.l2.serviceIp)).toBe('cilab-cp2');
  });
});

describe('routerAddress', () => {
  it('should take the DHCP address the agent reports outside the LAN and loopback', () => {
    expect(routerAddress(plan, hostOutputs(plan))).toBe('192.168.1.57');
  });

  it('should use the static WAN address, and explain a missing one', () => {
    expect(
      routerAddress(
        labPlan({ router: { wan: { mode: 'static', address: '192.168.1.42/24', gateway: '192.168.1.1' } } }),
        [],
      ),
    ).toBe('192.168.1.42');
    const noDhcp = hostOutputs(plan, (name) =>
      agentInterfaces(plan, name).map((i) =>
        i.name === 'eth0' && name === 'cilab-router'
          ? { ...i, 'ip-addresses': i['ip-addresses'].filter((a) => a['ip-address-type'] === 'ipv6') }
          : i,
      ),
    );
    expect(() => routerAddress(plan, noDhcp)).toThrow(
      /the router reports no WAN address \(deploy outputs: .*; guest agent: not asked yet\)/,
    );
  });

  // Issue 18, defect 7: the router's agent answered after the provider's wait, so the deploy's outputs
  // hold nothing for it; the hostkeys step asks the agent itself (GET …/agent/network-get-interfaces).
  it('should take the WAN address the agent reports when the outputs predate the agent', () => {
    const late = hostOutputs(plan, (name) => (name === 'cilab-router' ? [] : agentInterfaces(plan, name)));
    expect(() => routerAddress(plan, late)).toThrow(/no WAN address/);
    const agent = agentGuestInterfaces(agentInterfaces(plan, 'cilab-router', '192.168.1.80'));
    expect(agent.map((i) => i.name)).toEqual(['lo', 'eth0', 'eth1']);
    expect(routerAddress(plan, late, agent)).toBe('192.168.1.80');
    // The agent's answer now comes first: a lease renewed to a new address since the deploy.
    expect(routerAddress(plan, hostOutputs(plan), agent)).toBe('192.168.1.80');
  });
});
