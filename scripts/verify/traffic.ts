// HTTP to the service from any host, a new connection each time; replies counted by the node they name.
import { type NodeCount, parseEcho } from '../../templates/demo.ts';
import type { Host } from '../hosts/host.ts';

export interface Traffic {
  requests: number;
  failed: number;
  byNode: Record<string, number>;
  /** What byNode counts: the node each request entered through, or the node of the pod that answered. */
  counts: NodeCount;
}

/** POSIX shell: one line per request, "ok <reply>" or "fail". Runs on any host with curl. */
export function probeLoop(ip: string, port: number, count: number): string {
  return `i=0; while [ $i -lt ${count} ]; do if r=$(curl -s --max-time 2 http://${ip}:${port}/); then echo "ok $r"; else echo fail; fi; i=$((i+1)); done`;
}

export function countReplies(stdout: string, counts: NodeCount): Traffic {
  const lines = stdout.split('\n').filter(Boolean);
  const byNode: Record<string, number> = {};
  let failed = 0;
  for (const line of lines) {
    const reply = line.startsWith('ok ') ? parseEcho(line) : undefined;
    if (reply) byNode[reply.node] = (byNode[reply.node] ?? 0) + 1;
    else failed++;
  }
  return { requests: lines.length, failed, byNode, counts };
}

export function addTraffic(a: Traffic, b: Traffic): Traffic {
  const byNode = { ...a.byNode };
  for (const [node, n] of Object.entries(b.byNode)) byNode[node] = (byNode[node] ?? 0) + n;
  return { requests: a.requests + b.requests, failed: a.failed + b.failed, byNode, counts: a.counts };
}

export async function probeService(host: Host, ip: string, port: number, count: number, counts: NodeCount): Promise<Traffic> {
  const r = await host.exec(probeLoop(ip, port, count));
  return countReplies(r.stdout, counts);
}
