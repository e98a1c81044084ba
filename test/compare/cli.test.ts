// lab:compare's flags: bad values are refused with the field and the fix, before anything starts.
import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/cli.ts';

const compare = (...args: string[]) => {
  const r = runScript('scripts/compare.ts', [...args, '--json']);
  return {
    status: r.status,
    body: JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string } },
  };
};

describe('npm run lab:compare', () => {
  it('should refuse a trial count that is not a whole number above 0', () => {
    expect(compare('--trials', '0')).toMatchObject({
      status: 1,
      body: { error: { code: 'E_USAGE', message: '--trials must be a whole number above 0, not 0' } },
    });
  });
  it('should name an unknown scenario and list the known ones', () => {
    expect(compare('--scenarios', 'reboot')).toMatchObject({
      status: 1,
      body: { error: { code: 'E_USAGE', hint: 'pick from steady,link-loss,graceful-stop,restart,router-restart' } },
    });
  });
});
