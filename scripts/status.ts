// npm run lab:status — where a lab stands, without changing it: on Proxmox the stacks, VMs, guest agents,
// cloud-init, k3s nodes, Cilium and the applied mode; in the emulated lab its namespaces and daemons;
// on both, the last verification.
import type { LabPlan } from '../lab/plan.ts';
import { main } from './cli.ts';
import { loadLab } from './config.ts';
import { lastVerification } from './last-verification.ts';
import { createLogger } from './log.ts';
import { formatLastVerification, formatNetnsStatus, formatProxmoxStatus } from './status-report.ts';
import { chooseTarget } from './targets/choose.ts';
import { type NetnsStatus, netnsStatus } from './targets/netns/status.ts';
import { createApi, tokenFromEnv } from './targets/proxmox/api.ts';
import { type ProxmoxStatus, proxmoxStatus } from './targets/proxmox/status.ts';

async function status(plan: LabPlan, target: 'netns' | 'proxmox'): Promise<{ netns?: NetnsStatus; proxmox?: ProxmoxStatus }> {
  if (target === 'netns') return { netns: await netnsStatus(plan) };
  const api = createApi({ endpoint: plan.config.proxmox.endpoint, insecure: plan.config.proxmox.insecure, token: tokenFromEnv() });
  return { proxmox: await proxmoxStatus(plan, api) };
}

await main(
  {
    name: 'lab:status',
    summary: 'Says where the lab stands without changing it: Proxmox stacks, VMs, agents, cloud-init, k3s, Cilium and mode (read-only API and SSH), or the emulated lab\'s namespaces and daemons; and the last verification.',
    options: { target: { type: 'string' }, config: { type: 'string' } },
    help: { target: 'netns or proxmox (default: proxmox when lab.yaml exists)', config: 'lab definition (default: lab.yaml, else lab.example.yaml)' },
  },
  async (opts, json) => {
    const log = createLogger({ json });
    const { target, why } = chooseTarget(opts.target as string | undefined, opts.config as string | undefined);
    log.note(why);
    const { plan } = loadLab(opts.config as string | undefined);
    const found = await status(plan, target);
    const last = lastVerification(plan);
    if (json) return void console.log(JSON.stringify({ lab: plan.name, target, ...found, lastVerification: last }, null, 2));
    const head = `lab ${plan.name} · target ${target}${target === 'proxmox' ? ` (${plan.config.proxmox.endpoint})` : ' (emulated)'}`;
    console.log([head, '', found.netns ? formatNetnsStatus(found.netns) : formatProxmoxStatus(found.proxmox!), formatLastVerification(last)].join('\n'));
  },
);
