// npm run bench:refusals — how fast a bad lab file is refused. Every file of test/fixtures/bad-labs/
// and a 10 MB file through `lab:check` (wall clock, the CLI's start-up included), and validation
// alone on files of growing size (it must grow linearly). Goal: every refusal under 2 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../lab/errors.ts';
import { MAX_FILE_BYTES, parseLab } from '../lab/parse.ts';
import { ROOT } from '../lab/load.ts';

const GOAL_MS = 2000;
const tsx = join(ROOT, 'node_modules/.bin/tsx');
const bad = join(ROOT, 'test/fixtures/bad-labs');
const dir = mkdtempSync(join(tmpdir(), 'lab-refusals-'));
const huge = join(dir, 'huge.yaml');
writeFileSync(huge, `name: cilab\n${'# padding\n'.repeat(1_000_000)}`);

function refuse(file: string): number {
  const env = Object.fromEntries(
    [...readFileSync(file, 'utf8').matchAll(/^# env: (\w+)=(.*)$/gm)].map((m) => [m[1]!, JSON.parse(m[2]!) as string]),
  );
  const t0 = performance.now();
  const r = spawnSync(tsx, ['scripts/check.ts', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const ms = Math.round(performance.now() - t0);
  if (r.status !== 1) throw new Error(`${file} was not refused (exit ${r.status})`);
  return ms;
}

/** Validation alone of a file of `bytes`, made of one list with many bad entries (the worst case: one issue each). */
function validate(bytes: number): number {
  const entry = '  - 1bad\n';
  const text = `name: cilab\nproxmox: { endpoint: "https://pve:8006/", nodes: [pve] }\nnetwork:\n  ports:\n${entry.repeat(Math.floor((bytes - 100) / entry.length))}`;
  const t0 = performance.now();
  try {
    parseLab(text, 'lab.yaml');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  return performance.now() - t0;
}

try {
  const files = [
    ...readdirSync(bad)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(bad, f)),
    huge,
  ];
  const times = files.map((f) => [f.slice(f.lastIndexOf('/') + 1), refuse(f)] as const).sort((a, b) => b[1] - a[1]);
  console.log(`lab:check refused ${files.length} files; slowest:`);
  for (const [f, ms] of times.slice(0, 5)) console.log(`  ${String(ms).padStart(5)} ms  ${f}`);
  console.log(`  median ${times[Math.floor(times.length / 2)]![1]} ms`);
  console.log(`\nvalidation alone (worst case: every list entry bad), up to the ${MAX_FILE_BYTES / 1024} KiB limit:`);
  validate(MAX_FILE_BYTES / 4); // warm up
  for (const kib of [8, 16, 32, 64])
    console.log(
      `  ${String(kib).padStart(4)} KiB  ${validate(kib * 1024)
        .toFixed(0)
        .padStart(5)} ms`,
    );
  const slowest = times[0]![1];
  console.log(
    `\ngoal: every refusal under ${GOAL_MS / 1000} s: ${slowest <= GOAL_MS ? '✓' : '✗'} (slowest ${slowest} ms)`,
  );
  process.exitCode = slowest <= GOAL_MS ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
