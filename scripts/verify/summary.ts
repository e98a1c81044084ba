// The end of a lab run: a summary for people, or the one JSON document for programs.
import type { Verdict } from './verdict.ts';
import { formatMs } from '../lib/log.ts';

/** Says which node a row counts: the entry (where the router sent the request) or the backend pod's node. */
function requestsHeading(r: Verdict): string {
  if (r.traffic.counts === 'entry')
    return 'requests by entry node, the node the router sent each to (a new connection each):';
  const entry = r.entryNode ? `; all entered through ${r.entryNode}, the node whose MAC the router holds` : '';
  return `requests by backend node, the node of the pod that answered (externalTrafficPolicy Cluster${entry}):`;
}

export function formatSummary(r: Verdict, standIns: string | undefined): string {
  const lines = [`lab ${r.lab} · ${r.mode} mode · target ${r.target} · service ${r.service.ip}:${r.service.port}`, ''];
  if (r.router.arp)
    lines.push(
      `router ARP   ${r.router.arp.ip} → ${r.router.arp.mac} (${r.router.arp.node ?? 'unknown'}): one node answers for the service`,
    );
  if (r.mode === 'l2' && !r.router.arp) lines.push('router ARP   no entry');
  if (r.router.bgp) {
    lines.push(`BGP peers    ${r.router.bgp.peers.map((p) => `${p.address} ${p.state}`).join(', ')}`);
    lines.push(
      `route        ${r.service.ip} via ${r.router.bgp.nexthops.join(', ')} (${r.router.bgp.nexthops.length} equal-cost paths)`,
    );
  }
  lines.push('', requestsHeading(r));
  const sources = Object.keys(r.trafficBySource);
  const nodes = [...new Set(sources.flatMap((s) => Object.keys(r.trafficBySource[s]!.byNode)))].sort();
  const head = ['node', ...sources.map((s) => `from ${s}`)];
  const rows = [
    ...nodes.map((n) => [n, ...sources.map((s) => String(r.trafficBySource[s]!.byNode[n] ?? 0))]),
    ['failed', ...sources.map((s) => String(r.trafficBySource[s]!.failed))],
  ];
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((row) => row[i]!.length)));
  for (const row of [head, ...rows])
    lines.push(`  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ')}`);
  if (r.failover) {
    lines.push(
      '',
      `failover     ${r.failover.from} went away: outage ${formatMs(r.failover.outageMs)} (${r.failover.failedProbes} of ${r.failover.probes} probes failed), now served by ${r.failover.to ?? 'nobody'}`,
    );
  }
  lines.push(
    '',
    `timings      ${Object.entries(r.timings)
      .map(([k, v]) => `${k} ${formatMs(v)}`)
      .join(', ')}`,
  );
  if (standIns) lines.push('', standIns);
  lines.push('', r.verified ? '✓ verified' : `✗ not verified:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
  return lines.join('\n');
}
