// `npx cdktf synth|deploy`: the lab from lab.yaml (or LAB_CONFIG), else the example. The lab's own SSH
// key (.lab/<name>/ssh/id_ed25519.pub, made by `npm run lab:l2|bgp`) joins the authorized keys.
import { existsSync, readFileSync } from 'node:fs';
import type { LabPlan } from '../lab/plan.ts';
import { labStateDir, loadLab } from '../lab/load.ts';
import { buildApp, synthPrivately } from './app.ts';

function withLabKey(plan: LabPlan): LabPlan {
  const file = labStateDir(plan.name, 'ssh', 'id_ed25519.pub');
  if (!existsSync(file)) return plan;
  const ssh = {
    ...plan.config.ssh,
    authorizedKeys: [...plan.config.ssh.authorizedKeys, readFileSync(file, 'utf8').trim()],
  };
  return { ...plan, config: { ...plan.config, ssh } };
}

const { file, isExample, plan } = loadLab(process.env.LAB_CONFIG);
if (isExample) console.log(`no lab.yaml: synthesizing ${file}`);
synthPrivately(buildApp(withLabKey(plan)));
