import { describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gobgpSettings, gobgpToml } from '../../standins/cilium/gobgp.ts';
import { bgpSecretName, ciliumResources } from '../../templates/cilium.ts';
import { demoManifests } from '../../templates/demo.ts';
import { labPlan } from '../helpers/labs.ts';
import { hasTool } from '../helpers/tools.ts';

describe('gobgpSettings', () => {
  const plan = labPlan({
    bgp: { passwordEnv: 'LAB_BGP_PASSWORD', timers: { keepalive: 2, hold: 6, connectRetry: 3 } },
  });
  const docs = [...ciliumResources(plan, 'bgp'), ...demoManifests(plan, 'bgp')];

  it('should read ASN, peer, timers, graceful restart, password and the advertised service IP from the Cilium resources', () => {
    expect(gobgpSettings(docs, '10.42.0.12', { [bgpSecretName(plan)]: 'pw' })).toEqual({
      asn: 65001,
      routerId: '10.42.0.12',
      peers: [
        {
          address: '10.42.0.1',
          asn: 65000,
          keepalive: 2,
          hold: 6,
          connectRetry: 3,
          idleHoldAfterReset: 5,
          gracefulRestart: 15,
          password: 'pw',
        },
      ],
      advertise: ['172.31.42.1'],
    });
  });

  it('should refuse a referenced secret that is not given', () => {
    expect(() => gobgpSettings(docs, '10.42.0.12')).toThrow(/cilab-bgp-password is referenced/);
  });

  it.skipIf(!hasTool('gobgpd'))('should write a configuration gobgpd accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-gobgp-'));
    try {
      const file = join(dir, 'gobgpd.toml');
      writeFileSync(file, gobgpToml(gobgpSettings(docs, '10.42.0.12', { [bgpSecretName(plan)]: 'pw' })));
      const ok = await $({ nothrow: true, quiet: true })`gobgpd -d -f ${file}`;
      expect(ok.exitCode).toBe(0);
      writeFileSync(
        file,
        gobgpToml(gobgpSettings(docs, '10.42.0.12', { [bgpSecretName(plan)]: 'pw' })).replace(
          'peer-as = 65000',
          'peer-as = "x"',
        ),
      );
      expect((await $({ nothrow: true, quiet: true })`gobgpd -d -f ${file}`).exitCode).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
