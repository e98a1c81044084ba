// Each command declares its flags once, with their types and allowed values; the values it receives are typed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../lab/errors.ts';
import { type Flags, flagValues, LAB_FLAGS, usage } from '../../scripts/lib/cli.ts';
import { runScript } from '../helpers/cli.ts';
import { ROOT } from '../helpers/shared.ts';

const FLAGS = {
  mode: { type: 'choice', choices: ['l2', 'bgp'], required: true, help: 'l2 or bgp', example: 'e.g. --mode bgp' },
  ...LAB_FLAGS,
  requests: { type: 'count', min: 1, default: 300, help: 'requests' },
  failover: { type: 'boolean', help: 'fail over' },
} as const satisfies Flags;

describe('flagValues', () => {
  it('should give each flag its declared type, with its default', () => {
    expect(flagValues(FLAGS, { mode: 'bgp', requests: '12' })).toEqual({
      mode: 'bgp',
      target: undefined,
      config: undefined,
      requests: 12,
      failover: false,
    });
    expect(flagValues(FLAGS, { mode: 'l2', target: 'netns', failover: true })).toMatchObject({
      target: 'netns',
      requests: 300,
      failover: true,
    });
  });

  it('should refuse a value outside the declaration, naming the flag, what it allows and an example', () => {
    expect(() => flagValues(FLAGS, { mode: 'ospf' })).toThrow('--mode must be l2 or bgp, not "ospf"');
    expect(() => flagValues(FLAGS, {})).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: '--mode must be l2 or bgp', hint: 'e.g. --mode bgp' }),
    );
    expect(() => flagValues(FLAGS, { mode: 'l2', target: 'vbox' })).toThrow(
      '--target must be netns or proxmox, not "vbox"',
    );
    expect(() => flagValues(FLAGS, { mode: 'l2', requests: '1.5' })).toThrow(
      '--requests must be a whole number above 0, not 1.5',
    );
    expect(() => flagValues(FLAGS, { mode: 'l2', requests: '0' })).toThrow(
      '--requests must be a whole number above 0, not 0',
    );
  });

  it('should list every flag in --help in the order declared', () => {
    const help = usage({ name: 'lab:x', summary: 'x', flags: FLAGS });
    expect(
      help
        .split('\n')
        .filter((l) => l.startsWith('  --'))
        .map((l) => l.trim().split(/\s+/)[0]),
    ).toEqual(['--mode', '--target', '--config', '--requests', '--failover', '--json']);
  });
});

describe('error codes', () => {
  it('should be a closed set, each documented in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [code, meaning] of Object.entries(ERROR_CODES))
      expect(readme, code).toContain(`| \`${code}\` | ${meaning} |`);
  });

  it('should report an unknown flag with --json as a usage error, in one JSON document', () => {
    const r = runScript('scripts/check.ts', ['--json', '--dryrun']);
    expect(r.status).not.toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: 'E_USAGE', message: expect.stringContaining('--dryrun') },
    });
  });
});
