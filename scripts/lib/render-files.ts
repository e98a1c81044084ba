// Rendering to disk: the mode's files under .lab/<name>/render/<mode>/, secrets from the environment.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LabError } from '../../lab/errors.ts';
import type { LabPlan, Mode } from '../../lab/plan.ts';
import type { RouterSecrets } from '../../templates/frr.ts';
import { renderMode } from '../../templates/render.ts';
import { labStateDir } from '../../lab/load.ts';

/** The BGP password, from the variable that lab.yaml names; never from the file itself. */
export function routerSecrets(plan: LabPlan, env = process.env): RouterSecrets {
  const name = plan.config.bgp.passwordEnv;
  if (!name) return {};
  const bgpPassword = env[name];
  if (!bgpPassword)
    throw new LabError(
      'E_SECRET',
      `bgp.passwordEnv names ${name}, which is not set`,
      `export ${name}=… or remove bgp.passwordEnv from lab.yaml`,
    );
  return { bgpPassword };
}

export function renderDir(plan: LabPlan, mode: Mode): string {
  return labStateDir(plan.name, 'render', mode);
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
