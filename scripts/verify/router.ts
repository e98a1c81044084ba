// What the router knows: the neighbour entry of the service IP (L2), BGP sessions and the service
// route's nexthops (BGP). Read over the router's Host, whichever target it lives on.
import { type Host, run } from '../hosts/host.ts';
import { raw, sh } from '../../templates/shell.ts';

export interface RouterAccess {
  readonly host: Host;
  /** vtysh as this router runs it (the emulated router has its own vty socket folder). */
  readonly vtysh: string;
  readonly lanIface: string;
}

export interface ArpEntry {
  ip: string;
  mac: string;
  state: string;
}

/** The commands below, as text: the Proxmox dry run prints exactly what they run. */
export const arpCommand = (ip: string, lanIface: string) => sh`ip -j neigh show to ${ip} dev ${lanIface}`;
export const bgpSummaryCommand = (vtysh: string) => sh`${raw(vtysh)} -c ${'show bgp ipv4 unicast summary json'}`;
export const routeCommand = (ip: string) => sh`ip -j route show ${ip}`;

export async function arpEntry(router: RouterAccess, ip: string): Promise<ArpEntry | null> {
  const entries = JSON.parse((await run(router.host, arpCommand(ip, router.lanIface))) || '[]') as {
    dst: string;
    lladdr?: string;
    state?: string[];
  }[];
  const e = entries.find((x) => x.lladdr);
  return e ? { ip, mac: e.lladdr!.toLowerCase(), state: (e.state ?? []).join(',') } : null;
}

export interface BgpPeer {
  address: string;
  state: string;
}

export async function bgpPeers(router: RouterAccess): Promise<BgpPeer[]> {
  const out = await run(router.host, bgpSummaryCommand(router.vtysh));
  const peers = (JSON.parse(out || '{}').peers ?? {}) as Record<string, { state: string }>;
  return Object.entries(peers).map(([address, p]) => ({ address, state: p.state }));
}

/** Gateways of the kernel route to `ip`: one per node that advertises it, when ECMP works. */
export async function routeNexthops(router: RouterAccess, ip: string): Promise<string[]> {
  const routes = JSON.parse((await run(router.host, routeCommand(ip))) || '[]') as {
    gateway?: string;
    nexthops?: { gateway: string }[];
  }[];
  return routes.flatMap((r) => (r.nexthops ? r.nexthops.map((n) => n.gateway) : r.gateway ? [r.gateway] : [])).sort();
}
