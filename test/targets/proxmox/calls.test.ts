import { describe, expect, it } from 'vitest';
import { CALLS, PRIVILEGES, PROVIDER_CALLS } from '../../../scripts/targets/proxmox/calls.ts';
import { loadPveSchema } from '../../../standins/proxmox-api/schema.ts';
import { sharedFile } from '../../helpers/shared.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');

/** Does the PRIVILEGES table guarantee a permission check of the API description? */
function guaranteed(check: unknown[]): boolean {
  const [kind, ...rest] = check as [string, ...unknown[]];
  if (kind === 'and') return (rest as unknown[][]).every(guaranteed);
  if (kind === 'or') return (rest as unknown[][]).some(guaranteed);
  if (kind !== 'perm') return false;
  const [path, privs, mode] = rest as [string, string[], string?];
  const entries = (PRIVILEGES[path] ?? []).map((e) => e.split('|'));
  return mode === 'any' ? entries.some((alts) => alts.every((a) => privs.includes(a))) : privs.every((p) => entries.some((alts) => alts.length === 1 && alts[0] === p));
}

describe.skipIf(!schemaFile)('the Proxmox API calls of the toolkit and the provider', () => {
  const schema = loadPveSchema(schemaFile!);
  const all = [...Object.values(CALLS), ...PROVIDER_CALLS];

  it.each(all.map((c) => [`${c.method} ${c.path}`, c] as const))('should find %s in the API description', (_, c) => {
    expect(schema.match(c.path)?.template).toBe(c.path);
    expect(schema.method(c.path, c.method)).toBeDefined();
  });

  it('should hold in PRIVILEGES every privilege the description demands of these calls', () => {
    const unmet = all.flatMap((c) => {
      const check = schema.method(c.path, c.method)?.permissions?.check;
      return check && !guaranteed(check) ? [`${c.method} ${c.path}: ${JSON.stringify(check)}`] : [];
    });
    expect(unmet).toEqual([]);
  });

  it('should cover what VM creation states only in words: VM.Allocate, Datastore.AllocateSpace, SDN.Use', () => {
    const text = schema.method('/nodes/{node}/qemu', 'POST')?.permissions?.description ?? '';
    for (const [priv, path] of [['VM.Allocate', '/vms/{vmid}'], ['Datastore.AllocateSpace', '/storage/{storage}'], ['SDN.Use', '/sdn/zones/localnetwork/{bridge}']] as const) {
      expect(text).toContain(priv);
      expect(PRIVILEGES[path]).toContain(priv);
    }
  });

  it('should not hold privileges that no call needs', () => {
    const checks = all.map((c) => JSON.stringify(schema.method(c.path, c.method)?.permissions ?? {})).join(' ');
    for (const priv of Object.values(PRIVILEGES).flat().flatMap((p) => p.split('|'))) expect(checks, priv).toContain(priv);
  });
});
