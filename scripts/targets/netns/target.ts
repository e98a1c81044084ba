// The emulated lab as a target: namespaces on this machine with real FRR, GoBGP, ARP and sshd, and the
// Cilium stand-ins of the lab's minor. Needs root.
import { relative } from 'node:path';
import { ensurePackages, LAB_TOOLS, requireRoot } from '../../lib/deps.ts';
import type { CreateTarget } from '../target.ts';
import { netnsCompareTarget } from './compare.ts';
import { stepLogFile } from './provision.ts';
import { runNetns, STAND_INS } from './run.ts';
import { netnsSteps } from './steps.ts';
import { formatNetnsStatus, netnsStatus } from './status.ts';
import { teardownNetns } from './teardown.ts';

const list = (items: readonly string[]) => items.map((i) => `  - ${i}`).join('\n');

export const netnsTarget: CreateTarget = (plan) => ({
  kind: 'netns',
  where: 'emulated',
  standIns: STAND_INS,
  dryRun: (mode, options) => ({
    header: [
      `Dry run: lab ${plan.name}, ${mode} mode, emulated in network namespaces on this machine (root): nothing is changed.`,
      `Every command as it runs, after "<where> $": this machine (host) or a namespace of the lab. The run writes`,
      `each command it runs to ${relative(process.cwd(), stepLogFile(plan))}.`,
    ].join('\n'),
    steps: netnsSteps(plan, mode, options),
  }),
  run: (mode, options, log) => runNetns(plan, mode, options, log),
  async status() {
    const netns = await netnsStatus(plan);
    return { fields: { netns }, text: formatNetnsStatus(netns) };
  },
  async teardown(_options, log) {
    requireRoot('tearing down the emulated lab');
    const result = await log.step('teardown', `tear down lab ${plan.name} (emulated)`, () => teardownNetns(plan));
    const removed = result.removed.length
      ? `✓ lab ${plan.name} removed:\n${list(result.removed)}`
      : `✓ nothing of lab ${plan.name} was running or on disk`;
    const kept = result.kept.length ? `\nkept (not the emulated lab's):\n${list(result.kept)}` : '';
    return { fields: { ...result }, text: removed + kept };
  },
  async compare(comparePlan, _preset, log) {
    requireRoot('lab:compare on the emulated lab');
    await ensurePackages(LAB_TOOLS, false);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        process.stderr.write('\ninterrupted: removing the emulated lab\n');
        void teardownNetns(comparePlan).finally(() => process.exit(130));
      });
    }
    return netnsCompareTarget(comparePlan, log);
  },
});
