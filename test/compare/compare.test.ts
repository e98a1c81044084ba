// lab:compare end to end on the emulated lab (root, real FRR, GoBGP, ARP): one trial of every scenario
// in both modes, the three report files written, nothing left behind. Short timers keep it quick:
// it tests the machinery, not the numbers (those are bench:compare's and the report's).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompareReport } from '../../scripts/report/model.ts';
import { SCENARIOS } from '../../scripts/report/model.ts';
import { RUN_ROOT } from '../../scripts/hosts/netns.ts';
import { labPlan, labText } from '../helpers/labs.ts';
import { runScript } from '../helpers/cli.ts';
import { ROOT } from '../helpers/shared.ts';
import { hasTool, isRoot } from '../helpers/tools.ts';

const NAME = 'i9cmpe2e';
const dir = mkdtempSync(join(tmpdir(), 'lab-compare-'));
const config = join(dir, 'lab.yaml');
const PATCH = {
  name: NAME,
  l2: { lease: { duration: '2s', renewDeadline: '1s', retryPeriod: '200ms' } },
  bgp: { timers: { keepalive: 1, hold: 3, connectRetry: 1 } },
};
writeFileSync(config, labText(PATCH));
const nodeIp = (name: string) => labPlan(PATCH).nodes.find((n) => n.name === name)!.lanIp;
const reportDir = join(ROOT, '.lab', NAME, 'report');
const ready = isRoot && ['gobgpd', 'vtysh', 'arping', 'curl', 'nft'].every(hasTool);

describe.skipIf(!ready)('lab:compare on the emulated lab', () => {
  afterAll(() => {
    runScript('scripts/teardown.ts', ['--target', 'netns', '--config', config]);
    rmSync(join(ROOT, '.lab', NAME), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run every scenario once per mode, write the report and leave nothing behind', () => {
    const r = runScript('scripts/compare.ts', ['--target', 'netns', '--config', config, '--trials', '1'], {
      timeoutMs: 600_000,
    });
    expect(r.status, r.stderr).toBe(0);
    // Progress names mode, scenario, trial and the time left, on stderr; the summary and the HTML's path on stdout.
    expect(r.stderr).toMatch(/bgp · link-loss · trial 1\/1 · about .* left/);
    expect(r.stdout).toMatch(/\| link loss \| BGP \|/);
    expect(r.stdout).toContain(`report: ${join('.lab', NAME, 'report', 'report.html')}`);
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as CompareReport;
    expect(report).toMatchObject({ schema: 1, lab: NAME, target: 'netns', trials: 1, scenarios: [...SCENARIOS] });
    expect(report.modes.map((m) => m.mode)).toEqual(['l2', 'bgp']);
    const [l2, bgp] = report.modes as [CompareReport['modes'][number], CompareReport['modes'][number]];
    // Steady: L2 puts every connection on the holder, BGP on every node.
    const l2Client = l2.steady[0]!.bySource.client!;
    expect(Object.keys(l2Client.byNode)).toEqual([l2.steady[0]!.router.arp!.node]);
    expect(Object.keys(bgp.steady[0]!.bySource.client!.byNode).sort()).toEqual(report.settings.nodes);
    for (const m of report.modes) {
      expect(m.faults.map((f) => f.scenario)).toEqual(SCENARIOS.filter((s) => s !== 'steady'));
      for (const f of m.faults) {
        expect(f.trials, `${m.mode} ${f.scenario}`).toHaveLength(1);
        expect(f.trials[0]!.servedAfter.length, `${m.mode} ${f.scenario} served after`).toBeGreaterThan(0);
      }
    }
    // Link loss: L2 moves to another node after the lease, the router with it (it once stalled on the lost
    // holder when the takeover's ARP came within locktime of its entry's last change: issue 23, now locktime
    // 0); BGP loses the node's flows until hold + restart time.
    const l2Link = l2.faults.find((f) => f.scenario === 'link-loss')!.trials[0]!;
    expect(l2Link.outageMs).toBeGreaterThan(0);
    expect(l2Link.servedAfter).not.toContain(l2Link.victim);
    expect(l2Link.router.after.arp!.node).not.toBe(l2Link.victim);
    const bgpLink = bgp.faults.find((f) => f.scenario === 'link-loss')!.trials[0]!;
    expect(bgpLink.router.after.bgp!.nexthops).not.toContain(nodeIp(bgpLink.victim!));
    expect(report.fidelity.map((f) => f.kind)).toContain('stand-in');
    for (const f of ['report.md', 'report.html']) expect(existsSync(join(reportDir, f)), f).toBe(true);
    // Nothing left: namespaces, links, runtime files, the lab's netns state.
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`${NAME}-`);
    expect(spawnSync('ip', ['-br', 'link'], { encoding: 'utf8' }).stdout).not.toContain(`${NAME}-`);
    expect(existsSync(join(RUN_ROOT, NAME))).toBe(false);
    expect(existsSync(join(ROOT, '.lab', NAME, 'netns'))).toBe(false);
  }, 600_000);
});
