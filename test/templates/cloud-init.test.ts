import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeUserData, routerUserData } from '../../templates/cloud-init.ts';
import { labPlan } from '../helpers/labs.ts';
import { hasTool } from '../helpers/tools.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-cloud-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs Debian's `cloud-init schema -c` on the text; returns its exit code and output. */
function cloudInitSchema(name: string, text: string): { status: number | null; output: string } {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync('cloud-init', ['schema', '-c', file], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0YWJrZXlmb3J0ZXN0c29ubHlub3RyZWFsMDAwMDA lab@test';
const plan = labPlan({ ssh: { authorizedKeys: [KEY] } });

describe('cloud-init user-data', () => {
  it('should give the router FRR, nftables NAT from the LAN and the forwarding sysctls', () => {
    const doc = parse(routerUserData(plan));
    expect(doc.packages).toEqual(['qemu-guest-agent', 'frr', 'nftables', 'curl']);
    const files = Object.fromEntries(doc.write_files.map((f: any) => [f.path, f.content]));
    expect(files['/etc/sysctl.d/90-lab-router.conf']).toContain('net.ipv4.ip_forward = 1');
    expect(files['/etc/sysctl.d/90-lab-router.conf']).toContain('net.ipv4.fib_multipath_hash_policy = 1');
    expect(files['/etc/nftables.conf']).toContain('ip saddr 10.42.0.0/24 oifname "eth0" masquerade');
    expect(doc.users[0].ssh_authorized_keys).toEqual([KEY]);
  });

  describe.skipIf(!hasTool('cloud-init'))('checked by cloud-init schema', () => {
    it.each([
      ['router', routerUserData(plan)],
      ['node', nodeUserData(plan, plan.nodes[0]!)],
      ['router without keys', routerUserData(labPlan())],
    ])('should pass for the %s', (name, text) => {
      const r = cloudInitSchema(`${name}.yaml`, text);
      expect(r.output).toContain('Valid cloud-config');
      expect(r.status).toBe(0);
    });

    it('should be a check that fails on a broken document', () => {
      const r = cloudInitSchema('broken.yaml', routerUserData(plan).replace('package_update: true', 'package_update: maybe'));
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/package_update/);
    });
  });
});
