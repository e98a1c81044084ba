import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { ConfigError, formatIssue, type FieldIssue } from '../../lab/errors.ts';
import { MAX_FILE_BYTES, parseLab } from '../../lab/parse.ts';
import { bgpPasswordProblem, redact, secretEnvOf } from '../../lab/secrets.ts';
import { EXAMPLE_FILE, labPlan, labText } from '../helpers/labs.ts';
import { ROOT } from '../helpers/shared.ts';
import { allHosts } from '../../lab/plan.ts';

const BAD = resolve(ROOT, 'test/fixtures/bad-labs');

function issues(text: string, env: NodeJS.ProcessEnv = {}): FieldIssue[] {
  try {
    parseLab(text, 'lab.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  return [];
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  return issues(text, env).map((i) => formatIssue(i).trim());
}

/** A bad lab file: its text, the errors it must give (`# expect:`), its environment (`# env: NAME="value"`), what must never be printed (`# secret:`). */
export function badLab(file: string): { text: string; expected: string[]; env: NodeJS.ProcessEnv; secrets: string[] } {
  const text = readFileSync(resolve(BAD, file), 'utf8');
  const lines = (tag: string) => [...text.matchAll(new RegExp(`^# ${tag}: (.*)$`, 'gm'))].map((m) => m[1]!);
  const env = Object.fromEntries(
    lines('env').map((l) => [l.slice(0, l.indexOf('=')), JSON.parse(l.slice(l.indexOf('=') + 1)) as string]),
  );
  return { text, expected: lines('expect'), env, secrets: lines('secret') };
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

  const files = readdirSync(BAD)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  it('should have at least 90 bad lab files', () => expect(files.length).toBeGreaterThanOrEqual(90));

  it.each(files)('should reject %s with the expected error, no secret and no long value', (file) => {
    const { text, expected, env, secrets } = badLab(file);
    expect(expected.length).toBeGreaterThan(0);
    const found = problems(text, env);
    expect(found).toEqual(expected);
    for (const secret of secrets) expect(found.join('\n')).not.toContain(secret);
    for (const line of found)
      for (const [, got] of line.matchAll(/\(got (.*?)\) — /g)) expect(got!.length).toBeLessThanOrEqual(200);
  });

  // A fix ending in "e.g. VALUE" is applied as written (VALUE is YAML for the field); the field must then pass,
  // and a file whose every problem suggests a value must then be valid.
  it.each(files)('should accept %s once every value its errors suggest is applied', (file) => {
    const { text, env } = badLab(file);
    const found = issues(text, env);
    const fixable = found.filter((i) => i.path && / e\.g\. (.+)$/.test(i.fix));
    if (fixable.length === 0) return;
    const doc = parseDocument(text);
    for (const i of fixable)
      doc.setIn(
        i.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
        parse(i.fix.match(/ e\.g\. (.+)$/)![1]!),
      );
    const after = issues(doc.toString(), env);
    expect(after.filter((i) => fixable.some((f) => f.path === i.path)).map((i) => formatIssue(i))).toEqual([]);
    if (fixable.length === found.length) expect(after.map((i) => formatIssue(i))).toEqual([]);
  });

  it(`should refuse a 10 MB file by its size, above ${MAX_FILE_BYTES / 1024} KiB`, () => {
    const text = `name: cilab\n${'# padding\n'.repeat(1_000_000)}`;
    expect(problems(text)).toEqual([
      `(file): the file is 9766 KiB, above the 64 KiB limit for a lab file — a lab definition is a few KiB: start again from lab.example.yaml`,
    ]);
  });

  it('should list at most 25 problems and say how many more there are', () => {
    const err = (() => {
      try {
        parseLab(labText({ network: { ports: Array.from({ length: 501 }, (_, i) => `${i}bad`) } }), 'lab.yaml');
      } catch (e) {
        return e as ConfigError;
      }
    })()!;
    expect(err.issues.length).toBe(501);
    expect(err.message.split('\n')).toHaveLength(27);
    expect(err.message).toMatch(/… and 476 more$/);
  });
});

describe('secrets', () => {
  it('should refuse BGP passwords FRR or TCP-MD5 cannot carry', () => {
    expect(bgpPasswordProblem('a'.repeat(80))).toBeUndefined();
    expect(bgpPasswordProblem('a'.repeat(81))).toMatch(/81 bytes/);
    expect(bgpPasswordProblem('é'.repeat(41))).toMatch(/82 bytes/);
    expect(bgpPasswordProblem('tab\there')).toMatch(/blank/);
    expect(bgpPasswordProblem('')).toBe('is empty');
  });

  it("should cut every secret of the lab out of a message: the provider's, and bgp.passwordEnv's", () => {
    const names = secretEnvOf({ bgp: { passwordEnv: 'LAB_TEST_PW' } });
    const env = { PROXMOX_VE_API_TOKEN: 'root@pam!lab=00000000-aaaa-bbbb', LAB_TEST_PW: 'hunter22' };
    const text = 'token root@pam!lab=00000000-aaaa-bbbb, secret 00000000-aaaa-bbbb, pw hunter22';
    expect(redact(text, names, env)).toBe('token ‹secret›, secret ‹secret›, pw ‹secret›');
    // Only what the lab names: another lab's password variable is not this one's secret.
    expect(redact('pw hunter22', secretEnvOf({ bgp: {} }), env)).toBe('pw hunter22');
  });

  it('should name the secret variables on the refusal of a file that names them', () => {
    const text = labText({ bgp: { passwordEnv: 'LAB_TEST_PW', routerAsn: 65000, nodeAsn: 65000 } });
    const err = (() => {
      try {
        parseLab(text, 'lab.yaml');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err!.secretEnv).toContain('LAB_TEST_PW');
  });
});

describe('planLab', () => {
  it('should derive names, addresses and VM IDs from the example', () => {
    const plan = labPlan();
    expect(allHosts(plan).map((h) => [h.name, h.role, h.vmId, h.lanIp])).toEqual([
      ['cilab-router', 'router', 4200, '10.42.0.1'],
      ['cilab-cp1', 'control-plane', 4201, '10.42.0.11'],
      ['cilab-cp2', 'control-plane', 4202, '10.42.0.12'],
      ['cilab-cp3', 'control-plane', 4203, '10.42.0.13'],
    ]);
    expect(plan.apiServer).toBe('10.42.0.11');
    expect(plan.l2).toMatchObject({
      serviceIp: '10.42.0.193',
      leaseMs: { duration: 3000, renewDeadline: 1000, retryPeriod: 200 },
    });
    expect(plan.bgp.serviceIp).toBe('172.31.42.1');
  });

  it('should plan 100 nodes, every name a Linux interface can carry, one ECMP path each up to bgp.maximumPaths', () => {
    const plan = labPlan({ name: 'labname8', kubernetes: { controlPlanes: 3, workers: 97 } });
    expect(plan.nodes).toHaveLength(100);
    expect(plan.nodes.at(-1)).toMatchObject({ name: 'labname8-w97', lanIp: '10.42.0.110', vmId: 4300 });
    expect(Math.max(...plan.nodes.map((n) => n.name.length))).toBeLessThanOrEqual(15);
    expect(plan.bgp.maximumPaths).toBe(100);
    expect(labPlan({ kubernetes: { workers: 97 }, bgp: { maximumPaths: 64 } }).bgp.maximumPaths).toBe(64);
  });

  it('should name workers after control planes and spread hosts over Proxmox nodes in turn', () => {
    const plan = labPlan({
      proxmox: { nodes: ['pve1', 'pve2'] },
      network: { ports: ['eno1.42'] },
      kubernetes: { controlPlanes: 1, workers: 2 },
    });
    expect(allHosts(plan).map((h) => `${h.name}@${h.proxmoxNode}`)).toEqual([
      'cilab-router@pve1',
      'cilab-cp1@pve2',
      'cilab-w1@pve1',
      'cilab-w2@pve2',
    ]);
  });
});
