// `npx cdktf synth|deploy`: the lab from lab.yaml (or LAB_CONFIG), else the example, with the lab's
// own SSH key among the authorized keys (lab-key.ts).
import { loadLab } from '../lab/load.ts';
import { buildApp, synthPrivately } from './app.ts';
import { withLabKey } from './lab-key.ts';

const { file, isExample, plan } = loadLab(process.env.LAB_CONFIG);
if (isExample) console.log(`no lab.yaml: synthesizing ${file}`);
synthPrivately(buildApp(withLabKey(plan)));
