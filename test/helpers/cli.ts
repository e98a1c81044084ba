// The toolkit's commands as a user runs them: tsx on scripts/<command>.ts from the project root, with
// the environment of the test plus what it adds.
import { execFile, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from './shared.ts';

export const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

/** Runs `script` (a path from the root, e.g. scripts/check.ts) with `args`, waiting for it. */
export function runScript(script: string, args: readonly string[], options: CliOptions = {}): CliRun {
  const r = spawnSync(TSX, [script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking: several commands run side by side. */
export function runScriptAsync(script: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((done) =>
    execFile(
      TSX,
      [script, ...args],
      { cwd: ROOT, env: { ...process.env, ...options.env }, timeout: options.timeoutMs },
      (err, stdout, stderr) =>
        done({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    ),
  );
}
