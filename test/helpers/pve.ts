// The fake Proxmox API for tests: a good scenario for the example lab, a self-signed certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabPlan } from '../../lab/plan.ts';
import { PRIVILEGES } from '../../scripts/targets/proxmox/calls.ts';
import type { PveScenario } from '../../standins/proxmox-api/fake.ts';

export const TOKEN = 'root@pam!lab=11111111-2222-3333-4444-555555555555';
const GiB = 1024 ** 3;

export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lab-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k'), 'utf8'), cert: readFileSync(join(dir, 'c'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Proxmox host on which the example lab can be built: every check passes. */
export function goodScenario(plan: LabPlan): PveScenario {
  const privs = Object.fromEntries([...new Set(Object.values(PRIVILEGES).flat().flatMap((p) => p.split('|')))].map((p) => [p, 1]));
  return {
    token: TOKEN,
    version: '9.1.3',
    nodes: [{ node: 'pve', status: 'online', mem: 8 * GiB, maxmem: 64 * GiB }],
    storage: {
      pve: [
        { storage: 'local', type: 'dir', content: 'iso,vztmpl,backup,snippets,import', enabled: 1, active: 1 },
        { storage: 'local-lvm', type: 'lvmthin', content: 'images,rootdir', enabled: 1, active: 1 },
      ],
    },
    network: { pve: [{ iface: 'vmbr0', type: 'bridge', active: 1 }, { iface: 'eno1', type: 'eth', active: 1 }] },
    vms: [{ vmid: 100, node: 'pve', name: 'homeassistant', status: 'running' }],
    permissions: { '/': privs },
    guestFiles: {},
  };
}
