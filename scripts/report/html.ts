// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched), readable on a
// phone, printable, light and dark. A pure function of report.json. Measured values carry data-value
// attributes holding the raw number from the JSON, so a test can read them back.
import { outageChart, shareChart, timelineChart } from './charts.ts';
import { type CompareReport, scenarioText } from './model.ts';
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

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const td = (text: string, value?: number | string, key?: string) =>
  `<td${key ? ` data-key="${esc(key)}"` : ''}${value !== undefined ? ` data-value="${esc(String(value))}"` : ''}>${esc(text)}</td>`;
const th = (cells: readonly string[]) => `<tr>${cells.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
const tableOf = (head: readonly string[], rows: readonly string[]) =>
  `<div class="scroll"><table><thead>${th(head)}</thead><tbody>${rows.join('\n')}</tbody></table></div>`;

const CSS = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #5b5b63; --bg: #ffffff; --line: #d8d8de; --card: #f6f6f8; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8ed; --muted: #a6a6b0; --bg: #16161a; --line: #3a3a42; --card: #202026; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); font-size: .9rem; }
figure { margin: 1rem 0; padding: .5rem; background: var(--card); border-radius: 8px; break-inside: avoid; overflow-x: auto; }
/* On a phone a chart keeps a legible size and scrolls sideways inside its frame. */
figure svg { width: 100%; min-width: 520px; height: auto; display: block; }
figure svg text { fill: var(--fg); }
/* ECharts' split lines (its default #dbdee4) follow the theme's line colour. */
figure svg path[stroke="#dbdee4"] { stroke: var(--line); }
figcaption { color: var(--muted); font-size: .85rem; padding: .25rem .5rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
td[data-value] { font-variant-numeric: tabular-nums; }
ul { padding-left: 1.2rem; }
@media print { figure svg { min-width: 0; } :root { --fg: #000; --muted: #333; --bg: #fff; --line: #bbb; --card: #fff; } body { max-width: none; font-size: 11pt; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

function steadySection(r: CompareReport): string {
  const nodes = r.settings.nodes;
  const rows = r.modes.flatMap((m) =>
    sources(m).map((src) => {
      const cells = nodes.map((n) => {
        const s = spread(shares(m, src, n))!;
        return td(s.min === s.max ? percent(s.mean) : `${percent(s.mean)} (${percent(s.min)}–${percent(s.max)})`);
      });
      return `<tr>${td(MODE_NAME[m.mode])}${td(src)}${cells.join('')}</tr>`;
    }),
  );
  const perTrial = r.modes.flatMap((m) =>
    m.steady.flatMap((t) =>
      Object.entries(t.bySource).map(([src, tr]) => {
        const k = `${m.mode}/steady/${t.trial}/${src}`;
        const cells = nodes.map((n) => td(String(tr.byNode[n] ?? 0), tr.byNode[n] ?? 0, `${k}/${n}`));
        return `<tr>${td(MODE_NAME[m.mode])}${td(String(t.trial))}${td(src)}${cells.join('')}${td(String(tr.failed), tr.failed, `${k}/failed`)}</tr>`;
      }),
    ),
  );
  const router = r.modes.map(
    (m) =>
      `<tr>${td(MODE_NAME[m.mode])}${td(`${m.service.ip}:${m.service.port}`)}${td(m.steady[0] ? describeView(r, m.steady[0].router) : '—')}${td(upTime(m), m.upMs, `${m.mode}/upMs`)}</tr>`,
  );
  return [
    '<h3>Share per node (mean, min–max over trials)</h3>',
    tableOf(['mode', 'from', ...nodes.map((n) => short(r, n))], rows),
    '<h3>What the router shows</h3>',
    tableOf(['mode', 'service', 'the router shows', 'brought up → serving'], router),
    '<h3>Every steady trial: answers per node</h3>',
    tableOf(['mode', 'trial', 'from', ...nodes.map((n) => short(r, n)), 'failed'], perTrial),
  ].join('\n');
}

function faultSection(r: CompareReport): string {
  const rows = faultRows(r).map((f) => {
    if (f.unavailable)
      return `<tr>${td(SCENARIO_NAME[f.scenario])}${td(MODE_NAME[f.mode])}<td colspan="4">not on this target: ${esc(f.unavailable)}</td></tr>`;
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
    return `<tr>${td(SCENARIO_NAME[f.scenario])}${td(MODE_NAME[f.mode])}${td(outage)}${td(seconds(f.boundMs))}${td(f.failedShare === null ? '—' : percent(f.failedShare))}${td(after)}</tr>`;
  });
  const trials = r.modes.flatMap((m) =>
    m.faults.flatMap((f) =>
      f.trials.map((t) => {
        const k = `${m.mode}/${f.scenario}/${t.trial}`;
        return `<tr>${td(SCENARIO_NAME[f.scenario])}${td(MODE_NAME[m.mode])}${td(String(t.trial))}${td(t.victim ? short(r, t.victim) : 'router')}${td(seconds(t.outageMs), t.outageMs, `${k}/outageMs`)}${td(`${t.failedProbes} of ${t.probes}`, `${t.failedProbes}/${t.probes}`, `${k}/probes`)}${td(t.servedAfter.map((n) => short(r, n)).join(', ') || 'nobody', t.servedAfter.join(','), `${k}/servedAfter`)}</tr>`;
      }),
    ),
  );
  const mech = r.modes.flatMap((m) =>
    m.faults.flatMap((f) => {
      const t = f.trials[0];
      return t
        ? [
            `<tr>${td(SCENARIO_NAME[f.scenario])}${td(MODE_NAME[m.mode])}${td(describeView(r, t.router.before))}${td(describeView(r, t.router.during))}${td(describeView(r, t.router.after))}</tr>`,
          ]
        : [];
    }),
  );
  return [
    tableOf(['scenario', 'mode', 'outage, median (min–max)', 'bound', 'failed probes', 'serving after'], rows),
    '<h3>Bounds from the settings</h3>',
    `<ul>${faultRows(r)
      .map(
        (f) =>
          `<li>${esc(`${SCENARIO_NAME[f.scenario]}, ${MODE_NAME[f.mode]}: ${seconds(f.boundMs)} — ${f.boundBasis}`)}</li>`,
      )
      .join('')}</ul>`,
    '<h3>Every trial</h3>',
    tableOf(['scenario', 'mode', 'trial', 'fault hit', 'outage', 'failed probes', 'serving after'], trials),
    '<h3>The mechanism as the router saw it (trial 1)</h3>',
    tableOf(['scenario', 'mode', 'before', 'right after the fault', 'once steady again'], mech),
  ].join('\n');
}

export function renderHtml(r: CompareReport): string {
  const share = shareChart(r);
  const outage = outageChart(r);
  const timelines = (['l2', 'bgp'] as const).map((m) => timelineChart(r, m)).filter((x) => x !== null);
  const hasSteady = r.modes.some((m) => m.steady.length > 0);
  const hasFaults = r.modes.some((m) => m.faults.some((f) => f.trials.length > 0));
  const figures = [
    hasSteady
      ? `<figure id="chart-share" data-marks="${share.marks}">${share.svg}<figcaption>L2: one node takes every new connection. BGP: the router spreads them over every node (ECMP).</figcaption></figure>`
      : '',
    hasFaults
      ? `<figure id="chart-outage" data-points="${outage.points}" data-bounds="${outage.bounds}">${outage.svg}<figcaption>Each point is one trial; the grey line is the longest outage the settings allow.</figcaption></figure>`
      : '',
    ...timelines.map(
      (t, i) =>
        `<figure id="chart-timeline-${i}" class="timeline" data-marks="${t.marks}">${t.svg}<figcaption>Every probe (one each ${r.settings.probeIntervalMs} ms, a new TCP connection) on the row of the node that answered; red: no answer.</figcaption></figure>`,
    ),
  ].filter(Boolean);
  const fid = r.fidelity.map(
    (f) =>
      `<tr>${td(f.part)}${td(f.kind)}${td(f.models)}<td>${f.differences.length ? `<ul>${f.differences.map((d) => `<li>${esc(d.what)} → <em>${esc(d.effect)}</em></li>`).join('')}</ul>` : 'none'}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>L2 announcement versus BGP · lab ${esc(r.lab)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>L2 announcement versus BGP</h1>
<p class="meta">lab ${esc(r.lab)} · target ${esc(r.target)} · ${esc(r.date)} · ${r.trials} trial(s) per scenario and mode</p>
<p class="meta">${esc(settingsLine(r))}</p>
<p class="meta">${esc(
    Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · '),
  )}</p>
${figures.join('\n')}
<h2>Scenarios</h2>
<ul>${r.scenarios.map((s) => `<li>${esc(scenarioText(r.target, s))}</li>`).join('')}</ul>
<h2>Steady state</h2>
${hasSteady ? steadySection(r) : '<p>not measured</p>'}
<h2>Faults</h2>
${hasFaults ? faultSection(r) : '<p>not measured</p>'}
<h2>Fidelity of the emulated lab</h2>
${r.fidelity.length ? tableOf(['part', 'kind', 'models', 'known differences → effect on the numbers'], fid) : '<p>Everything here is real: no stand-ins on this target.</p>'}
</body>
</html>
`;
}
