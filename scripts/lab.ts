// npm run lab:l2 / lab:bgp — bring the lab up in one mode, verify it from the router (and the client),
// optionally measure a failover; print a summary or one JSON document.
import { writeSync } from 'node:fs';
import { relative } from 'node:path';
import { LabError } from '../lab/errors.ts';
import { LAB_HELP, LAB_OPTIONS, main } from './cli.ts';
import { loadLab } from './config.ts';
import { recordVerification } from './last-verification.ts';
import { createLogger } from './log.ts';
import { labStateDir, ROOT } from './paths.ts';
import { parseMode, renderDir, routerSecrets } from './render-files.ts';
import { chooseTarget } from './targets/choose.ts';
import { runNetns, STAND_INS } from './targets/netns/run.ts';
import { runProxmox } from './targets/proxmox/run.ts';
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
    summary: 'Brings the lab up in L2-announcement or BGP mode and proves from the router that the LoadBalancer service is reachable.',
    options: {
      mode: { type: 'string' },
      ...LAB_OPTIONS,
      failover: { type: 'boolean' },
      'failover-node': { type: 'string' },
      requests: { type: 'string' },
      'install-deps': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
    help: {
      mode: 'l2 or bgp (npm run lab:l2 / lab:bgp set it)',
      ...LAB_HELP,
      failover: 'take the serving node away and report the outage',
      'failover-node': 'the node --failover takes away, e.g. cp2 (implies --failover; default: L2 the holder, BGP the last node)',
      requests: 'HTTP requests per source (default 300)',
      'install-deps': 'apt-get install missing system packages (Debian/Ubuntu, root)',
      'dry-run': 'print every step and command with the host it runs on; touch nothing (Proxmox)',
    },
  },
  async (opts, json) => {
    const mode = parseMode(opts.mode);
    const log = createLogger({ json });
    const { target, why } = chooseTarget(opts.target as string | undefined, opts.config as string | undefined);
    log.note(why);
    const { plan, file } = loadLab(opts.config as string | undefined);
    // A missing BGP password stops the run here, before anything is changed.
    if (mode === 'bgp') routerSecrets(plan);
    const requests = Number(opts.requests ?? 300);
    if (!Number.isInteger(requests) || requests < 1) throw new LabError('E_USAGE', `--requests must be a whole number above 0, not ${opts.requests}`);
    const failoverNode = opts['failover-node'] === undefined ? undefined : resolveNode(plan, opts['failover-node'] as string);
    const failover = opts.failover === true || failoverNode !== undefined;
    if (opts['dry-run']) {
      if (target !== 'proxmox') throw new LabError('E_USAGE', '--dry-run shows the Proxmox run', 'add --target proxmox');
      const steps = proxmoxSteps(plan, mode, { failover, failoverNode, renderDir: relative(ROOT, renderDir(plan, mode)), stateDir: relative(ROOT, labStateDir(plan.name)), requests });
      if (json) console.log(JSON.stringify({ lab: plan.name, mode, target, steps }, null, 2));
      else console.log(`Dry run: lab ${plan.name}, ${mode} mode, on Proxmox (${plan.config.proxmox.endpoint}). Nothing is touched.\n\n${formatSteps(steps)}`);
      return true;
    }
    const report =
      target === 'proxmox'
        ? await runProxmox(plan, mode, file, { requests, failover, failoverNode }, log)
        : await runNetns(plan, mode, { requests, failover, failoverNode, installDeps: opts['install-deps'] === true }, log);
    recordVerification(plan, report);
    if (json) console.log(JSON.stringify(report, null, 2));
    else console.log(`\n${formatReport(report, target === 'netns' ? STAND_INS : undefined)}`);
    return report.verified;
  },
);
