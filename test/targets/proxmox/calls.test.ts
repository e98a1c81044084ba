import { describe, expect, it } from 'vitest';
import {
  CALLS,
  PROVIDER_CALLS,
  PVE_MAJORS,
  type PveMajor,
  privileges,
} from '../../../scripts/targets/proxmox/calls.ts';
import { PRIVILEGES_ONLY_IN, pve8 } from '../../fakes/proxmox-api/pve8.ts';
import { loadPveSchema, type PveApiSchema } from '../../fakes/proxmox-api/schema.ts';
import { sharedFile } from '../../helpers/shared.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');

/** Does the privilege table guarantee a permission check of the API description? */
function guaranteed(table: Readonly<Record<string, readonly string[]>>, check: unknown[]): boolean {
  const [kind, ...rest] = check as [string, ...unknown[]];
  if (kind === 'and') return (rest as unknown[][]).every((c) => guaranteed(table, c));
  if (kind === 'or') return (rest as unknown[][]).some((c) => guaranteed(table, c));
  if (kind !== 'perm') return false;
  const [path, privs, mode] = rest as [string, string[], string?];
  const entries = (table[path] ?? []).map((e) => e.split('|'));
  return mode === 'any'
    ? entries.some((alts) => alts.every((a) => privs.includes(a)))
    : privs.every((p) => entries.some((alts) => alts.length === 1 && alts[0] === p));
}

const all = [...Object.values(CALLS), ...PROVIDER_CALLS];

describe.skipIf(!schemaFile)('the Proxmox API calls of the toolkit and the provider', () => {
  const schema = loadPveSchema(schemaFile!);
  // 9.x is the shared description itself; 8.4 is it with the differences read upstream (test/fakes/proxmox-api/pve8.ts).
  const described: Record<PveMajor, PveApiSchema> = { 8: pve8(schema), 9: schema };

  it.each(all.map((c) => [`${c.method} ${c.path}`, c] as const))('should find %s in the API description', (_, c) => {
    expect(schema.match(c.path)?.template).toBe(c.path);
    expect(schema.method(c.path, c.method)).toBeDefined();
  });

  describe.each(PVE_MAJORS)('on Proxmox VE %i', (major) => {
    const table = privileges(major);
    const names = Object.values(table)
      .flat()
      .flatMap((p) => p.split('|'));

    it('should hold every privilege the description demands of these calls', () => {
      const unmet = all.flatMap((c) => {
        const check = described[major].method(c.path, c.method)?.permissions?.check;
        return check && !guaranteed(table, check) ? [`${c.method} ${c.path}: ${JSON.stringify(check)}`] : [];
      });
      expect(unmet).toEqual([]);
    });

    it('should not hold privileges that no call needs', () => {
      const checks = all
        .map((c) => JSON.stringify(described[major].method(c.path, c.method)?.permissions ?? {}))
        .join(' ');
      for (const priv of names) expect(checks, priv).toContain(priv);
    });

    it('should ask only for privileges that this release has', () => {
      const other = PRIVILEGES_ONLY_IN[major === 8 ? 9 : 8];
      expect(names.filter((p) => other.includes(p))).toEqual([]);
    });
  });

  it('should guard the guest agent with VM.Monitor on 8.4 and VM.GuestAgent.* on 9', () => {
    expect(privileges(8)['/vms/{vmid}']).toContain('VM.Monitor');
    expect(privileges(9)['/vms/{vmid}']).toContain('VM.GuestAgent.FileRead|VM.GuestAgent.Unrestricted');
  });

  it("should hold what lab:compare's faults need on both majors: VM.Audit, VM.Config.Network, VM.PowerMgmt", () => {
    // qemu-server src/PVE/API2/Qemu.pm: vm_config VM.Audit; update_vm any of $vm_config_perm_list (the
    // network one for a net); vm_shutdown VM.PowerMgmt.
    const need = { vmConfig: 'VM.Audit', vmConfigSet: 'VM.Config.Network', vmShutdown: 'VM.PowerMgmt' } as const;
    for (const [call, priv] of Object.entries(need)) {
      const { method, path } = CALLS[call as keyof typeof need];
      expect(JSON.stringify(schema.method(path, method)?.permissions?.check), call).toContain(priv);
      for (const major of PVE_MAJORS) expect(privileges(major)['/vms/{vmid}']).toContain(priv);
    }
  });

  // bpg/proxmox 0.111.1 vmCreateCustom sends acpi, scsihw and tablet on every create; qemu-server
  // (src/PVE/API2/Qemu.pm, $hwtypeoptions) checks VM.Config.HWType for them in code. A custom role
  // without it passed the preflight and met a 403 mid-deploy (issue 18, defect 2).
  it('should hold VM.Config.HWType on both majors, which qemu-server checks in code for what bpg sends', () => {
    for (const major of PVE_MAJORS) expect(privileges(major)['/vms/{vmid}']).toContain('VM.Config.HWType');
  });

  it('should cover what VM creation states only in words: VM.Allocate, Datastore.AllocateSpace, SDN.Use', () => {
    const text = schema.method('/nodes/{node}/qemu', 'POST')?.permissions?.description ?? '';
    for (const [priv, path] of [
      ['VM.Allocate', '/vms/{vmid}'],
      ['Datastore.AllocateSpace', '/storage/{storage}'],
      ['SDN.Use', '/sdn/zones/localnetwork/{bridge}'],
    ] as const) {
      expect(text).toContain(priv);
      for (const major of PVE_MAJORS) expect(privileges(major)[path]).toContain(priv);
    }
  });
});
