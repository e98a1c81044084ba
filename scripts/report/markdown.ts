// report.md: the tables, as a pure function of report.json. summaryTables is what lab:compare prints.
import type { CompareReport } from './model.ts';
import {
  describeView,
  faultRows,
  MODE_NAME,
  percent,
  SCENARIO_NAME,
  seconds,
  settingsLine,
  shares,
  short,
  sources,
  spread,
  upTime,
} from './summary.ts';

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

export function shareTable(r: CompareReport): string {
  const nodes = r.settings.nodes;
  const rows = r.modes.flatMap((m) =>
    sources(m).map((src) => {
      const failed = m.steady.reduce((a, t) => a + (t.bySource[src]?.failed ?? 0), 0);
      const cells = nodes.map((n) => {
        const s = spread(shares(m, src, n))!;
        return s.min === s.max ? percent(s.mean) : `${percent(s.mean)} (${percent(s.min)}–${percent(s.max)})`;
      });
      return [MODE_NAME[m.mode], src, ...cells, String(failed)];
    }),
  );
  return table(['mode', 'from', ...nodes.map((n) => short(r, n)), 'failed'], rows);
}

export function routerTable(r: CompareReport): string {
  return table(
    ['mode', 'service', 'the router shows', 'brought up → serving'],
    r.modes.map((m) => [
      MODE_NAME[m.mode],
      `${m.service.ip}:${m.service.port}`,
      m.steady[0] ? describeView(r, m.steady[0].router) : '—',
      upTime(m),
    ]),
  );
}

export function faultTable(r: CompareReport): string {
  const rows = faultRows(r).map((f) => {
    if (f.unavailable)
      return [SCENARIO_NAME[f.scenario], MODE_NAME[f.mode], `not on this target: ${f.unavailable}`, '', '', ''];
    const outage =
      f.median === null
        ? '—'
        : f.min === f.max
          ? seconds(f.median)
          : `${seconds(f.median)} (${seconds(f.min!)}–${seconds(f.max!)})`;
    const after =
      Object.entries(f.servedAfter)
        .map(([n, k]) => (k === f.outages.length ? short(r, n) : `${short(r, n)} (${k}/${f.outages.length})`))
        .join(', ') || 'nobody';
    return [
      SCENARIO_NAME[f.scenario],
      MODE_NAME[f.mode],
      outage,
      seconds(f.boundMs),
      f.failedShare === null ? '—' : percent(f.failedShare),
      after,
    ];
  });
  return table(['scenario', 'mode', 'outage, median (min–max)', 'bound', 'failed probes', 'serving after'], rows);
}

export function mechanismTable(r: CompareReport): string {
  const rows = r.modes.flatMap((m) =>
    m.faults.flatMap((f) => {
      const t = f.trials[0];
      return t
        ? [
            [
              SCENARIO_NAME[f.scenario],
              MODE_NAME[m.mode],
              describeView(r, t.router.before),
              describeView(r, t.router.during),
              describeView(r, t.router.after),
            ],
          ]
        : [];
    }),
  );
  return table(['scenario', 'mode', 'before', 'right after the fault', 'once steady again'], rows);
}

export function summaryTables(r: CompareReport): string {
  const parts = [];
  if (r.modes.some((m) => m.steady.length > 0))
    parts.push(
      `Share of new connections per node (mean, min–max over ${r.trials} trial(s)):\n\n${shareTable(r)}`,
      routerTable(r),
    );
  if (r.modes.some((m) => m.faults.length > 0))
    parts.push(`Faults (${r.trials} trial(s) each; bound = what the settings allow):\n\n${faultTable(r)}`);
  return parts.join('\n\n');
}

export function boundsList(r: CompareReport): string {
  const seen = faultRows(r);
  return seen
    .map((f) => `- ${SCENARIO_NAME[f.scenario]}, ${MODE_NAME[f.mode]}: ${seconds(f.boundMs)} — ${f.boundBasis}`)
    .join('\n');
}

export function renderMarkdown(r: CompareReport): string {
  const fid = r.fidelity.map((f) => [
    f.part,
    f.kind,
    f.models,
    f.differences.map((d) => `${d.what} → ${d.effect}`).join('; ') || 'none',
  ]);
  return [
    `# L2 announcement versus BGP: lab ${r.lab}, target ${r.target}`,
    '',
    `${r.date} · ${r.trials} trial(s) per scenario and mode · wall time ${seconds(r.wallMs)}`,
    '',
    `Settings: ${settingsLine(r)}`,
    '',
    `Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · ')}`,
    '',
    '## Steady state',
    '',
    r.modes.some((m) => m.steady.length > 0) ? `${shareTable(r)}\n\n${routerTable(r)}` : 'not measured',
    '',
    '## Faults',
    '',
    r.modes.some((m) => m.faults.length > 0) ? faultTable(r) : 'not measured',
    '',
    'Bounds:',
    '',
    boundsList(r),
    '',
    '## The mechanism as the router saw it (trial 1)',
    '',
    mechanismTable(r),
    '',
    '## Fidelity of the emulated lab',
    '',
    r.fidelity.length
      ? table(['part', 'kind', 'models', 'known differences → effect'], fid)
      : 'everything real (no stand-ins on this target)',
    '',
  ].join('\n');
}
