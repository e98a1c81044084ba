// The datapath half of Cilium's L2 announcements, rendered as nftables: the kernel answers ARP for a
// service IP from the interface's own MAC, before the IP stack sees the request, on the policy's
// interfaces only, and only while the agent is alive. No address is put on the interface (so nothing
// answers ping, and no other interface answers ARP for it), as Cilium's BPF does:
//  - cilium/cilium bpf/lib/l2_responder.h handle_l2_announcement(): (target IP, ingress ifindex) looked
//    up in cilium_l2_responder_v4; no answer when the agent's liveness stamp is older than
//    l2_announcements_max_liveness, which pkg/datapath/loader sets to the lease duration;
//  - bpf/lib/arp.h arp_check()/arp_prepare_response(): requests to broadcast or the interface's MAC only;
//    the reply rewrites the request in place (sender = interface MAC + target IP, target = requester) and
//    leaves by the interface it came in on.
// Here: a netdev-family ingress chain per interface (the hook beside tc ingress); the responder map is
// one set per interface; the liveness stamp is an element with a timeout of the lease duration that the
// agent refreshes every second (Cilium's agent-liveness-update-interval, 1 s).
export const TABLE = 'cilium_l2';

export interface ResponderIface {
  readonly name: string;
  readonly mac: string;
}

export const responderSet = (iface: string) => `resp_${iface.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** The table, created (or left as it is) when the agent starts: BPF programs outlive the agent too. */
export function responderTable(ifaces: readonly ResponderIface[]): string {
  return [
    `add table netdev ${TABLE}`,
    `add set netdev ${TABLE} live { type ifname; flags timeout; }`,
    ...ifaces.flatMap((i) => [
      `add set netdev ${TABLE} ${responderSet(i.name)} { type ipv4_addr; }`,
      `add chain netdev ${TABLE} ${responderSet(i.name)} { type filter hook ingress device "${i.name}" priority filter; policy accept; }`,
      `flush chain netdev ${TABLE} ${responderSet(i.name)}`,
      [
        `add rule netdev ${TABLE} ${responderSet(i.name)}`,
        // arp_check(): an Ethernet/IPv4 ARP request, to broadcast or to this interface.
        `arp htype 1 arp ptype ip arp hlen 6 arp plen 4 arp operation request ether daddr { ff:ff:ff:ff:ff:ff, ${i.mac} }`,
        // The liveness gate, then the responder map lookup on (target IP, this interface).
        `iifname @live arp daddr ip @${responderSet(i.name)}`,
        // arp_prepare_response(): the request's sender IP parks in the (unused) target MAC field while
        // the addresses swap; then the target MAC becomes the requester's.
        '@nh,144,32 set @nh,112,32 arp saddr ip set arp daddr ip arp daddr ip set @nh,144,32',
        `arp daddr ether set ether saddr ether daddr set ether saddr ether saddr set ${i.mac} arp saddr ether set ${i.mac} arp operation set reply`,
        `fwd to "${i.name}"`,
      ].join(' '),
    ]),
  ].join('\n');
}

/** Full reconciliation at agent start: the desired set is empty until a lease is held, so stale entries go. */
export function flushEntries(ifaces: readonly ResponderIface[]): string {
  return ifaces.map((i) => `flush set netdev ${TABLE} ${responderSet(i.name)}`).join('\n');
}

export function addEntry(iface: string, ip: string): string {
  return `add element netdev ${TABLE} ${responderSet(iface)} { ${ip} }`;
}

export function deleteEntry(iface: string, ip: string): string {
  return `delete element netdev ${TABLE} ${responderSet(iface)} { ${ip} }`;
}

/** The liveness stamp: valid for the lease duration from now (flush + add in one transaction). */
export function stampLiveness(ifaces: readonly ResponderIface[], maxLivenessMs: number): string {
  return [
    `flush set netdev ${TABLE} live`,
    `add element netdev ${TABLE} live { ${ifaces.map((i) => `"${i.name}" timeout ${Math.max(1, Math.round(maxLivenessMs))}ms`).join(', ')} }`,
  ].join('\n');
}

/** Cilium does not answer ICMP echo for a LoadBalancer IP (no echo reply in bpf/lib/lb.h; the opt-in,
 *  cilium/cilium PR #47130, is not merged). The stand-in node holds the IP on lo to serve TCP, so the
 *  kernel's echo reply is dropped here. */
export function noEchoTable(ips: readonly string[]): string {
  return [
    'add table inet cilium_lb',
    'add chain inet cilium_lb input { type filter hook input priority filter; policy accept; }',
    'flush chain inet cilium_lb input',
    `add rule inet cilium_lb input ip daddr { ${ips.join(', ')} } icmp type echo-request drop`,
  ].join('\n');
}
