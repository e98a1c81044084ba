import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/shared.ts';

function labCheck(...args: string[]) {
  const r = spawnSync(resolve(ROOT, 'node_modules/.bin/tsx'), ['scripts/check.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
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
    expect(JSON.parse(r.stdout).hosts.map((h: { host: string }) => h.host)).toEqual(['cilab-router', 'cilab-cp1', 'cilab-cp2', 'cilab-cp3']);
  });

  it('should name the bad field and exit 1', () => {
    const r = labCheck('--config', 'test/fixtures/bad-labs/16-l2-pool-outside-lan.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('l2.pool (line 7): L2 pool is not inside the LAN 10.42.0.0/24');
  });

  it('should explain a missing file and an unknown flag', () => {
    expect(labCheck('--config', 'nope.yaml').stderr).toMatch(/no lab definition at .*nope\.yaml\n\s+copy lab\.example\.yaml to lab\.yaml/);
    const r = labCheck('--frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--frobnicate'");
  });
});
