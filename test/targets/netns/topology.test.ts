import { describe, expect, it } from 'vitest';
import { networkBatches, nodeSysctls } from '../../../scripts/targets/netns/network.ts';
import { namespaces, topology } from '../../../scripts/targets/netns/topology.ts';
import { mgmtSubnet } from '../../../scripts/hosts/netns.ts';
import { labPlan } from '../../helpers/labs.ts';

describe('topology', () => {
  const t = topology(labPlan({ name: 'labname8', kubernetes: { controlPlanes: 3, workers: 2 } }));

  it('should prefix every namespace and host-side link with the lab name', () => {
    expect(namespaces(t)).toEqual([
      'labname8-client',
      'labname8-cp1',
      'labname8-cp2',
      'labname8-cp3',
      'labname8-w1',
      'labname8-w2',
      'labname8-router',
      'labname8-lan',
    ]);
    expect(t.mgmt.iface).toBe('labname8-mgmt');
  });

  it('should keep every interface name within 15 characters for the longest lab name', () => {
    const b = networkBatches(t, labPlan({ name: 'labname8', kubernetes: { controlPlanes: 3, workers: 2 } }));
    const names = [...b.host, ...Object.values(b.namespaces).flat()].flatMap((l) =>
      [...l.matchAll(/(?:link add|peer name|dev|master) (\S+)/g)].map((m) => m[1]!),
    );
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(n.length, n).toBeLessThanOrEqual(15);
  });

  it('should give two labs different management subnets', () => {
    expect(mgmtSubnet('cilab')).not.toBe(mgmtSubnet('cilab2'));
    expect(topology(labPlan()).mgmt.hostIp).not.toBe(topology(labPlan({ name: 'other' })).mgmt.hostIp);
  });

  it('should use the static WAN of the config, the client standing at its gateway', () => {
    const s = topology(
      labPlan({ router: { wan: { mode: 'static', address: '192.168.1.42/24', gateway: '192.168.1.1' } } }),
    );
    expect([s.router.wanIp, s.router.wanPrefix, s.client.wanIp]).toEqual(['192.168.1.42', 24, '192.168.1.1']);
  });
});

describe('networkBatches', () => {
  const plan = labPlan();
  const t = topology(plan);
  const b = networkBatches(t, plan);

  it('should wire each node and the router to the LAN bridge and the router to the client', () => {
    expect(b.host).toContain('link add eth0 netns cilab-cp2 type veth peer name cp2 netns cilab-lan');
    expect(b.host).toContain('link add eth1 netns cilab-router type veth peer name router netns cilab-lan');
    expect(b.host).toContain('link add eth0 netns cilab-router type veth peer name eth0 netns cilab-client');
    expect(b.namespaces['cilab-lan']).toContain('link set cp2 master br0');
  });

  it('should address hosts from the plan and route the client to the LAN and the BGP pool through the router', () => {
    expect(b.namespaces['cilab-cp1']).toEqual([
      'link set lo up',
      'addr add 10.42.0.11/24 dev eth0',
      'link set eth0 up',
      'route add default via 10.42.0.1',
    ]);
    expect(b.namespaces['cilab-client']).toContain('route add 172.31.42.0/28 via 198.18.0.2');
    expect(b.namespaces['cilab-router']).toContain('addr add 10.42.0.1/24 dev eth1');
  });

  it('should keep nodes that do not hold the service IP silent', () => {
    expect(nodeSysctls(t)).toEqual({
      'net.ipv4.conf.all.arp_ignore': '1',
      'net.ipv4.conf.all.arp_announce': '2',
      'net.ipv4.conf.eth0.arp_ignore': '1',
      'net.ipv4.conf.eth0.arp_announce': '2',
    });
  });
});
