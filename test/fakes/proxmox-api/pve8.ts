// Proxmox VE 8.4 for the fake API. ../shared/schemas/proxmox holds only the 9.1.3 API description;
// what 8.4 does differently on the calls the lab makes, as read in upstream source, is applied on top:
//   1. every guest-agent command is guarded by VM.Monitor (qemu-server stable-bookworm 8.4.10,
//      src/PVE/API2/Qemu/Agent.pm: "optionally a 'perms' property (default VM.Monitor)" l.21 and no
//      command sets one; register_command l.147-148; set-user-password l.224, exec l.281,
//      exec-status l.334, file-read l.408, file-write l.486). 9 checks VM.GuestAgent.* instead;
//   2. file-read takes only node, vmid and file (same file, l.409-420): count/offset/decode are 9's;
//   3. the privilege names differ (`PRIVILEGES_ONLY_IN`).
// The shape of GET /version is the same in both (pve-manager stable-8 8.4.21 PVE/API2.pm).
import type { PveApiSchema } from './schema.ts';

/**
 * Privileges one major has and the other lacks (pve-access-control src/PVE/AccessControl.pm:
 * stable-bookworm 8.2.3 l.1070 lists VM.Monitor; master 9.1.1 l.1069-1086 the VM.GuestAgent.* ones,
 * from commits 922f710 "add VM.GuestAgent privileges" and 0706945 "privileges: drop VM.Monitor").
 */
export const PRIVILEGES_ONLY_IN: Readonly<Record<8 | 9, readonly string[]>> = {
  8: ['VM.Monitor'],
  9: [
    'VM.GuestAgent.Audit',
    'VM.GuestAgent.FileRead',
    'VM.GuestAgent.FileWrite',
    'VM.GuestAgent.FileSystemMgmt',
    'VM.GuestAgent.Unrestricted',
  ],
};

const AGENT = '/nodes/{node}/qemu/{vmid}/agent';
const FILE_READ_8 = ['node', 'vmid', 'file'];

/** The 9.1.3 description as Proxmox VE 8.4 answers. */
export function pve8(schema: PveApiSchema): PveApiSchema {
  return {
    match: (path) => schema.match(path),
    method(template, method) {
      const info = schema.method(template, method);
      const agentCommand = template === AGENT ? method === 'POST' : template.startsWith(`${AGENT}/`);
      if (!info || !agentCommand) return info;
      const permissions = { check: ['perm', '/vms/{vmid}', ['VM.Monitor']] };
      if (template !== `${AGENT}/file-read`) return { ...info, permissions };
      const properties = Object.fromEntries(
        Object.entries(info.parameters?.properties ?? {}).filter(([k]) => FILE_READ_8.includes(k)),
      );
      return { ...info, permissions, parameters: { ...info.parameters, properties } };
    },
  };
}
