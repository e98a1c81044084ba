// npm run lab:l2 / lab:bgp — bring the lab up in one mode, verify it from the router (and the client),
// optionally measure a failover; print a summary or one JSON document.
import { writeSync } from 'node:fs';
import { CONFIG_FLAG, main, TARGET_FLAG } from './lib/cli.ts';
import { recordVerification } from './verify/last-verification.ts';
import { createLogger } from './lib/log.ts';
import { MODES } from '../lab/plan.ts';
import { routerSecrets } from './lib/render-files.ts';
import { openLab } from './targets/registry.ts';
import { formatSteps } from './targets/steps.ts';
import { resolveNode } from './verify/failover.ts';
import { formatSummary } from './verify/summary.ts';

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
        help: 'print every step and command with the host it runs on; touch nothing',
      },
    },
  },
  async (flags, json) => {
    const { mode, requests } = flags;
    const log = createLogger({ json });
    const { plan, target } = openLab(flags, log);
    // A missing BGP password stops the run here, before anything is changed.
    if (mode === 'bgp') routerSecrets(plan);
    const failoverNode = flags['failover-node'] === undefined ? undefined : resolveNode(plan, flags['failover-node']);
    const options = {
      requests,
      failover: flags.failover || failoverNode !== undefined,
      failoverNode,
      installDeps: flags['install-deps'],
    };
    if (flags['dry-run']) {
      const { header, steps } = target.dryRun(mode, options);
      if (json) console.log(JSON.stringify({ lab: plan.name, mode, target: target.kind, steps }, null, 2));
      else console.log(`${header}\n\n${formatSteps(steps)}`);
      return true;
    }
    const report = await target.run(mode, options, log);
    recordVerification(plan, report);
    if (json) console.log(JSON.stringify(report, null, 2));
    else console.log(`\n${formatSummary(report, target.standIns)}`);
    return report.verified;
  },
);
