// The emulated lab's names and addresses, derived from the plan: namespaces for the router, the nodes and
// a client standing for the outside world, a namespace holding the LAN bridge, a management link from
// this machine to the router. Inside, interface names match the VMs' (router eth0 WAN / eth1 LAN,
// node eth0), so the rendered router files apply unchanged.
import { formatIp } from '../../../lab/ipv4.ts';
import { mgmtSubnet, RUN_ROOT } from '../../hosts/netns.ts';
import type { LabHost, LabPlan } from '../../../lab/plan.ts';
import { ROUTER_LAN, ROUTER_WAN } from '../../../templates/router.ts';

export interface NetnsNode {
  readonly name: string;
  readonly namespace: string;
  /** Port of the LAN bridge that leads to this host. */
  readonly bridgePort: string;
  readonly lanIp: string;
}

export interface Topology {
  readonly lab: string;
  /** Runtime files (pid files, FRR sockets): /run/proxmox-cilium-lab/<lab>. */
  readonly runDir: string;
  readonly lanNamespace: string;
  readonly bridge: string;
  readonly router: NetnsNode & { readonly wanIp: string; readonly wanPrefix: number; readonly mgmtIp: string };
  readonly client: { readonly name: string; readonly namespace: string; readonly wanIp: string };
  readonly nodes: readonly NetnsNode[];
  /** Host side of the management link, in this machine's namespace. */
  readonly mgmt: { readonly iface: string; readonly hostIp: string; readonly prefix: number };
  readonly lanPrefix: number;
  readonly lanCidr: string;
  readonly wanIface: string;
  readonly lanIface: string;
  readonly nodeIface: string;
  /** The stand-in lease API (Kubernetes' Lease objects) on the router's LAN address. */
  readonly leasePort: number;
}

export function topology(plan: LabPlan): Topology {
  const lab = plan.name;
  const node = (h: LabHost, port: string): NetnsNode => ({
    name: h.name,
    namespace: h.name,
    bridgePort: port,
    lanIp: h.lanIp,
  });
  const wan = plan.config.router.wan;
  const [wanIp, wanPrefix] =
    wan.mode === 'static' ? [wan.address.split('/')[0]!, Number(wan.address.split('/')[1])] : ['198.18.0.2', 24];
  const mgmt = mgmtSubnet(lab);
  return {
    lab,
    runDir: `${RUN_ROOT}/${lab}`,
    lanNamespace: `${lab}-lan`,
    bridge: 'br0',
    router: { ...node(plan.router, 'router'), wanIp, wanPrefix, mgmtIp: formatIp(mgmt + 2) },
    client: {
      name: `${lab}-client`,
      namespace: `${lab}-client`,
      wanIp: wan.mode === 'static' ? wan.gateway : '198.18.0.1',
    },
    nodes: plan.nodes.map((h) => node(h, h.name.slice(lab.length + 1))),
    mgmt: { iface: `${lab}-mgmt`, hostIp: formatIp(mgmt + 1), prefix: 30 },
    lanPrefix: plan.lan.prefix,
    lanCidr: plan.lan.cidr,
    wanIface: ROUTER_WAN,
    lanIface: ROUTER_LAN,
    nodeIface: plan.config.l2.interface,
    leasePort: 6443,
  };
}

/** Every namespace of the lab, in teardown order. */
export function namespaces(topo: Topology): string[] {
  return [topo.client.namespace, ...topo.nodes.map((n) => n.namespace), topo.router.namespace, topo.lanNamespace];
}
