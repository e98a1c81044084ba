import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsHost } from '../../scripts/hosts/netns.ts';
import { run } from '../../scripts/hosts/host.ts';
import { type FrrInstance, loadFrrConfig, startFrr, vtyshCommand } from '../../scripts/targets/netns/frr.ts';
import { FRR_MULTIPATH_MAX } from '../../lab/pins.ts';
import { frrConf } from '../../templates/frr.ts';
import { labPlan } from '../helpers/labs.ts';
import { scratchNamespace, type Scratch } from '../helpers/netns.ts';
import { hasTool, isRoot } from '../helpers/tools.ts';

const plan = labPlan({ bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } });
const files = {
  bgp: frrConf(plan, 'bgp', { bgpPassword: 'not-a-real-secret' }),
  l2: frrConf(plan, 'l2'),
  broken: frrConf(plan, 'bgp', { bgpPassword: 'x' }).replace(
    ' neighbor CILIUM remote-as 65001',
    ' neighbor CILIUM remote-as',
  ),
};
/** The rendered files on disk, for the FRR programs: written before the tests, removed after them. */
let paths: Record<keyof typeof files, string>;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-frr-'));
  paths = Object.fromEntries(Object.keys(files).map((k) => [k, join(dir, `${k}.conf`)])) as Record<
    keyof typeof files,
    string
  >;
  for (const [k, v] of Object.entries(files)) writeFileSync(paths[k as keyof typeof files], v);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frrConf', () => {
  it('should configure no routing protocol in L2 mode', () => {
    expect(files.l2).not.toMatch(/router bgp/);
  });

  it('should peer with every node in one group, multipath, timers and password in BGP mode', () => {
    for (const n of plan.nodes) expect(files.bgp).toContain(` neighbor ${n.lanIp} peer-group CILIUM`);
    expect(files.bgp).toContain(' no bgp ebgp-requires-policy');
    expect(files.bgp).toContain(' bgp bestpath as-path multipath-relax');
    expect(files.bgp).toContain('  maximum-paths 3');
    expect(files.bgp).toContain(' neighbor CILIUM timers 3 9');
    expect(files.bgp).toContain(' neighbor CILIUM password not-a-real-secret');
  });

  it('should refuse to render a password-protected lab without the password', () => {
    expect(() => frrConf(plan, 'bgp')).toThrow(/LAB_BGP_PASSWORD/);
  });
});

describe.skipIf(!hasTool('vtysh'))('FRR accepts the rendered configuration', () => {
  it.each(['bgp', 'l2'] as const)('should pass vtysh --dryrun for %s mode', async (mode) => {
    const r = await $({ nothrow: true, quiet: true })`vtysh -C -f ${paths[mode]}`;
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('should reject a broken configuration', async () => {
    const r = await $({ nothrow: true, quiet: true })`vtysh -C -f ${paths.broken}`;
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/remote-as/);
  });
});

describe.skipIf(!isRoot || !hasTool('vtysh'))('bgpd loads the rendered configuration in a throwaway namespace', () => {
  let ns: Scratch;
  let frr: FrrInstance;
  beforeAll(async () => {
    ns = await scratchNamespace('frr');
    frr = await startFrr(ns.namespace, ns.runDir, ['zebra', 'bgpd']);
  });
  afterAll(() => ns?.cleanup());

  it('should run with every neighbor of the plan configured', async () => {
    await loadFrrConfig(frr, paths.bgp);
    const host = netnsHost('router', ns.namespace);
    const summary = JSON.parse(await run(host, vtyshCommand(frr, 'show bgp ipv4 unicast summary json')));
    expect(summary.as).toBe(65000);
    expect(Object.keys(summary.peers).sort()).toEqual(plan.nodes.map((n) => n.lanIp).sort());
    expect(await run(host, vtyshCommand(frr, 'show running-config'))).toContain('maximum-paths 3');
  });

  it('should refuse the broken one', async () => {
    await expect(loadFrrConfig(frr, paths.broken)).rejects.toThrow(/FRR refused/);
  });

  // Debian 12's frr 8.4.4 is built with MULTIPATH_NUM 256 (FRR_MULTIPATH_MAX): a 100-node lab fits under it.
  it(`should take one path per node of a 100-node lab, and no more than ${FRR_MULTIPATH_MAX}`, async () => {
    const big = labPlan({ kubernetes: { controlPlanes: 3, workers: 97 } });
    const file = join(dir, 'big.conf');
    writeFileSync(file, frrConf(big, 'bgp'));
    await loadFrrConfig(frr, file);
    const host = netnsHost('router', ns.namespace);
    expect(await run(host, vtyshCommand(frr, 'show running-config'))).toContain('maximum-paths 100');
    const at = (paths: number) =>
      host.exec(
        vtyshCommand(
          frr,
          'configure terminal',
          'router bgp 65000',
          'address-family ipv4 unicast',
          `maximum-paths ${paths}`,
        ),
      );
    expect((await at(FRR_MULTIPATH_MAX)).code).toBe(0);
    const over = await at(FRR_MULTIPATH_MAX + 1);
    expect(over.stdout + over.stderr).toMatch(/Unknown command|out of range|Invalid/i);
  });
});
