// npm run lab:render — write every file of a mode (router, Cilium, demo, k3s plan) for inspection or use.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LabError } from '../lab/errors.ts';
import { type LabPlan, type Mode, MODES } from '../lab/plan.ts';
import type { RouterSecrets } from '../templates/frr.ts';
import { renderMode } from '../templates/render.ts';
import { main } from './cli.ts';
import { loadLab } from './config.ts';

export function parseMode(value: unknown): Mode {
  if (MODES.includes(value as Mode)) return value as Mode;
  throw new LabError('E_USAGE', `--mode must be ${MODES.join(' or ')}${value === undefined ? '' : `, not ${JSON.stringify(value)}`}`, 'e.g. npm run lab:render -- --mode bgp');
}

/** The BGP password, from the variable that lab.yaml names; never from the file itself. */
export function routerSecrets(plan: LabPlan, env = process.env): RouterSecrets {
  const name = plan.config.bgp.passwordEnv;
  if (!name) return {};
  const bgpPassword = env[name];
  if (!bgpPassword) throw new LabError('E_SECRET', `bgp.passwordEnv names ${name}, which is not set`, `export ${name}=… or remove bgp.passwordEnv from lab.yaml`);
  return { bgpPassword };
}

export function renderDir(plan: LabPlan, mode: Mode): string {
  return join('.lab', plan.name, 'render', mode);
}

/** Writes the mode's files into `out` (emptied first); returns their paths. */
export function writeRender(plan: LabPlan, mode: Mode, out: string, secrets: RouterSecrets): string[] {
  rmSync(out, { recursive: true, force: true });
  return Object.entries(renderMode(plan, mode, secrets)).map(([rel, file]) => {
    const path = join(out, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: file.secret ? 0o600 : 0o644 });
    chmodSync(path, file.secret ? 0o600 : 0o644);
    return path;
  });
}

await main(
  {
    name: 'lab:render',
    summary: 'Renders the router, Cilium, demo and k3s files of one mode from the lab definition.',
    options: { mode: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' } },
    help: { mode: 'l2 or bgp (required)', config: 'lab definition (default: lab.yaml, else lab.example.yaml)', out: 'output folder (default: .lab/<name>/render/<mode>/)' },
  },
  async (opts, json) => {
    const mode = parseMode(opts.mode);
    const { plan } = loadLab(opts.config as string | undefined);
    const out = resolve((opts.out as string | undefined) ?? renderDir(plan, mode));
    const files = writeRender(plan, mode, out, routerSecrets(plan));
    if (json) console.log(JSON.stringify({ lab: plan.name, mode, out, files }, null, 2));
    else console.log(`✓ ${mode} files of lab ${plan.name} in ${out}\n${files.map((f) => `  ${f.slice(out.length + 1)}`).join('\n')}`);
  },
);
