// npm run bench:compare — wall time of `lab:compare --trials 3` on the emulated lab, both modes, every
// scenario (npm's own start-up excluded). Goal on this 2-core machine: ≤ 4 min.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../scripts/paths.ts';

const GOAL_MS = 240_000;
const { values } = parseArgs({ options: { trials: { type: 'string', default: '3' }, config: { type: 'string', default: 'lab.example.yaml' } } });
const t0 = performance.now();
const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/compare.ts', '--target', 'netns', '--config', values.config!, '--trials', values.trials!], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const ms = Math.round(performance.now() - t0);
if (r.status !== 0) throw new Error(`lab:compare failed (exit ${r.status})`);
console.log(r.stdout);
console.log(`| command | wall time | goal |\n| --- | --- | --- |\n| lab:compare --trials ${values.trials} | ${(ms / 1000).toFixed(0)} s | ≤ ${GOAL_MS / 60_000} min ${ms <= GOAL_MS ? '✓' : '✗'} |`);
process.exitCode = ms <= GOAL_MS ? 0 : 1;
