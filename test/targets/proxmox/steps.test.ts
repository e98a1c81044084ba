import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODES } from '../../../lab/plan.ts';
import { formatSteps, proxmoxSteps, staleResources } from '../../../scripts/targets/proxmox/steps.ts';
import { labPlan } from '../../helpers/labs.ts';
import { ROOT } from '../../helpers/shared.ts';

const snapshot = () => (existsSync(resolve(ROOT, '.lab')) ? readdirSync(resolve(ROOT, '.lab'), { recursive: true }).map(String).sort() : []);
const dryRun = (...args: string[]) => spawnSync(resolve(ROOT, 'node_modules/.bin/tsx'), ['scripts/lab.ts', '--target', 'proxmox', '--dry-run', '--config', 'lab.example.yaml', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PROXMOX_VE_API_TOKEN: '' } });

describe.each(MODES)('the Proxmox dry run of the example lab, %s mode', (mode) => {
  it('should print the whole ordered plan, matching the golden file, touching nothing', () => {
    const before = snapshot();
    const r = dryRun('--mode', mode, '--failover');
    expect(r.status, r.stderr).toBe(0);
    expect(snapshot()).toEqual(before);
    const golden = resolve(ROOT, `test/fixtures/golden/dry-run-${mode}.txt`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, r.stdout);
    expect(r.stdout).toBe(readFileSync(golden, 'utf8'));
  });
});

describe('proxmoxSteps', () => {
  const plan = labPlan({ bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } });
  const opts = { failover: false, renderDir: 'r', stateDir: 's' };

  it('should order the run from preflight to verification, one host per step', () => {
    expect(proxmoxSteps(plan, 'bgp', opts).map((s) => s.id)).toEqual([
      'preflight', 'render', 'keys', 'deploy', 'hostkeys', 'cloud-init', 'k3s', 'k3s-cp2', 'k3s-cp3', 'kubeconfig', 'tools', 'push', 'cilium', 'bgp-secret', 'resources', 'router', 'demo', 'verify', 'kubernetes-view',
    ]);
    expect(proxmoxSteps(plan, 'l2', { ...opts, failover: true }).map((s) => s.id).slice(-4)).toEqual(['demo', 'verify', 'kubernetes-view', 'failover']);
  });

  it('should pass secrets on standard input only, never in a command', () => {
    const text = formatSteps(proxmoxSteps(plan, 'bgp', opts));
    expect(text).toContain('< (the BGP password, not shown)');
    expect(text).toContain('< (the k3s token, not shown)');
    const secretCommands = proxmoxSteps(plan, 'bgp', opts).flatMap((s) => s.commands).filter((c) => c.input && 'secret' in c.input);
    expect(secretCommands).toHaveLength(4);
  });

  it("should remove the other mode's resources on a mode switch", () => {
    expect(staleResources(plan, 'bgp')).toEqual(['ciliumloadbalancerippool/cilab-l2', 'ciliuml2announcementpolicy/cilab-l2']);
    expect(staleResources(plan, 'l2')).toEqual(['ciliumloadbalancerippool/cilab-bgp', 'ciliumbgpclusterconfig/cilab', 'ciliumbgppeerconfig/cilab-router', 'ciliumbgpadvertisement/cilab-lb']);
  });

  it('should refuse a dry run of the emulated target', () => {
    const r = spawnSync(resolve(ROOT, 'node_modules/.bin/tsx'), ['scripts/lab.ts', '--mode', 'l2', '--target', 'netns', '--dry-run'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--dry-run shows the Proxmox run');
  });
});
