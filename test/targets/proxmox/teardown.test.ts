import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labStateDir } from '../../../lab/load.ts';
import { destroyCommands, removeLocalState } from '../../../scripts/targets/proxmox/teardown.ts';
import { labPlan } from '../../helpers/labs.ts';

const plan = labPlan({ name: 'e2etear' });
const dir = labStateDir(plan.name);
const FILES = [
  'e2etear-base.tfstate',
  'e2etear-base.tfstate.backup',
  'e2etear-vms.tfstate',
  'kubeconfig',
  'known_hosts',
  'k3s-token',
  'outputs.json',
];

function layOut(): void {
  mkdirSync(join(dir, 'ssh'), { recursive: true });
  mkdirSync(join(dir, 'render', 'bgp'), { recursive: true });
  for (const f of FILES) writeFileSync(join(dir, f), 'x');
}

describe('Proxmox teardown', () => {
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should destroy both stacks, or only the VMs when images are kept', () => {
    expect(destroyCommands(plan, false)).toEqual([
      'npm run -s gen -- --if-missing && npx cdktf destroy --auto-approve e2etear-vms e2etear-base',
    ]);
    expect(destroyCommands(plan, true)).toEqual([
      'npm run -s gen -- --if-missing && npx cdktf destroy --auto-approve e2etear-vms',
    ]);
  });

  it('should remove every local file of the lab', () => {
    layOut();
    removeLocalState(plan, false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("should keep the base stack's state (and its backup) with --keep-images", () => {
    layOut();
    expect(removeLocalState(plan, true).sort()).toEqual([
      'e2etear-vms.tfstate',
      'k3s-token',
      'known_hosts',
      'kubeconfig',
      'outputs.json',
      'render',
      'ssh',
    ]);
    expect(readdirSync(dir).sort()).toEqual(['e2etear-base.tfstate', 'e2etear-base.tfstate.backup']);
  });

  it('should be fine with nothing to remove', () => {
    expect(existsSync(dir)).toBe(false);
    expect(removeLocalState(plan, false)).toEqual([]);
  });
});
