// The emulated run's step list (issue 19): its dry run prints every step and command with where it runs,
// touching nothing. That the run executes exactly these is the root suite's to prove (lab.test.ts, from
// the step log of real runs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netnsSteps } from '../../../scripts/targets/netns/steps.ts';
import { runScript } from '../../helpers/cli.ts';
import { labPlan } from '../../helpers/labs.ts';
import { ROOT } from '../../helpers/shared.ts';

describe('the emulated dry run', () => {
  it('should print the ordered steps and their commands, where each runs, and touch nothing', () => {
    const r = runScript('scripts/lab.ts', ['--mode', 'l2', '--target', 'netns', '--dry-run', '--failover']);
    expect(r.status, r.stderr).toBe(0);
    const titles = [...r.stdout.matchAll(/^ *\d+\. (.*)$/gm)].map((m) => m[1]);
    expect(titles).toEqual([
      'system packages',
      'render l2 files',
      'namespaces and links: router, 3 nodes, client, LAN bridge',
      'router: FRR (zebra, no BGP), sshd, lease API',
      'nodes: echo + L2 announcer on 3 nodes (Cilium stand-ins)',
      expect.stringMatching(/^SSH to the router at 169\.254\.\d+\.\d+ \(host key pinned\)$/),
      "a node holds the lease and answers ARP, the router's entry on it",
      '300 requests from the router and from the client',
      'failover: the L2 holder loses its link, probing every 100 ms from the client',
    ]);
    expect(r.stdout).toContain('cilab-router $ vtysh --vty_socket /run/proxmox-cilium-lab/cilab/frr -f ');
    expect(r.stdout).toMatch(/^ {4}host \$ ip -batch .*\/\.lab\/cilab\/netns\/l2\/network\/host\.batch$/m);
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toMatch(/^cilab-/m);
    expect(existsSync(join(ROOT, '.lab', 'cilab', 'netns', 'steps.log'))).toBe(false);
  });

  it('should name the failover victim where it is known, and print the same list as JSON', () => {
    const plan = labPlan();
    const bgp = netnsSteps(plan, 'bgp', { requests: 10, failover: true, failoverNode: 'cilab-cp2' });
    expect(bgp.at(-1)!.commands.map((c) => `${c.host} ${c.run}`)).toEqual([
      expect.stringMatching(/^cilab-client end=/),
      'cilab-lan ip link set cp2 down',
      'cilab-lan ip link set cp2 up',
    ]);
    const r = runScript('scripts/lab.ts', ['--mode', 'bgp', '--target', 'netns', '--dry-run', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { target: string; steps: { id: string }[] };
    expect(doc.target).toBe('netns');
    expect(doc.steps.map((s) => s.id)).toEqual([
      'deps',
      'render',
      'network',
      'router',
      'nodes',
      'ssh',
      'converge',
      'verify',
    ]);
  });
});
