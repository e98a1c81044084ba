// HTTP to the service from any host, a new connection each time; replies counted by the node they name.
import { type NodeCount, parseEcho } from '../../templates/demo.ts';
import type { Host } from '../hosts/host.ts';
import { quote } from '../../templates/shell.ts';
import { REQUEST_TIMEOUT_S } from './bounds.ts';

export interface Traffic {
  requests: number;
  failed: number;
  byNode: Record<string, number>;
  /** What byNode counts: the node each request entered through, or the node of the pod that answered. */
  counts: NodeCount;
  /** Set when the probe stopped early: the service had not answered for this long. */
  gaveUpMs?: number;
}

/**
 * POSIX shell: one line per request, "ok <reply>" or "fail"; each request bounded by curl's --max-time.
 * Once failures have lasted `giveUpMs` in a row it prints "gaveup <ms>" and stops: past the lab's own
 * healing time, more requests would only delay the verdict.
 */
export function probeLoop(ip: string, port: number, count: number, giveUpMs: number): string {
  const now = 'date +%s%3N';
  return [
    `i=0; since=0; while [ $i -lt ${count} ]; do`,
    `if r=$(curl -s --max-time ${REQUEST_TIMEOUT_S} ${quote(`http://${ip}:${port}/`)}); then echo "ok $r"; since=0;`,
    `else echo fail; t=$(${now}); [ $since = 0 ] && since=$t; if [ $((t - since)) -ge ${giveUpMs} ]; then echo "gaveup $((t - since))"; break; fi; fi;`,
    'i=$((i+1)); done',
  ].join(' ');
}

export function countReplies(stdout: string, counts: NodeCount): Traffic {
  const lines = stdout.split('\n').filter(Boolean);
  const byNode: Record<string, number> = {};
  let failed = 0;
  let requests = 0;
  let gaveUpMs: number | undefined;
  for (const line of lines) {
    const gaveUp = /^gaveup (\d+)$/.exec(line);
    if (gaveUp) {
      gaveUpMs = Number(gaveUp[1]);
      continue;
    }
    requests++;
    const reply = line.startsWith('ok ') ? parseEcho(line) : undefined;
    if (reply) byNode[reply.node] = (byNode[reply.node] ?? 0) + 1;
    else failed++;
  }
  return { requests, failed, byNode, counts, ...(gaveUpMs === undefined ? {} : { gaveUpMs }) };
}

export function addTraffic(a: Traffic, b: Traffic): Traffic {
  const byNode = { ...a.byNode };
  for (const [node, n] of Object.entries(b.byNode)) byNode[node] = (byNode[node] ?? 0) + n;
  return { requests: a.requests + b.requests, failed: a.failed + b.failed, byNode, counts: a.counts };
}

export async function probeService(
  host: Host,
  ip: string,
  port: number,
  count: number,
  giveUpMs: number,
  counts: NodeCount,
): Promise<Traffic> {
  const r = await host.exec(probeLoop(ip, port, count, giveUpMs));
  return countReplies(r.stdout, counts);
}
