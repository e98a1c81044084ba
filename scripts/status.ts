// npm run lab:status — where a lab stands, without changing it: on Proxmox the stacks, VMs, guest agents,
// cloud-init, k3s nodes, Cilium and the applied mode; in the emulated lab its namespaces and daemons;
// on both, the last verification.
import type { LabPlan } from '../lab/plan.ts';
import { LAB_FLAGS, main } from './cli.ts';
import { loadLab } from '../lab/load.ts';
import { lastVerification } from './last-verification.ts';
import { createLogger } from './log.ts';
import { formatLastVerification, formatNetnsStatus, formatProxmoxStatus } from './status-report.ts';
import { chooseTarget } from './targets/choose.ts';
import { type NetnsStatus, netnsStatus } from './targets/netns/status.ts';
import { createApi, tokenFromEnv } from './targets/proxmox/api.ts';
import { type ProxmoxStatus, proxmoxStatus } from './targets/proxmox/status.ts';

async function status(
  plan: LabPlan,
  target: 'netns' | 'proxmox',
): Promise<{ netns?: NetnsStatus; proxmox?: ProxmoxStatus }> {
  if (target === 'netns') return { netns: await netnsStatus(plan) };
  const api = createApi({
    endpoint: plan.config.proxmox.endpoint,
    insecure: plan.config.proxmox.insecure,
    token: tokenFromEnv(),
  });
  return { proxmox: await proxmoxStatus(plan, api) };
}

await main(
  {
    name: 'lab:status',
    summary:
      "Says where the lab stands without changing it: Proxmox stacks, VMs, agents, cloud-init, k3s, Cilium and mode (read-only API and SSH), or the emulated lab's namespaces and daemons; and the last verification.",
    flags: LAB_FLAGS,
  },
  async (flags, json) => {
    const log = createLogger({ json });
    const { target, why } = chooseTarget(flags.target, flags.config);
    log.note(why);
    const { plan } = loadLab(flags.config);
    const found = await status(plan, target);
    const last = lastVerification(plan);
    if (json)
      return void console.log(JSON.stringify({ lab: plan.name, target, ...found, lastVerification: last }, null, 2));
    const head = `lab ${plan.name} · target ${target}${target === 'proxmox' ? ` (${plan.config.proxmox.endpoint})` : ' (emulated)'}`;
    console.log(
      [
        head,
        '',
        found.netns ? formatNetnsStatus(found.netns) : formatProxmoxStatus(found.proxmox!),
        formatLastVerification(last),
      ].join('\n'),
    );
  },
);
