// lab/'s one door to the disk: finds and reads the lab definition (--config, else ./lab.yaml, else the
// shipped example) and names where a lab's local state lives (.lab/<name>/). The commands (scripts/)
// and the CDKTF app (stacks/main.ts) both load through here.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.ts';
import { MAX_FILE_BYTES, parseLab, tooLarge } from './parse.ts';
import { planLab, type LabPlan } from './plan.ts';

/** The project root. */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

export function labStateDir(lab: string, ...parts: string[]): string {
  return join(ROOT, '.lab', lab, ...parts);
}

export const DEFAULT_CONFIG = 'lab.yaml';
export const EXAMPLE_CONFIG = 'lab.example.yaml';

export interface LoadedLab {
  readonly file: string;
  /** True when no lab.yaml exists and the example stands in. */
  readonly isExample: boolean;
  readonly plan: LabPlan;
}

export function configPath(explicit?: string, cwd = process.cwd()): { file: string; isExample: boolean } {
  if (explicit) return { file: resolve(cwd, explicit), isExample: false };
  const own = resolve(cwd, DEFAULT_CONFIG);
  return existsSync(own) ? { file: own, isExample: false } : { file: resolve(cwd, EXAMPLE_CONFIG), isExample: true };
}

export function loadLab(explicit?: string, cwd = process.cwd()): LoadedLab {
  const { file, isExample } = configPath(explicit, cwd);
  if (!existsSync(file)) {
    throw new LabError(
      'E_NO_CONFIG',
      `no lab definition at ${file}`,
      `copy ${EXAMPLE_CONFIG} to ${DEFAULT_CONFIG} and edit it, or pass --config FILE`,
    );
  }
  // Refused before it is read: a lab file is a few KiB.
  const stat = statSync(file);
  if (!stat.isFile())
    throw new LabError(
      'E_NO_CONFIG',
      `${file} is not a regular file`,
      'pass the lab definition file with --config FILE',
    );
  if (stat.size > MAX_FILE_BYTES) throw tooLarge(file, stat.size);
  return { file, isExample, plan: planLab(parseLab(readFileSync(file, 'utf8'), file, process.env)) };
}
