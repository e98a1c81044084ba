// npm run lab:render — write every file of a mode (router, Cilium, demo, k3s plan) for inspection or use.
import { resolve } from 'node:path';
import { main } from './cli.ts';
import { loadLab } from './config.ts';
import { parseMode, renderDir, routerSecrets, writeRender } from './render-files.ts';

await main(
  {
    name: 'lab:render',
    summary: 'Renders the router, Cilium, demo and k3s files of one mode from the lab definition.',
    options: { mode: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' } },
    help: { mode: 'l2 or bgp (required)', config: 'lab definition (default: lab.yaml, else lab.example.yaml)', out: 'output folder (default: .lab/<name>/render/<mode>/)' },
  },
  async (opts, json) => {
    const mode = parseMode(opts.mode);
    // LAB_CONFIG: the Proxmox run renders from the lab file it was given.
    const { plan } = loadLab((opts.config as string | undefined) ?? process.env.LAB_CONFIG);
    const out = resolve((opts.out as string | undefined) ?? renderDir(plan, mode));
    const files = writeRender(plan, mode, out, routerSecrets(plan));
    if (json) console.log(JSON.stringify({ lab: plan.name, mode, out, files }, null, 2));
    else console.log(`✓ ${mode} files of lab ${plan.name} in ${out}\n${files.map((f) => `  ${f.slice(out.length + 1)}`).join('\n')}`);
  },
);
