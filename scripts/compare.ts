// npm run lab:compare — L2 announcement versus BGP on one lab, measured side by side under faults;
// writes .lab/<name>/report/{report.json,report.md,report.html}.
import { writeSync } from 'node:fs';
import { relative } from 'node:path';
import { LabError } from '../lab/errors.ts';
import { LAB_FLAGS, main } from './cli.ts';
import { netnsCompareTarget } from './compare/netns.ts';
import { proxmoxCompareTarget } from './compare/proxmox.ts';
import type { CompareTarget } from './compare/target.ts';
import { applyPreset, PRESETS } from './compare/presets.ts';
import { runCompare } from './compare/run.ts';
import { parseScenarios } from './compare/scenarios.ts';
import { labStateDir, loadLab } from '../lab/load.ts';
import { ensurePackages, LAB_TOOLS, requireRoot } from './deps.ts';
import { createLogger } from './log.ts';
import { SCENARIOS } from './report/model.ts';
import { summaryTables } from './report/markdown.ts';
import { chooseTarget } from './targets/choose.ts';
import { teardownNetns } from './targets/netns/teardown.ts';
import { tokenFromEnv } from './targets/proxmox/api.ts';
import { routerSecrets } from './render-files.ts';

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
    const { target, why } = chooseTarget(flags.target, flags.config);
    log.note(why);
    const { plan: labPlan, file } = loadLab(flags.config);
    const plan = applyPreset(labPlan, preset);
    let compareTarget: CompareTarget;
    if (target === 'proxmox') {
      // As lab:l2/lab:bgp: the token from the environment, refused here when missing; the run's first
      // step is the preflight. The VMs stay after the comparison (lab:teardown removes them).
      if (preset !== 'lab')
        throw new LabError(
          'E_USAGE',
          `--preset ${preset} runs on the emulated lab only: on Proxmox the VMs get their files rendered from ${relative(process.cwd(), file)}`,
          "set l2.lease and bgp.timers in the lab file to Cilium's defaults (lease 15s/5s/2s; keepalive 30, hold 90, connectRetry 120) and run with --preset lab",
        );
      tokenFromEnv();
      routerSecrets(plan);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.on(signal, () => {
          writeSync(2, '\ninterrupted: the VMs stay up; the same command resumes, npm run lab:teardown removes them\n');
          process.exit(130);
        });
      }
      compareTarget = proxmoxCompareTarget(plan, file, log);
    } else {
      requireRoot('lab:compare on the emulated lab');
      await ensurePackages(LAB_TOOLS, false);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.on(signal, () => {
          process.stderr.write('\ninterrupted: removing the emulated lab\n');
          void teardownNetns(plan).finally(() => process.exit(130));
        });
      }
      compareTarget = netnsCompareTarget(plan, log);
    }
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
