// Flags npm eats (issue 22): `npm run lab:bgp --dry-run`, without `--`, gives the script no argument and
// sets npm_config_dry_run=true instead. Run through the real npm, both ways.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npmEatenFlags } from '../../scripts/lib/cli.ts';
import { ROOT } from '../helpers/shared.ts';

const npm = (cwd: string, ...args: string[]) => spawnSync('npm', ['run', '-s', ...args], { cwd, encoding: 'utf8' });

// A package whose lab:bgp is ours, in a folder with no lab file: were the refusal missing, the command
// would stop at "no lab definition" instead of running a lab.
const scratch = mkdtempSync(join(tmpdir(), 'lab-npm-'));
writeFileSync(
  join(scratch, 'package.json'),
  JSON.stringify({
    name: 'npm-flags',
    private: true,
    scripts: { 'lab:bgp': `${join(ROOT, 'node_modules/.bin/tsx')} ${join(ROOT, 'scripts/lab.ts')} --mode bgp` },
  }),
);

describe('flags npm takes for itself', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('should refuse `npm run lab:bgp --dry-run` before anything runs, with the spelling that works', () => {
    const r = npm(scratch, 'lab:bgp', '--dry-run');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('npm took --dry-run for itself');
    expect(r.stderr).toContain('npm run lab:bgp -- --dry-run');
    expect(r.stderr).not.toContain('no lab definition');
  });

  it('should refuse `npm run lab:check --json`, and give one JSON document with `--`', () => {
    const eaten = npm(ROOT, 'lab:check', '--json');
    expect(eaten.status).toBe(1);
    expect(eaten.stderr).toContain('npm run lab:check -- --json');
    const given = npm(ROOT, 'lab:check', '--', '--json');
    expect(given.status, given.stderr).toBe(0);
    expect(JSON.parse(given.stdout)).toMatchObject({ lab: expect.any(String) });
  });

  it('should name a valued flag with its value, and leave a flag given on the command line alone', () => {
    const env = {
      npm_lifecycle_event: 'lab:compare',
      npm_config_trials: '3',
      npm_config_json: 'true',
      npm_config_yes: '',
    };
    expect(npmEatenFlags(['trials', 'json', 'yes'], ['--json'], env)).toEqual([{ flag: 'trials', value: '3' }]);
    expect(npmEatenFlags(['trials'], [], { npm_config_trials: '3' })).toEqual([]);
  });
});
