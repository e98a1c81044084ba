// Proxmox teardown: destroy the VM stack (and the base stack unless images are kept), then the lab's
// local state: kubeconfig, known_hosts, token, outputs, rendered files, keys.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan } from '../../../lab/plan.ts';
import { quote } from '../../../templates/shell.ts';
import { labStateDir } from '../../../lab/load.ts';

export function destroyCommands(plan: LabPlan, keepImages: boolean): string[] {
  const { base, vms } = plan.stacks;
  return [
    `npm run -s gen -- --if-missing && npx cdktf destroy --auto-approve ${(keepImages ? [vms] : [vms, base]).map(quote).join(' ')}`,
  ];
}

/** Removes local state; with keepImages the base stack's Terraform state stays, so the image is reused. */
export function removeLocalState(plan: LabPlan, keepImages: boolean): string[] {
  const dir = labStateDir(plan.name);
  // Terraform keeps a .backup beside each state file: both stay with the kept stack.
  const kept = (e: string) => e === 'netns' || (keepImages && e.startsWith(`${plan.stacks.base}.tfstate`));
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((e) => !kept(e));
  } catch {
    return [];
  }
  for (const e of entries) rmSync(join(dir, e), { recursive: true, force: true });
  return entries;
}
