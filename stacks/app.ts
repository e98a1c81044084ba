// The CDKTF app: two stacks, so the image and bridge survive VM rebuilds (see README, "Stacks").
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
