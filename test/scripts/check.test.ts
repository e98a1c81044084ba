import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScript, runScriptAsync } from '../helpers/cli.ts';
import { ROOT } from '../helpers/shared.ts';

function labCheck(...args: string[]) {
  return runScript('scripts/check.ts', args);
}

describe('npm run lab:check', () => {
  it('should print the address plan of the example', () => {
    const r = labCheck('--config', 'lab.example.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/cilab-cp2\s+control-plane\s+4202\s+pve\s+10\.42\.0\.12\/24/);
    expect(r.stdout).toContain('L2 pool          10.42.0.192/28  demo service 10.42.0.193');
  });

  it('should print one JSON document with --json', () => {
    const r = labCheck('--config', 'lab.example.yaml', '--json');
    expect(JSON.parse(r.stdout).hosts.map((h: { host: string }) => h.host)).toEqual([
      'cilab-router',
      'cilab-cp1',
      'cilab-cp2',
      'cilab-cp3',
    ]);
  });

  it('should name the bad field and exit 1', () => {
    const r = labCheck('--config', 'test/fixtures/bad-labs/16-l2-pool-outside-lan.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('l2.pool (line 7): L2 pool is not inside the LAN 10.42.0.0/24');
  });

  it('should explain a missing file and an unknown flag', () => {
    expect(labCheck('--config', 'nope.yaml').stderr).toMatch(
      /no lab definition at .*nope\.yaml\n\s+copy lab\.example\.yaml to lab\.yaml/,
    );
    const r = labCheck('--frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--frobnicate'");
  });
});

describe('every lab command, given a bad lab file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const huge = join(dir, 'huge.yaml');
  writeFileSync(huge, `name: cilab\n${'# padding\n'.repeat(1_000_000)}`);
  const out = join(dir, 'render');
  const COMMANDS: [string, string[]][] = [
    ['lab:check', ['scripts/check.ts']],
    ['lab:render', ['scripts/render.ts', '--mode', 'bgp', '--out', out]],
    ['lab:bgp', ['scripts/lab.ts', '--mode', 'bgp', '--target', 'netns']],
    ['lab:teardown', ['scripts/teardown.ts', '--target', 'netns']],
  ];
  const BAD_DIR = resolve(ROOT, 'test/fixtures/bad-labs');
  const CASES: [string, string, string[], NodeJS.ProcessEnv][] = [
    ['credentials in the endpoint', join(BAD_DIR, '76-endpoint-credentials.yaml'), ['hunter2'], {}],
    ['a YAML alias bomb', join(BAD_DIR, '84-alias-bomb.yaml'), [], {}],
    [
      'a BGP password with a blank',
      join(BAD_DIR, '88-bgp-password-blank.yaml'),
      ['two words'],
      { LAB_BGP_PASSWORD: 'two words' },
    ],
    ['a 10 MB file', huge, [], {}],
  ];

  it('should cut the value of a secret variable out of whatever it prints', () => {
    const file = join(dir, 'token-as-name.yaml');
    writeFileSync(file, 'name: plainvalue4711\nproxmox: { endpoint: "https://pve:8006/", nodes: [pve] }\n');
    const r = runScript('scripts/check.ts', ['--config', file], {
      env: { PROXMOX_VE_API_TOKEN: 'root@pam!lab=plainvalue4711' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('name (line 1): not a lab name (got "‹secret›")');
    expect(r.stderr).not.toContain('plainvalue4711');
  });

  it.each(CASES)(
    'should refuse %s alike, naming field, line and fix, before any change, never printing the secret',
    async (_, file, secrets, env) => {
      const runs = await Promise.all(
        COMMANDS.map(async ([name, [script, ...args]]) => ({
          name,
          ...(await runScriptAsync(script!, [...args, '--config', file], { env })),
        })),
      );
      // From the refusal on; a lab command says which target it chose before it.
      const problem = (stderr: string) => stderr.slice(stderr.indexOf('✗')).trimEnd().split('\n');
      for (const r of runs) {
        expect(r.status, r.name).toBe(1);
        expect(problem(r.stderr), r.name).toEqual(problem(runs[0]!.stderr));
        for (const s of secrets) expect(r.stdout + r.stderr, r.name).not.toContain(s);
      }
      expect(problem(runs[0]!.stderr)[1]).toMatch(/^ {2}(\S+ \(line \d+\)|\(file\)): .+ — .+/);
      expect(existsSync(out)).toBe(false);
    },
  );
});
