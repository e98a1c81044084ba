// A Proxmox VE host as a target: the stacks deployed with cdktf, then the run's step list over the API
// and SSH (steps.ts). The token comes from the environment and is never printed.
import { writeSync } from 'node:fs';
import { relative } from 'node:path';
import { LabError } from '../../../lab/errors.ts';
import { labStateDir, ROOT } from '../../../lab/load.ts';
import type { Mode } from '../../../lab/plan.ts';
import { renderDir, routerSecrets } from '../../lib/render-files.ts';
import type { CreateTarget, RunOptions } from '../target.ts';
import { createApi, tokenFromEnv } from './api.ts';
import { proxmoxCompareTarget } from './compare.ts';
import { dryRunHeader } from './dry-run.ts';
import { runLocal } from './local.ts';
import { runProxmox } from './run.ts';
import { formatProxmoxStatus, proxmoxStatus } from './status.ts';
import { proxmoxSteps } from './steps.ts';
import { destroyCommands, removeLocalState } from './teardown.ts';

export const proxmoxTarget: CreateTarget = (plan, file) => {
  const steps = (mode: Mode, o: RunOptions) =>
    proxmoxSteps(plan, mode, {
      failover: o.failover,
      failoverNode: o.failoverNode,
      renderDir: relative(ROOT, renderDir(plan, mode)),
      stateDir: relative(ROOT, labStateDir(plan.name)),
      requests: o.requests,
    });
  return {
    kind: 'proxmox',
    where: plan.config.proxmox.endpoint,
    dryRun: (mode, options) => ({ header: dryRunHeader(plan, mode, process.env), steps: steps(mode, options) }),
    run: (mode, options, log) => runProxmox(plan, mode, file, options, log),
    async status() {
      const api = createApi({
        endpoint: plan.config.proxmox.endpoint,
        insecure: plan.config.proxmox.insecure,
        token: tokenFromEnv(),
      });
      const proxmox = await proxmoxStatus(plan, api);
      return { fields: { proxmox }, text: formatProxmoxStatus(proxmox) };
    },
    async teardown({ keepImages }, log) {
      tokenFromEnv();
      for (const command of destroyCommands(plan, keepImages))
        await log.step('destroy', `destroy ${keepImages ? 'the VM stack (image kept)' : 'both stacks'}`, () =>
          runLocal(command, { LAB_CONFIG: file }),
        );
      const removed = removeLocalState(plan, keepImages);
      return {
        fields: { removed },
        text: `✓ lab ${plan.name} destroyed; removed ${removed.join(', ') || 'no local files'}`,
      };
    },
    async compare(comparePlan, preset, log) {
      // As lab:l2/lab:bgp: the token from the environment, refused here when missing; the run's first
      // step is the preflight. The VMs stay after the comparison (lab:teardown removes them).
      if (preset !== 'lab')
        throw new LabError(
          'E_USAGE',
          `--preset ${preset} runs on the emulated lab only: on Proxmox the VMs get their files rendered from ${relative(process.cwd(), file)}`,
          "set l2.lease and bgp.timers in the lab file to Cilium's defaults (lease 15s/5s/2s; keepalive 30, hold 90, connectRetry 120) and run with --preset lab",
        );
      tokenFromEnv();
      routerSecrets(comparePlan);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.on(signal, () => {
          writeSync(2, '\ninterrupted: the VMs stay up; the same command resumes, npm run lab:teardown removes them\n');
          process.exit(130);
        });
      }
      return proxmoxCompareTarget(comparePlan, file, log);
    },
  };
};
