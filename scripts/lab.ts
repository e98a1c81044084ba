// npm run lab:l2 / lab:bgp — bring the lab up in one mode, verify it from the router (and the client),
// optionally measure a failover; print a summary or one JSON document.
import { LabError } from '../lab/errors.ts';
import { main } from './cli.ts';
import { loadLab } from './config.ts';
import { createLogger } from './log.ts';
import { parseMode } from './render-files.ts';
import { chooseTarget } from './targets/choose.ts';
import { runNetns, STAND_INS } from './targets/netns/run.ts';
import { formatReport } from './verify/report.ts';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\ninterrupted: npm run lab:teardown removes whatever was started\n`);
    process.exit(130);
  });
}

await main(
  {
    name: 'lab:l2 | lab:bgp',
    summary: 'Brings the lab up in L2-announcement or BGP mode and proves from the router that the LoadBalancer service is reachable.',
    options: {
      mode: { type: 'string' },
      target: { type: 'string' },
      config: { type: 'string' },
      failover: { type: 'boolean' },
      requests: { type: 'string' },
      'install-deps': { type: 'boolean' },
    },
    help: {
      mode: 'l2 or bgp (npm run lab:l2 / lab:bgp set it)',
      target: 'netns (emulated, this machine) or proxmox; default: proxmox when lab.yaml exists',
      config: 'lab definition (default: lab.yaml, else lab.example.yaml)',
      failover: 'take the serving node away and report the outage',
      requests: 'HTTP requests per source (default 300)',
      'install-deps': 'apt-get install missing system packages (Debian/Ubuntu, root)',
    },
  },
  async (opts, json) => {
    const mode = parseMode(opts.mode);
    const log = createLogger({ json });
    const { target, why } = chooseTarget(opts.target as string | undefined, opts.config as string | undefined);
    log.note(why);
    const { plan } = loadLab(opts.config as string | undefined);
    const requests = Number(opts.requests ?? 300);
    if (!Number.isInteger(requests) || requests < 1) throw new LabError('E_USAGE', `--requests must be a whole number above 0, not ${opts.requests}`);
    if (target === 'proxmox') throw new LabError('E_TARGET', 'the Proxmox target is not available yet', 'use --target netns for the emulated lab');
    const report = await runNetns(plan, mode, { requests, failover: opts.failover === true, installDeps: opts['install-deps'] === true }, log);
    if (json) console.log(JSON.stringify(report, null, 2));
    else console.log(`\n${formatReport(report, STAND_INS)}`);
    return report.verified;
  },
);
