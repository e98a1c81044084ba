// npm run lab:render — write every file of a mode (router, Cilium, demo, k3s plan) for inspection or use.
import { resolve } from 'node:path';
import { CONFIG_FLAG, keepSecret, main } from './lib/cli.ts';
import { secretEnvOf } from '../lab/secrets.ts';
import { MODES } from '../lab/plan.ts';
import { loadLab } from '../lab/load.ts';
import { renderDir, routerSecrets, writeRender } from './lib/render-files.ts';

await main(
  {
    name: 'lab:render',
    summary: 'Renders the router, Cilium, demo and k3s files of one mode from the lab definition.',
    flags: {
      mode: {
        type: 'choice',
        choices: MODES,
        required: true,
        help: 'l2 or bgp (required)',
        example: 'e.g. npm run lab:render -- --mode bgp',
      },
      config: CONFIG_FLAG,
      out: { type: 'string', help: 'output folder (default: .lab/<name>/render/<mode>/)' },
    },
  },
  async (flags, json) => {
    const { mode } = flags;
    // LAB_CONFIG: the Proxmox run renders from the lab file it was given.
    const { plan } = loadLab(flags.config ?? process.env.LAB_CONFIG);
    keepSecret(secretEnvOf(plan.config));
    const out = resolve(flags.out ?? renderDir(plan, mode));
    const files = writeRender(plan, mode, out, routerSecrets(plan));
    if (json) console.log(JSON.stringify({ lab: plan.name, mode, out, files }, null, 2));
    else
      console.log(
        `✓ ${mode} files of lab ${plan.name} in ${out}\n${files.map((f) => `  ${f.slice(out.length + 1)}`).join('\n')}`,
      );
  },
);
