import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODES } from '../../lab/plan.ts';
import { renderMode } from '../../templates/render.ts';
import { runScript } from '../helpers/cli.ts';
import { labPlan } from '../helpers/labs.ts';
import { ROOT } from '../helpers/shared.ts';
import { hasTool } from '../helpers/tools.ts';

const GOLDEN = resolve(ROOT, 'test/fixtures/golden');
const plan = labPlan();

describe.each(MODES)('renderMode(%s) of the example lab', (mode) => {
  const files = renderMode(plan, mode);

  it('should match the golden files (UPDATE_GOLDEN=1 rewrites them)', () => {
    const dir = join(GOLDEN, mode);
    if (process.env.UPDATE_GOLDEN) {
      rmSync(dir, { recursive: true, force: true });
      for (const [rel, f] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), f.content);
      }
    }
    const golden = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
    expect(Object.keys(files).sort()).toEqual(golden.sort());
    for (const [rel, f] of Object.entries(files)) expect(f.content, rel).toBe(readFileSync(join(dir, rel), 'utf8'));
  });

  it.skipIf(!hasTool('cloud-init'))('should give the router a user-data that cloud-init accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-render-'));
    try {
      writeFileSync(join(dir, 'user-data.yaml'), files['router/user-data.yaml']!.content);
      const r = spawnSync('cloud-init', ['schema', '-c', join(dir, 'user-data.yaml')], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toContain('Valid cloud-config');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run lab:render', () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-render-cli-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const render = (args: string[], env: Record<string, string> = {}) => runScript('scripts/render.ts', args, { env });

  it('should write the full set for a mode', () => {
    const r = render(['--mode', 'bgp', '--config', 'lab.example.yaml', '--out', out, '--json']);
    expect(r.status).toBe(0);
    expect(
      JSON.parse(r.stdout)
        .files.map((f: string) => f.slice(out.length + 1))
        .sort(),
    ).toEqual(Object.keys(renderMode(plan, 'bgp')).sort());
  });

  it('should keep the password out of output and write its files 0600', () => {
    const config = join(out, 'lab.yaml');
    writeFileSync(
      config,
      readFileSync(resolve(ROOT, 'lab.example.yaml'), 'utf8').replace(
        '# passwordEnv: LAB_BGP_PASSWORD',
        'passwordEnv: LAB_BGP_PASSWORD',
      ),
    );
    const dest = join(out, 'secret');
    const r = render(['--mode', 'bgp', '--config', config, '--out', dest], { LAB_BGP_PASSWORD: 'MARKER-s3cret' });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('MARKER-s3cret');
    expect(readFileSync(join(dest, 'router/frr.conf'), 'utf8')).toContain('password MARKER-s3cret');
    expect(statSync(join(dest, 'router/frr.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dest, 'cilium/values.yaml')).mode & 0o777).toBe(0o644);
    const missing = render(['--mode', 'bgp', '--config', config, '--out', dest], { LAB_BGP_PASSWORD: '' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('bgp.passwordEnv names LAB_BGP_PASSWORD, which is not set');
  });

  it('should name the mode options and refuse an old Cilium', () => {
    expect(render(['--mode', 'ospf']).stderr).toContain('--mode must be l2 or bgp, not "ospf"');
    const r = render(['--mode', 'l2', '--config', 'test/fixtures/bad-labs/31-cilium-too-old.yaml']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'cilium.version (line 7): Cilium 1.17 is not a maintained release (supported: 1.18, 1.19, 1.20)',
    );
  });
});
