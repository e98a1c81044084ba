// The CDKTF app: two stacks, so the image and bridge survive VM rebuilds (see README, "Stacks").
import { chmodSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { LabPlan } from '../lab/plan.ts';
import { BaseStack } from './base.ts';
import { VmsStack } from './vms.ts';

export function buildApp(plan: LabPlan, outdir?: string): App {
  const app = new App(outdir ? { outdir } : {});
  const base = new BaseStack(app, plan.stacks.base, { plan });
  const vms = new VmsStack(app, plan.stacks.vms, { plan });
  vms.addDependency(base);
  return app;
}

/**
 * Synthesizes with a private umask and then closes the whole output folder to others: the Terraform
 * JSON carries the lab's user data and, once deployed, Terraform's plans sit beside it.
 */
export function synthPrivately(app: App): void {
  const mask = process.umask(0o077);
  try {
    app.synth();
  } finally {
    process.umask(mask);
  }
  ownerOnly(app.outdir);
}

function ownerOnly(path: string): void {
  chmodSync(path, 0o700);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) ownerOnly(child);
    else if (entry.isFile()) chmodSync(child, 0o600);
  }
}
