// Lab definitions for tests: the shipped example, optionally with fields replaced.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseLab } from '../../lab/parse.ts';
import { planLab, type LabPlan } from '../../lab/plan.ts';
import { ROOT } from './shared.ts';

export const EXAMPLE_FILE = resolve(ROOT, 'lab.example.yaml');

export function exampleInput(): Record<string, any> {
  return parse(readFileSync(EXAMPLE_FILE, 'utf8'));
}

/** The example with `patch` merged in (objects deep, everything else replaced), as lab.yaml text. */
export function labText(patch: Record<string, unknown> = {}): string {
  return stringify(merge(exampleInput(), patch));
}

export function labPlan(patch: Record<string, unknown> = {}): LabPlan {
  return planLab(parseLab(labText(patch), 'test.yaml'));
}

function merge(base: Record<string, any>, patch: Record<string, unknown>): Record<string, any> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && typeof base[k] === 'object'
        ? merge(base[k], v as Record<string, unknown>)
        : v;
  }
  return out;
}
