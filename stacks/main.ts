// `npx cdktf synth|deploy`: the lab from lab.yaml (or LAB_CONFIG), else the example.
import { loadLab } from '../scripts/config.ts';
import { buildApp } from './app.ts';

const { file, isExample, plan } = loadLab(process.env.LAB_CONFIG);
if (isExample) console.error(`no lab.yaml: synthesizing ${file}`);
buildApp(plan).synth();
