// npm run bench:scale — the emulated lab in BGP mode at 8, 32, 64 and 100 nodes, and at 100 nodes under
// a 64-path ECMP ceiling: time to verified, memory, installed nexthops, each node's share of the
// requests, and what the router does with the paths beyond its ceiling. Goals (2 cores): 64 nodes
// verified in ≤ 60 s and ≤ 4 GiB. Run it alone: `flock /work/.netns.lock npm run bench:scale`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseLab } from '../lab/parse.ts';
import { planLab } from '../lab/plan.ts';
import { netnsHost } from '../scripts/hosts/netns.ts';
import { main } from '../scripts/lib/cli.ts';
import { ROOT } from '../lab/load.ts';
import { vtyshCommand } from '../scripts/targets/netns/frr.ts';
import { topology } from '../scripts/targets/netns/topology.ts';
import type { Verdict } from '../scripts/verify/verdict.ts';

const GOAL = { nodes: 64, ms: 60_000, bytes: 4 * 2 ** 30 } as const;
const LAB = 'scale';
const tsx = join(ROOT, 'node_modules/.bin/tsx');

function labFile(dir: string, nodes: number, ceiling?: number): string {
  const config = parse(readFileSync(join(ROOT, 'lab.example.yaml'), 'utf8'));
  config.name = LAB;
  config.kubernetes = { ...config.kubernetes, controlPlanes: 3, workers: nodes - 3 };
  if (ceiling) config.bgp = { ...config.bgp, maximumPaths: ceiling };
  const file = join(dir, `${nodes}-${ceiling ?? 'all'}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

function memAvailable(): number {
  return Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
}

/** The lab command, timed, while sampling how much memory this machine has given away at peak. */
async function run(args: string[]): Promise<{ ms: number; peakBytes: number; stdout: string; code: number }> {
  const before = memAvailable();
  let lowest = before;
  const sampler = setInterval(() => (lowest = Math.min(lowest, memAvailable())), 250);
  const t0 = performance.now();
  const child = spawn(tsx, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  clearInterval(sampler);
  lowest = Math.min(lowest, memAvailable());
  return { ms: Math.round(performance.now() - t0), peakBytes: before - lowest, stdout, code };
}

/** How FRR holds the service route: paths learned, paths it multipaths, and what the kernel got. */
async function routerView(file: string, ip: string): Promise<{ learned: number; multipath: number }> {
  const t = topology(planLab(parseLab(readFileSync(file, 'utf8'), file)));
  const router = netnsHost(t.router.name, t.router.namespace);
  const out = await router.exec(
    vtyshCommand(
      { namespace: t.router.namespace, vtyDir: join(t.runDir, 'frr') },
      `show bgp ipv4 unicast ${ip}/32 json`,
    ),
  );
  const paths = (JSON.parse(out.stdout || '{}').paths ?? []) as {
    valid?: boolean;
    multipath?: boolean;
    bestpath?: { overall?: boolean };
  }[];
  return {
    learned: paths.filter((p) => p.valid).length,
    multipath: paths.filter((p) => p.multipath || p.bestpath?.overall).length,
  };
}

const teardown = (file: string) =>
  spawnSync(tsx, ['scripts/teardown.ts', '--target', 'netns', '--config', file], { cwd: ROOT, stdio: 'ignore' });
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
await main(
  {
    name: 'bench:scale',
    summary:
      'The emulated lab in BGP mode at each size: time to verified, memory, nexthops, per-node share, what the router does past its ECMP ceiling (root).',
    flags: {
      nodes: {
        type: 'string',
        help: 'sizes, comma-separated; N/C: N nodes under an ECMP ceiling of C paths (default 8,32,64,100,100/64)',
      },
    },
    json: false,
  },
  async (flags) => {
    /** "N" or "N/CEILING": N nodes, optionally under bgp.maximumPaths = CEILING. */
    const cases = (flags.nodes ?? '8,32,64,100,100/64')
      .split(',')
      .map((c) => c.split('/').map(Number) as [number, number?]);
    const dir = mkdtempSync(join(tmpdir(), 'lab-scale-'));
    const rows: string[] = [];
    let goalMet = true;
    try {
      for (const [nodes, ceiling] of cases) {
        const file = labFile(dir, nodes, ceiling);
        teardown(file);
        // Enough requests that every serving node gets some (10 per node in all: a node goes without one
        // in fewer than 1 in 200 runs), and no more: each is a new curl.
        const requests = Math.max(300, 5 * nodes);
        console.error(
          `… ${nodes} nodes${ceiling ? `, ECMP ceiling ${ceiling}` : ''}: ${requests} requests from router and client`,
        );
        const r = await run([
          'scripts/lab.ts',
          '--mode',
          'bgp',
          '--target',
          'netns',
          '--config',
          file,
          '--json',
          '--requests',
          String(requests),
        ]);
        const report = JSON.parse(r.stdout || '{}') as Verdict & { error?: { message?: string } };
        if (!report.service) {
          rows.push(
            `| ${nodes} | ${ceiling ?? '—'} | ✗ ${report.error?.message ?? `exit ${r.code}`} | ${(r.ms / 1000).toFixed(1)} s | ${gib(r.peakBytes)} | — | — | — |`,
          );
          if (nodes === GOAL.nodes) goalMet = false;
          teardown(file);
          continue;
        }
        const hops = report.router.bgp?.nexthops ?? [];
        const { learned, multipath } = await routerView(file, report.service.ip);
        const shares = Object.values(report.traffic.byNode).sort((a, b) => a - b);
        const idle = nodes - shares.length;
        const total = report.traffic.requests;
        const share = shares.length
          ? `${shares[0]}–${shares.at(-1)} (mean ${(total / shares.length).toFixed(1)}, ${(100 / shares.length).toFixed(1)} % each)`
          : '—';
        const beyond =
          learned > hops.length
            ? `${learned - hops.length} paths kept as valid, not multipath; ${idle} nodes get no request`
            : 'none: every path installed';
        if (nodes === GOAL.nodes && !(r.code === 0 && r.ms <= GOAL.ms && r.peakBytes <= GOAL.bytes)) goalMet = false;
        rows.push(
          `| ${nodes} | ${ceiling ?? `${Math.min(nodes, 256)} (FRR: 256)`} | ${report.verified ? '✓' : `✗ ${report.problems.join('; ')}`} | ${(r.ms / 1000).toFixed(1)} s | ${gib(r.peakBytes)} | ${learned} learned, ${multipath} multipath, ${hops.length} in the kernel | ${share} | ${beyond} |`,
        );
        console.error(rows.at(-1));
        console.error(
          `  steps: ${Object.entries(report.timings)
            .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
            .join(', ')}`,
        );
        teardown(file);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      '| nodes | ECMP ceiling | verified | cold start → verified | memory at peak | service route | requests per serving node (min–max) | beyond the ceiling |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
    console.log(
      `\ngoal: ${GOAL.nodes} nodes verified in ≤ ${GOAL.ms / 1000} s and ≤ ${gib(GOAL.bytes)}: ${goalMet ? '✓ met' : '✗ not met'}`,
    );
    return goalMet;
  },
);
