// npm run bench:emulated — cold start to verified for each mode, and teardown, several runs, medians.
// Wall clock of the real commands (npm's own start-up excluded), on this machine. Goals (2 cores):
// l2 ≤ 10 s, bgp ≤ 20 s (GoBGP dials no faster than every 5 s), teardown ≤ 3 s.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../scripts/lib/cli.ts';
import { ROOT } from '../lab/load.ts';

const GOALS_MS = { l2: 10_000, bgp: 20_000, teardown: 3_000 } as const;
const tsx = join(ROOT, 'node_modules/.bin/tsx');

function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(tsx, args, { cwd: ROOT, encoding: 'utf8' });
  const ms = Math.round(performance.now() - t0);
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
await main(
  {
    name: 'bench:emulated',
    summary:
      'Cold start to verified for each mode of the emulated lab, and teardown, several runs: medians against the goals (root).',
    flags: {
      runs: { type: 'count', min: 1, default: 3, help: 'runs per mode (default 3)' },
      config: { type: 'string', help: 'lab definition (default: lab.example.yaml)' },
    },
    json: false,
  },
  async (flags) => {
    const { runs } = flags;
    const config = flags.config ?? 'lab.example.yaml';
    const samples: Record<keyof typeof GOALS_MS, number[]> = { l2: [], bgp: [], teardown: [] };
    const teardown = ['scripts/teardown.ts', '--target', 'netns', '--config', config];
    timed(teardown);
    for (let i = 0; i < runs; i++) {
      for (const mode of ['l2', 'bgp'] as const) {
        samples[mode].push(
          timed(['scripts/lab.ts', '--mode', mode, '--target', 'netns', '--config', config, '--json']),
        );
        samples.teardown.push(timed(teardown));
        console.error(
          `run ${i + 1}/${runs} ${mode}: ${samples[mode].at(-1)} ms, teardown ${samples.teardown.at(-1)} ms`,
        );
      }
    }
    const rows = (Object.keys(GOALS_MS) as (keyof typeof GOALS_MS)[]).map((k) => ({
      step: k,
      medianMs: median(samples[k]),
      goalMs: GOALS_MS[k],
      runs: samples[k],
      met: median(samples[k]) <= GOALS_MS[k],
    }));
    console.log('| step | median | goal | runs (ms) |\n| --- | --- | --- | --- |');
    for (const r of rows)
      console.log(
        `| ${r.step === 'teardown' ? 'teardown' : `cold start → verified, ${r.step}`} | ${(r.medianMs / 1000).toFixed(1)} s | ≤ ${r.goalMs / 1000} s ${r.met ? '✓' : '✗'} | ${r.runs.join(', ')} |`,
      );
    return rows.every((r) => r.met);
  },
);
