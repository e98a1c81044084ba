// FRR configuration of the lab router. L2 mode needs no routing protocol at all (what the lab shows:
// the router only learns MACs by ARP); BGP mode peers with every node and installs equal-cost paths.
import type { LabPlan, Mode } from '../lab/plan.ts';

export const PEER_GROUP = 'CILIUM';

export interface RouterSecrets {
  /** TCP-MD5 password, read from the variable named by bgp.passwordEnv. */
  readonly bgpPassword?: string;
}

export function frrConf(plan: LabPlan, mode: Mode, secrets: RouterSecrets = {}): string {
  const head = [
    'frr defaults traditional',
    `hostname ${plan.router.name}`,
    'log syslog informational',
    'service integrated-vtysh-config',
    '!',
  ];
  if (mode === 'l2')
    return [...head, '! L2 mode: no routing protocol; the elected node answers ARP on the LAN.', 'end', ''].join('\n');
  const { routerAsn, nodeAsn, timers, passwordEnv } = plan.config.bgp;
  if (passwordEnv && !secrets.bgpPassword)
    throw new Error(`bgp.passwordEnv names ${passwordEnv}, but no password was given to the renderer`);
  return [
    ...head,
    // Accept only the service pool from the nodes, host routes included.
    `ip prefix-list ${PEER_GROUP}-LB seq 10 permit ${plan.bgp.cidr} le 32`,
    '!',
    `router bgp ${routerAsn}`,
    ` bgp router-id ${plan.router.lanIp}`,
    // FRR 8 drops eBGP routes without a policy unless told otherwise.
    ' no bgp ebgp-requires-policy',
    ' bgp bestpath as-path multipath-relax',
    ` neighbor ${PEER_GROUP} peer-group`,
    ` neighbor ${PEER_GROUP} remote-as ${nodeAsn}`,
    ` neighbor ${PEER_GROUP} timers ${timers.keepalive} ${timers.hold}`,
    ` neighbor ${PEER_GROUP} timers connect ${timers.connectRetry}`,
    ...(secrets.bgpPassword ? [` neighbor ${PEER_GROUP} password ${secrets.bgpPassword}`] : []),
    ...plan.nodes.map((n) => ` neighbor ${n.lanIp} peer-group ${PEER_GROUP}`),
    ' !',
    ' address-family ipv4 unicast',
    // One path per node (at least 2, as FRR's default is 1), up to bgp.maximumPaths and FRR's ceiling.
    `  maximum-paths ${Math.max(plan.bgp.maximumPaths, 2)}`,
    `  neighbor ${PEER_GROUP} prefix-list ${PEER_GROUP}-LB in`,
    ' exit-address-family',
    'exit',
    '!',
    'end',
    '',
  ].join('\n');
}

/**
 * bgpd gets its part of frr.conf from `vtysh -b -d bgpd`, which watchfrr runs once it has started bgpd
 * (frr 8.4 tools/frrcommon.sh daemon_start → vtysh_b); that can miss a bgpd still starting, and then
 * bgpd runs with no `router bgp` at all. Seen on a Debian 12 router VM (TCG): sessions never came up.
 * So after a restart into BGP: wait for the config, load it again once if it is still missing, and
 * fail the step, saying so, if it never arrives.
 */
const BGP_CONFIG_LOADED = `sh -c 'for i in $(seq 60); do vtysh -c "show running-config" 2>/dev/null | grep -q "^router bgp " && exit 0; if [ "$i" -eq 15 ]; then echo "bgpd has no router bgp 15 s after the restart: vtysh -b" >&2; vtysh -b; fi; sleep 1; done; echo "bgpd has not loaded /etc/frr/frr.conf 60 s after the restart" >&2; exit 1'`;

/** FRR restarted under systemd, and in BGP mode back with bgpd's config (the router step, lab:compare's router restart). */
export function frrRestartCommands(mode: Mode): string[] {
  return ['systemctl restart frr', ...(mode === 'bgp' ? [BGP_CONFIG_LOADED] : [])];
}

/** Shell that turns on bgpd (Debian ships it off) and applies /etc/frr/frr.conf. */
export function frrApplyCommands(mode: Mode): string[] {
  return [`sed -i 's/^bgpd=.*/bgpd=${mode === 'bgp' ? 'yes' : 'no'}/' /etc/frr/daemons`, ...frrRestartCommands(mode)];
}
