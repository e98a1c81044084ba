// What the lab router runs, as files: kernel settings and NAT. The same text goes to the Proxmox router VM
// (through cloud-init) and to the emulated router namespace.
import type { LabPlan } from '../lab/plan.ts';

/** Router interfaces: Proxmox's cloud-init names net0 eth0 and net1 eth1. */
export const ROUTER_WAN = 'eth0';
export const ROUTER_LAN = 'eth1';

export function routerSysctls(lan = ROUTER_LAN): Record<string, string> {
  return {
    'net.ipv4.ip_forward': '1',
    // Hash on ports too: without it every flow of one client lands on the same ECMP path.
    'net.ipv4.fib_multipath_hash_policy': '1',
    // Let gratuitous ARP from a new L2 holder create the neighbour entry, not just update one.
    [`net.ipv4.conf.${lan}.arp_accept`]: '1',
    // And let it replace one that changed in the last second. A takeover's ARP is a reply to broadcast
    // (cilium pkg/datapath/gneigh/gneigh.go SendArp), which Linux does not count as gratuitous
    // (net/ipv4/arp.c arp_is_garp: a reply needs tha == sha), so it overrides only an entry older than
    // locktime (1 s by default); the router's own traffic confirming the old holder keeps it younger.
    [`net.ipv4.neigh.${lan}.locktime`]: '0',
  };
}

export function sysctlConf(sysctls: Record<string, string>): string {
  return `# proxmox-cilium-lab router\n${Object.entries(sysctls)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
}

/** nftables: masquerade the lab LAN (and the BGP service pool's replies) out of the WAN. */
export function natRules(plan: LabPlan, wan = ROUTER_WAN): string {
  return [
    '#!/usr/sbin/nft -f',
    `table ip ${plan.name}_nat`,
    `delete table ip ${plan.name}_nat`,
    `table ip ${plan.name}_nat {`,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${plan.lan.cidr} oifname "${wan}" masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}
