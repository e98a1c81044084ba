import { describe, expect, it } from 'vitest';
import { proxmoxSteps } from '../../scripts/targets/proxmox/steps.ts';
import { formatSteps } from '../../scripts/targets/steps.ts';
import { labPlan } from '../helpers/labs.ts';
import { runScript } from '../helpers/cli.ts';

describe('--failover-node', () => {
  const plan = labPlan();
  it('should show the node it stops in the dry run, in both modes', () => {
    for (const mode of ['l2', 'bgp'] as const) {
      const text = formatSteps(
        proxmoxSteps(plan, mode, {
          failover: true,
          failoverNode: 'cilab-cp1',
          renderDir: 'r',
          stateDir: 's',
          requests: 300,
        }),
      );
      expect(text).toContain('failover: stop cilab-cp1 through the Proxmox API');
      expect(text).toContain('POST /nodes/pve/qemu/4201/status/stop  (cilab-cp1)');
    }
  });

  it('should name the flag and the nodes to pick from when the node does not exist', () => {
    const r = runScript('scripts/lab.ts', [
      '--mode',
      'l2',
      '--target',
      'proxmox',
      '--dry-run',
      '--config',
      'lab.example.yaml',
      '--failover-node',
      'cp9',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--failover-node cp9: lab cilab has no such node\n  pick one of cp1, cp2, cp3');
  });
});
