// npm run lab:compare — L2 announcement versus BGP on one lab, measured side by side under faults;
// writes .lab/<name>/report/{report.json,report.md,report.html}.
import { relative } from 'node:path';
import { LAB_FLAGS, main } from './lib/cli.ts';
import { applyPreset, PRESETS } from './compare/presets.ts';
import { runCompare } from './compare/run.ts';
import { parseScenarios } from './compare/scenarios.ts';
import { labStateDir } from '../lab/load.ts';
import { createLogger } from './lib/log.ts';
import { SCENARIOS } from './report/model.ts';
import { summaryTables } from './report/markdown.ts';
import { openLab } from './targets/registry.ts';

await main(
  {
    name: 'lab:compare',
    summary:
      'Measures L2 announcement against BGP on one lab: traffic per node, then each fault scenario N times per mode; writes report.json, report.md and report.html. On Proxmox the second mode is a mode switch on the same VMs, which stay up afterwards.',
    flags: {
      ...LAB_FLAGS,
      trials: { type: 'count', min: 1, default: 5, help: 'runs of every scenario per mode (default 5)' },
      scenarios: { type: 'string', help: `comma-separated subset of ${SCENARIOS.join(',')} (default: all)` },
      preset: {
        type: 'choice',
        choices: PRESETS,
        default: 'lab',
        help: `timers: ${PRESETS.join(' (as in the lab file) or ')} (lease 15s/5s/2s, hold 90 s, keepalive 30 s; emulated lab only)`,
      },
    },
  },
  async (flags, json) => {
    const log = createLogger({ json });
    const { trials, preset } = flags;
    const scenarios = parseScenarios(flags.scenarios);
    const { plan: labPlan, target } = openLab(flags, log);
    const plan = applyPreset(labPlan, preset);
    const compareTarget = await target.compare(plan, preset, log);
    log.note(`lab ${plan.name} · preset ${preset} · ${trials} trial(s) of ${scenarios.join(', ')} per mode`);
    const report = await runCompare(plan, compareTarget, { trials, scenarios, preset }, log);
    // ECharts is large: loaded only when there is a report to draw, so --help and bad flags answer at once.
    const { writeReport } = await import('./report/write.ts');
    const files = writeReport(labStateDir(plan.name, 'report'), report);
    if (json) console.log(JSON.stringify(report));
    else console.log(`\n${summaryTables(report)}\n\nreport: ${relative(process.cwd(), files.html)}`);
    return true;
  },
);
