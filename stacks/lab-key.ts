// The lab's own SSH key (.lab/<name>/ssh/id_ed25519.pub, made by `npm run lab:l2|bgp`) joins the
// authorized keys that cloud-init gives every VM.
import { existsSync, readFileSync } from 'node:fs';
import type { LabPlan } from '../lab/plan.ts';
import { labStateDir } from '../lab/load.ts';

export function withLabKey(plan: LabPlan): LabPlan {
  const file = labStateDir(plan.name, 'ssh', 'id_ed25519.pub');
  if (!existsSync(file)) return plan;
  const ssh = {
    ...plan.config.ssh,
    authorizedKeys: [...plan.config.ssh.authorizedKeys, readFileSync(file, 'utf8').trim()],
  };
  return { ...plan, config: { ...plan.config, ssh } };
}
