// npm run test:soak — runs chosen test files N times under a reproducible load and counts, per test,
// how often it passed: a test that fails once in ten is a defect (README, Tests). The load is one busy
// loop pinned to each core at normal priority, so the tests get about half the machine, as on a two-core
// CI box that builds a VM image beside them; every run's output is kept under .lab/soak/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { LabError } from '../../lab/errors.ts';
import { main } from '../../scripts/lib/cli.ts';
import { requireRoot } from '../../scripts/lib/deps.ts';
import { ROOT } from '../helpers/shared.ts';
import { addRun, missingFiles, type TestTally, tallyLines, type VitestJson } from './tally.ts';

/** The suites that need root, daemons and timing: the emulated lab, its faults, the stand-ins' fidelity,
 *  lab:compare, the Proxmox steps' SSH and FRR against namespaces, FRR's config in a live bgpd. */
export const ROOT_SUITES = [
  'test/targets/netns/lab.test.ts',
  'test/targets/netns/faults.test.ts',
  'test/standins/fidelity-l2.test.ts',
  'test/standins/fidelity-bgp.test.ts',
  'test/compare/compare.test.ts',
  'test/targets/proxmox/hosts.test.ts',
  'test/templates/frr.test.ts',
] as const;

const LOADS = ['cpu', 'none'] as const;

/** One busy loop per core, each pinned to its core; stopped by PID. */
function startLoad(load: (typeof LOADS)[number]): ChildProcess[] {
  if (load === 'none') return [];
  return Array.from({ length: availableParallelism() }, (_, core) =>
    spawn('taskset', ['-c', String(core), 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' }),
  );
}

const namespaces = () =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);

/** One vitest run of the files: its JSON result (undefined if vitest wrote none) and exit code. */
function vitestRun(files: readonly string[], dir: string, run: number): { result?: VitestJson; code: number } {
  const json = join(dir, `run-${run}.json`);
  const out = spawnSync(
    'sh',
    [
      '-c',
      `exec ${resolve(ROOT, 'node_modules/.bin/vitest')} run --reporter=default --reporter=json --outputFile.json=${json} ${files.join(' ')} >${join(dir, `run-${run}.log`)} 2>&1`,
    ],
    { cwd: ROOT, stdio: 'ignore' },
  );
  const result = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as VitestJson) : undefined;
  return { result, code: out.status ?? 1 };
}

await main(
  {
    name: 'test:soak',
    summary:
      'Runs the root suites (or --suites) N times under load and prints, per test, how many runs passed it. Exit 0 only when every test passed every run and no run left a namespace behind.',
    flags: {
      runs: { type: 'count', min: 1, default: 10, help: 'how many runs (default 10)' },
      suites: { type: 'string', help: `comma-separated test files (default: ${ROOT_SUITES.join(',')})` },
      load: {
        type: 'choice',
        choices: LOADS,
        default: 'cpu',
        help: 'cpu: a busy loop pinned to each core (default); none: an idle machine',
      },
    },
  },
  async (opts, json) => {
    requireRoot('test:soak');
    const files = opts.suites ? opts.suites.split(',').filter(Boolean) : [...ROOT_SUITES];
    const unknown = files.filter((f) => !existsSync(join(ROOT, f)));
    if (unknown.length > 0)
      throw new LabError('E_USAGE', `--suites: no such test file ${unknown.join(', ')}`, `e.g. ${ROOT_SUITES[0]}`);
    const dir = join(ROOT, '.lab', 'soak');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tally = new Map<string, TestTally>();
    const leftovers: { run: number; namespaces: string[] }[] = [];
    const crashed: { run: number; files: string[] }[] = [];
    const started = Date.now();
    const hogs = startLoad(opts.load);
    const stop = () => hogs.forEach((h) => h.kill('SIGKILL'));
    process.once('SIGINT', () => (stop(), process.exit(130)));
    try {
      for (let run = 1; run <= opts.runs; run++) {
        const before = new Set(namespaces());
        const t = Date.now();
        const { result, code } = vitestRun(files, dir, run);
        if (result) addRun(tally, run, result, ROOT);
        const missing = missingFiles(result, files, ROOT);
        if (missing.length > 0 || (code !== 0 && !result)) crashed.push({ run, files: missing });
        const left = namespaces().filter((n) => !before.has(n));
        if (left.length > 0) leftovers.push({ run, namespaces: left });
        const failed = [...tally.values()].reduce((n, x) => n + x.failures.filter((f) => f.run === run).length, 0);
        if (!json)
          console.error(
            `run ${run}/${opts.runs}: ${failed === 0 && code === 0 ? 'passed' : `${failed} failed (exit ${code})`} in ${Math.round((Date.now() - t) / 1000)} s; log .lab/soak/run-${run}.log`,
          );
      }
    } finally {
      stop();
    }
    const tests = [...tally.values()];
    const ok = tests.every((t) => t.failed === 0) && leftovers.length === 0 && crashed.length === 0;
    const summary = {
      runs: opts.runs,
      load: opts.load,
      cores: availableParallelism(),
      files,
      seconds: Math.round((Date.now() - started) / 1000),
      passed: ok,
      tests,
      leftovers,
      crashed,
    };
    if (json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(`${opts.runs} runs, load ${opts.load} on ${summary.cores} cores, ${summary.seconds} s`);
      for (const line of tallyLines(tests, opts.runs)) console.log(line);
      for (const l of leftovers) console.log(`✗ run ${l.run} left namespaces: ${l.namespaces.join(' ')}`);
      for (const c of crashed) console.log(`✗ run ${c.run}: no results from ${c.files.join(', ') || 'vitest'}`);
    }
    return ok;
  },
);
