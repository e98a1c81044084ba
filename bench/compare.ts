// npm run bench:compare — wall time of `lab:compare --trials 3` on the emulated lab, both modes, every
// scenario (npm's own start-up excluded). Goal on this 2-core machine: ≤ 4 min.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../scripts/lib/cli.ts';
import { ROOT } from '../lab/load.ts';

const GOAL_MS = 240_000;
await main(
  {
    name: 'bench:compare',
    summary: 'Wall time of lab:compare on the emulated lab, both modes, every scenario, against the goal (root).',
    flags: {
      trials: { type: 'count', min: 1, default: 3, help: 'lab:compare --trials (default 3)' },
      config: { type: 'string', help: 'lab definition (default: lab.example.yaml)' },
    },
    json: false,
  },
  async (flags) => {
    const { trials } = flags;
    const config = flags.config ?? 'lab.example.yaml';
    const t0 = performance.now();
    const r = spawnSync(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['scripts/compare.ts', '--target', 'netns', '--config', config, '--trials', String(trials)],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const ms = Math.round(performance.now() - t0);
    if (r.status !== 0) throw new Error(`lab:compare failed (exit ${r.status})`);
    console.log(r.stdout);
    console.log(
      `| command | wall time | goal |\n| --- | --- | --- |\n| lab:compare --trials ${trials} | ${(ms / 1000).toFixed(0)} s | ≤ ${GOAL_MS / 60_000} min ${ms <= GOAL_MS ? '✓' : '✗'} |`,
    );
    return ms <= GOAL_MS;
  },
);
