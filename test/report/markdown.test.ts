// The report is a pure function of report.json: the recorded fixture renders to the golden report.md
// (UPDATE_GOLDEN=1 rewrites it), and the tables say what the numbers say.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../scripts/report/html.ts';
import { renderMarkdown, summaryTables } from '../../scripts/report/markdown.ts';
import type { CompareReport } from '../../scripts/report/model.ts';
import { faultRows, median, shares } from '../../scripts/report/summary.ts';
import { FIXTURE, GOLDEN_MD } from './fixture.ts';

const report = JSON.parse(readFileSync(FIXTURE, 'utf8')) as CompareReport;

describe('renderMarkdown', () => {
  it('should render the recorded report.json to the golden report.md', () => {
    const md = renderMarkdown(report);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN_MD, md);
    expect(md).toBe(readFileSync(GOLDEN_MD, 'utf8'));
  });

  it('should render the same text twice (no clock, no randomness)', () => {
    expect(renderMarkdown(report)).toBe(renderMarkdown(structuredClone(report)));
  });

  it('should put every steady L2 connection on one node and spread BGP over all of them', () => {
    const [l2, bgp] = [report.modes.find((m) => m.mode === 'l2')!, report.modes.find((m) => m.mode === 'bgp')!];
    const l2Means = report.settings.nodes.map((n) => shares(l2, 'client', n)[0]!);
    expect(l2Means.filter((x) => x === 100)).toHaveLength(1);
    for (const n of report.settings.nodes) expect(shares(bgp, 'client', n)[0]).toBeGreaterThan(10);
  });

  it('should summarise each fault with its median outage and bound', () => {
    const rows = faultRows(report);
    const l2Link = rows.find((f) => f.scenario === 'link-loss' && f.mode === 'l2')!;
    const trials = report.modes.find((m) => m.mode === 'l2')!.faults.find((f) => f.scenario === 'link-loss')!.trials;
    expect(l2Link.median).toBe(median(trials.map((t) => t.outageMs)));
    expect(l2Link.boundMs).toBe(report.settings.l2Lease.durationMs + report.settings.l2Lease.retryPeriodMs);
    expect(summaryTables(report)).toContain('| link loss | L2 |');
  });
});

describe('a Proxmox report', () => {
  it('should say how each mode came up (the mode switch) and that nothing stood in', () => {
    const [l2, bgp] = report.modes as [CompareReport['modes'][number], CompareReport['modes'][number]];
    const pve: CompareReport = {
      ...report,
      target: 'proxmox',
      modes: [
        { ...l2, upKind: 'existing VMs' },
        { ...bgp, upKind: 'mode switch', upMs: 412_300 },
      ],
      fidelity: [],
    };
    const md = renderMarkdown(pve);
    expect(md).toContain('target proxmox');
    expect(md).toMatch(/\| BGP \| [^|]+ \| [^|]+ \| 412\.3 s \(mode switch\) \|/);
    expect(md).toContain('(existing VMs)');
    expect(md).toContain('everything real (no stand-ins on this target)');
    // The scenarios as they are done there, not as on the emulated lab.
    const html = renderHtml(pve);
    expect(html).toContain('unplugged through the Proxmox API (net0 link_down=1)');
    expect(html).not.toContain('graceful stop: SIGTERM to that node');
    expect(renderHtml(report)).toContain('graceful stop: SIGTERM to that node');
  });
});

describe('median', () => {
  it('should take the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
