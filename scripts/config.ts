// Finds and reads the lab definition: --config, else ./lab.yaml, else the shipped example.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { LabError } from '../lab/errors.ts';
import { MAX_FILE_BYTES, parseLab, tooLarge } from '../lab/parse.ts';
import { planLab, type LabPlan } from '../lab/plan.ts';

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
    throw new LabError('E_NO_CONFIG', `no lab definition at ${file}`, `copy ${EXAMPLE_CONFIG} to ${DEFAULT_CONFIG} and edit it, or pass --config FILE`);
  }
  // Refused before it is read: a lab file is a few KiB.
  const stat = statSync(file);
  if (!stat.isFile()) throw new LabError('E_NO_CONFIG', `${file} is not a regular file`, 'pass the lab definition file with --config FILE');
  if (stat.size > MAX_FILE_BYTES) throw tooLarge(file, stat.size);
  return { file, isExample, plan: planLab(parseLab(readFileSync(file, 'utf8'), file, process.env)) };
}
