// The report's charts, drawn at report time to SVG strings by ECharts' server-side renderer (no
// browser, no DOM). The only file that imports echarts. Every mark carries ECharts' own
// ecmeta_series_index / ecmeta_data_index attributes, which the browser test counts.
import * as echarts from 'echarts';
import type { CompareReport } from './model.ts';
import { faultRows, MODE_NAME, SCENARIO_NAME, shares, short, sources, spread, timelineTrial } from './summary.ts';

export const NODE_COLOURS = ['#2f7ed8', '#e8871e', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22'];
export const FAILED_COLOUR = '#d62728';
export const MODE_COLOURS = { l2: '#c2185b', bgp: '#00897b' } as const;
const BOUND_COLOUR = '#888888';
/** A horizontal line, as a scatter symbol: the bound drawn across its category. */
const DASH = 'path://M0,0L10,0L10,1L0,1Z';

function svg(option: echarts.EChartsOption, width = 720, height = 320): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  const out = chart.renderToSVGString();
  chart.dispose();
  return out;
}

const grid = { left: 56, right: 16, top: 48, bottom: 56 };

/** Stacked bars: each node's share of new connections, per mode and source (mean over trials). */
export function shareChart(r: CompareReport): { svg: string; marks: number } {
  const cats = r.modes.flatMap((m) =>
    sources(m).map((src) => ({ m, src, label: `${MODE_NAME[m.mode]}\nfrom ${src}` })),
  );
  let marks = 0;
  const series = r.settings.nodes.map((node, i) => ({
    type: 'bar' as const,
    name: short(r, node),
    stack: 'share',
    itemStyle: { color: NODE_COLOURS[i % NODE_COLOURS.length] },
    data: cats.map(({ m, src }) => {
      const mean = spread(shares(m, src, node))?.mean ?? 0;
      if (mean > 0) marks++;
      // '-' draws nothing: a node without a share gets no bar.
      return mean > 0 ? Math.round(mean * 10) / 10 : '-';
    }),
  }));
  return {
    marks,
    svg: svg({
      title: { text: 'Share of new connections per node', left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0 },
      grid,
      xAxis: { type: 'category', data: cats.map((c) => c.label) },
      yAxis: { type: 'value', max: 100, name: '%' },
      series,
    }),
  };
}

/** Every trial's outage as a point, per scenario and mode; the bound as a short line across. */
export function outageChart(r: CompareReport): { svg: string; points: number; bounds: number } {
  const rows = faultRows(r).filter((f) => !f.unavailable);
  const cats = rows.map((f) => `${SCENARIO_NAME[f.scenario]}\n${MODE_NAME[f.mode]}`);
  const points = (['l2', 'bgp'] as const).map((mode) => ({
    type: 'scatter' as const,
    name: `${MODE_NAME[mode]} trials`,
    symbolSize: 9,
    itemStyle: { color: MODE_COLOURS[mode] },
    data: rows.flatMap((f, i) => (f.mode === mode ? f.outages.map((ms) => [i, ms / 1000]) : [])),
  }));
  const bounds = {
    type: 'scatter' as const,
    name: 'bound from the settings',
    symbol: DASH,
    symbolSize: [44, 3],
    itemStyle: { color: BOUND_COLOUR },
    data: rows.map((f, i) => [i, f.boundMs / 1000]),
  };
  return {
    points: rows.reduce((a, f) => a + f.outages.length, 0),
    bounds: rows.length,
    svg: svg(
      {
        title: { text: 'Outage per scenario: every trial, and the bound', left: 'center', textStyle: { fontSize: 14 } },
        legend: { bottom: 0 },
        grid: { ...grid, bottom: 80 },
        xAxis: { type: 'category', data: cats, axisLabel: { interval: 0, fontSize: 10 } },
        yAxis: { type: 'value', name: 's' },
        series: [...points, bounds],
      },
      720,
      360,
    ),
  };
}

/** One probe per point over time (0 = the fault), on the row of the node that answered, or "failed". */
export function timelineChart(
  r: CompareReport,
  mode: 'l2' | 'bgp',
): { svg: string; marks: number; title: string } | null {
  const m = r.modes.find((x) => x.mode === mode);
  const pick = m && timelineTrial(m);
  if (!pick) return null;
  const { trial } = pick;
  const rows = [...r.settings.nodes.map((n) => short(r, n)), 'failed'];
  const at = (t: number) => Math.round(t - trial.faultAt) / 1000;
  const series = rows.map((row, i) => ({
    type: 'scatter' as const,
    name: row,
    symbolSize: 6,
    itemStyle: { color: row === 'failed' ? FAILED_COLOUR : NODE_COLOURS[i % NODE_COLOURS.length] },
    data: trial.samples
      .filter((s) => (row === 'failed' ? !s.ok : s.ok && s.node !== undefined && short(r, s.node) === row))
      .map((s) => [at(s.t), row]),
  }));
  const title = `${MODE_NAME[mode]}: ${SCENARIO_NAME[pick.scenario]} of ${trial.victim ? short(r, trial.victim) : 'the router'}, trial ${trial.trial}`;
  return {
    title,
    marks: series.reduce((a, s) => a + s.data.length, 0),
    svg: svg(
      {
        title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
        grid: { ...grid, left: 64 },
        xAxis: { type: 'value', name: 's after the fault', nameLocation: 'middle', nameGap: 28 },
        yAxis: { type: 'category', data: rows },
        series,
      },
      720,
      240,
    ),
  };
}
