import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../lab/errors.ts';
import { parseLab } from '../../lab/parse.ts';
import { EXAMPLE_FILE, labPlan, labText } from '../helpers/labs.ts';
import { ROOT } from '../helpers/shared.ts';

const BAD = resolve(ROOT, 'test/fixtures/bad-labs');

function problems(text: string): string[] {
  try {
    parseLab(text, 'lab.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => formatIssue(i).trim());
    throw err;
  }
  return [];
}

describe('parseLab', () => {
  it('should accept the shipped example and fill defaults', () => {
    const config = parseLab(readFileSync(EXAMPLE_FILE, 'utf8'), EXAMPLE_FILE);
    expect(config.name).toBe('cilab');
    expect(config.kubernetes.controlPlanes).toBe(3);
    expect(config.bgp).toMatchObject({ routerAsn: 65000, nodeAsn: 65001 });
  });

  it('should fill every default from a minimal file', () => {
    const config = parseLab('name: mini\nproxmox: { endpoint: "https://pve:8006/", nodes: [pve] }\n', 'mini.yaml');
    expect(config.network.cidr).toBe('10.42.0.0/24');
    expect(config.l2.lease).toEqual({ duration: '3s', renewDeadline: '1s', retryPeriod: '200ms' });
    expect(config.router.wan).toEqual({ mode: 'dhcp' });
  });

  it('should report every problem of a file at once', () => {
    const found = problems(labText({ name: 'X', bgp: { nodeAsn: 'one' }, kubernetes: { workers: -1 } }));
    expect(found.map((p) => p.split(' ')[0])).toEqual(['name', 'kubernetes.workers', 'bgp.nodeAsn']);
  });

  const files = readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();
  it('should have at least 25 bad lab files', () => expect(files.length).toBeGreaterThanOrEqual(25));

  it.each(files)('should reject %s with the expected error', (file) => {
    const text = readFileSync(resolve(BAD, file), 'utf8');
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThan(0);
    expect(problems(text)).toEqual(expected);
  });
});

describe('planLab', () => {
  it('should derive names, addresses and VM IDs from the example', () => {
    const plan = labPlan();
    expect([plan.router, ...plan.nodes].map((h) => [h.name, h.role, h.vmId, h.lanIp])).toEqual([
      ['cilab-router', 'router', 4200, '10.42.0.1'],
      ['cilab-cp1', 'control-plane', 4201, '10.42.0.11'],
      ['cilab-cp2', 'control-plane', 4202, '10.42.0.12'],
      ['cilab-cp3', 'control-plane', 4203, '10.42.0.13'],
    ]);
    expect(plan.apiServer).toBe('10.42.0.11');
    expect(plan.l2).toMatchObject({ serviceIp: '10.42.0.193', leaseMs: { duration: 3000, renewDeadline: 1000, retryPeriod: 200 } });
    expect(plan.bgp.serviceIp).toBe('172.31.42.1');
  });

  it('should name workers after control planes and spread hosts over Proxmox nodes in turn', () => {
    const plan = labPlan({ proxmox: { nodes: ['pve1', 'pve2'] }, network: { ports: ['eno1.42'] }, kubernetes: { controlPlanes: 1, workers: 2 } });
    expect([plan.router, ...plan.nodes].map((h) => `${h.name}@${h.proxmoxNode}`)).toEqual(['cilab-router@pve1', 'cilab-cp1@pve2', 'cilab-w1@pve1', 'cilab-w2@pve2']);
  });
});
