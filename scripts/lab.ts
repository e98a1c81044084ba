// npm run lab:l2 / lab:bgp — bring the lab up in one mode, verify it from the router (and the client),
// optionally measure a failover; print a summary or one JSON document.
import { writeSync } from 'node:fs';
import { relative } from 'node:path';
import { LabError } from '../lab/errors.ts';
import { CONFIG_FLAG, main, TARGET_FLAG } from './cli.ts';
import { labStateDir, loadLab, ROOT } from '../lab/load.ts';
import { recordVerification } from './last-verification.ts';
import { createLogger } from './log.ts';
import { MODES } from '../lab/plan.ts';
import { renderDir, routerSecrets } from './render-files.ts';
import { chooseTarget } from './targets/choose.ts';
import { runNetns, STAND_INS } from './targets/netns/run.ts';
import { runProxmox } from './targets/proxmox/run.ts';
import { dryRunHeader } from './targets/proxmox/dry-run.ts';
import { formatSteps, proxmoxSteps } from './targets/proxmox/steps.ts';
import { resolveNode } from './verify/failover.ts';
import { formatReport } from './verify/report.ts';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Synchronous: process.exit drops what an asynchronous write to a pipe still holds.
    writeSync(2, `\ninterrupted: npm run lab:teardown removes whatever was started\n`);
    process.exit(130);
  });
}

await main(
  {
    name: 'lab:l2 | lab:bgp',
    summary:
      'Brings the lab up in L2-announcement or BGP mode and proves from the router that the LoadBalancer service is reachable.',
    flags: {
      mode: {
        type: 'choice',
        choices: MODES,
        required: true,
        help: 'l2 or bgp (npm run lab:l2 / lab:bgp set it)',
        example: 'e.g. npm run lab:bgp',
      },
      target: TARGET_FLAG,
      config: CONFIG_FLAG,
      failover: { type: 'boolean', help: 'take the serving node away and report the outage' },
      'failover-node': {
        type: 'string',
        help: 'the node --failover takes away, e.g. cp2 (implies --failover; default: L2 the holder, BGP the last node)',
      },
      requests: { type: 'count', min: 1, default: 300, help: 'HTTP requests per source (default 300)' },
      'install-deps': { type: 'boolean', help: 'apt-get install missing system packages (Debian/Ubuntu, root)' },
      'dry-run': {
        type: 'boolean',
        help: 'print every step and command with the host it runs on; touch nothing (Proxmox)',
      },
    },
  },
  async (flags, json) => {
    const { mode, requests } = flags;
    const log = createLogger({ json });
    const { target, why } = chooseTarget(flags.target, flags.config);
    log.note(why);
    const { plan, file } = loadLab(flags.config);
    // A missing BGP password stops the run here, before anything is changed.
    if (mode === 'bgp') routerSecrets(plan);
    const failoverNode = flags['failover-node'] === undefined ? undefined : resolveNode(plan, flags['failover-node']);
    const failover = flags.failover || failoverNode !== undefined;
    if (flags['dry-run']) {
      if (target !== 'proxmox')
        throw new LabError('E_USAGE', '--dry-run shows the Proxmox run', 'add --target proxmox');
      const steps = proxmoxSteps(plan, mode, {
        failover,
        failoverNode,
        renderDir: relative(ROOT, renderDir(plan, mode)),
        stateDir: relative(ROOT, labStateDir(plan.name)),
        requests,
      });
      if (json) console.log(JSON.stringify({ lab: plan.name, mode, target, steps }, null, 2));
      else console.log(`${dryRunHeader(plan, mode, process.env)}\n\n${formatSteps(steps)}`);
      return true;
    }
    const report =
      target === 'proxmox'
        ? await runProxmox(plan, mode, file, { requests, failover, failoverNode }, log)
        : await runNetns(plan, mode, { requests, failover, failoverNode, installDeps: flags['install-deps'] }, log);
    recordVerification(plan, report);
    if (json) console.log(JSON.stringify(report, null, 2));
    else console.log(`\n${formatReport(report, target === 'netns' ? STAND_INS : undefined)}`);
    return report.verified;
  },
);
