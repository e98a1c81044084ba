// The CDKTF app: two stacks, so the image and bridge survive VM rebuilds (see README, "Stacks").
import { App } from 'cdktf';
import type { LabPlan } from '../lab/plan.ts';
import { BaseStack } from './base.ts';
import { VmsStack } from './vms.ts';

export function stackNames(plan: LabPlan): { base: string; vms: string } {
  return { base: `${plan.name}-base`, vms: `${plan.name}-vms` };
}

export function buildApp(plan: LabPlan, outdir?: string): App {
  const app = new App(outdir ? { outdir } : {});
  const names = stackNames(plan);
  const base = new BaseStack(app, names.base, { plan });
  const vms = new VmsStack(app, names.vms, { plan });
  vms.addDependency(base);
  return app;
}
