// System programs the tests use for real. Missing outside CI: skip with one line; missing in CI: fail.
import { execFileSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error(`${name} is missing: .ci/run must install it`);
    console.warn(`skipped: ${name} not installed — sudo npm run lab:deps (or apt-get install it)`);
    return false;
  }
}

export const isRoot = process.getuid?.() === 0;
