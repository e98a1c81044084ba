// What lab:status prints: one line per part of the lab, for people (the JSON is the data itself).
import type { LastVerification } from './last-verification.ts';
import { formatMs } from './log.ts';
import type { NetnsStatus } from './targets/netns/status.ts';
import type { ProxmoxStatus } from './targets/proxmox/status.ts';

export function formatLastVerification(v: LastVerification | null): string {
  if (!v) return 'last verified  never';
  const failover = v.failover
    ? `; failover of ${v.failover.from}: outage ${formatMs(v.failover.outageMs)}, now ${v.failover.to ?? 'nobody'}`
    : '';
  return `last verified  ${v.at} (${v.mode}, ${v.target}): ${v.verified ? '✓ verified' : `✗ not verified: ${v.problems.join('; ')}`}${failover}`;
}

export function formatNetnsStatus(s: NetnsStatus): string {
  const present = s.namespaces.filter((n) => n.present);
  const alive = s.daemons.filter((d) => d.alive);
  return [
    `namespaces     ${present.length} of ${s.namespaces.length} present${present.length ? `: ${present.map((n) => n.name).join(', ')}` : ''}`,
    `daemons        ${alive.length} of ${s.daemons.length} alive${s.daemons
      .filter((d) => !d.alive)
      .map((d) => `\n               ✗ ${d.what} (pid ${d.pid}) is gone`)
      .join('')}`,
  ].join('\n');
}

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
