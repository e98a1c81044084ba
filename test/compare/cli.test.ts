// lab:compare's flags: bad values are refused with the field and the fix, before anything starts.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/shared.ts';

const compare = (...args: string[]) => {
  const r = spawnSync(resolve(ROOT, 'node_modules/.bin/tsx'), ['scripts/compare.ts', ...args, '--json'], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, body: JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string } } };
};

describe('npm run lab:compare', () => {
  it('should refuse a trial count that is not a whole number above 0', () => {
    expect(compare('--trials', '0')).toMatchObject({ status: 1, body: { error: { code: 'E_USAGE', message: '--trials must be a whole number above 0, not 0' } } });
  });
  it('should name an unknown scenario and list the known ones', () => {
    expect(compare('--scenarios', 'reboot')).toMatchObject({ status: 1, body: { error: { code: 'E_USAGE', hint: 'pick from steady,link-loss,graceful-stop,restart,router-restart' } } });
  });
  it('should say that Proxmox is not a target of the comparison yet, and what measures it there', () => {
    expect(compare('--target', 'proxmox')).toMatchObject({ status: 1, body: { error: { code: 'E_UNSUPPORTED', hint: expect.stringContaining('--failover') } } });
  });
});
