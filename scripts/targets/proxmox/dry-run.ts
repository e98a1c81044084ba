// What the dry run says before its step list: what the lab will take on each Proxmox node, and which of
// the environment variables the run reads are unset (names only: a value is never printed).
import { allHosts, type LabPlan, type Mode } from '../../../lab/plan.ts';
import { providerSshWays } from './preflight.ts';

const gib = (mib: number) => `${+(mib / 1024).toFixed(1)} GiB`;

/** Per Proxmox node: its VMs, their vCPUs, memory and disk. */
export function resourceLines(plan: LabPlan): string[] {
  const byNode = new Map<string, ReturnType<typeof allHosts>>();
  for (const h of allHosts(plan)) byNode.set(h.proxmoxNode, [...(byNode.get(h.proxmoxNode) ?? []), h]);
  return [...byNode].map(([node, hosts]) => {
    const sum = (f: (h: (typeof hosts)[number]) => number) => hosts.reduce((n, h) => n + f(h), 0);
    return `On ${node}: ${hosts.length} VMs (${hosts.map((h) => h.vmId).join(', ')}), ${sum((h) => h.cores)} vCPUs, ${gib(sum((h) => h.memoryMiB))} memory, ${sum((h) => h.diskGiB)} GiB disk.`;
  });
}

/**
 * The variables the run needs that are unset: the API token, the provider's SSH user and one of its SSH
 * credentials (as the preflight checks them, after bpg/proxmox 0.111.1), and in BGP mode the password's.
 */
export function unsetVariables(plan: LabPlan, mode: Mode, env: NodeJS.ProcessEnv): string[] {
  const set = (v: string) => Boolean(env[v]);
  return [
    ...['PROXMOX_VE_API_TOKEN', 'PROXMOX_VE_SSH_USERNAME'].filter((v) => !set(v)),
    ...(providerSshWays(env).length > 0
      ? []
      : ['one of PROXMOX_VE_SSH_AGENT=true (with SSH_AUTH_SOCK), PROXMOX_VE_SSH_PRIVATE_KEY, PROXMOX_VE_SSH_PASSWORD']),
    ...(mode === 'bgp' && plan.config.bgp.passwordEnv && !set(plan.config.bgp.passwordEnv)
      ? [plan.config.bgp.passwordEnv]
      : []),
  ];
}

export function dryRunHeader(plan: LabPlan, mode: Mode, env: NodeJS.ProcessEnv): string {
  const unset = unsetVariables(plan, mode, env);
  return [
    `Dry run: lab ${plan.name}, ${mode} mode, on Proxmox (${plan.config.proxmox.endpoint}). Nothing is touched.`,
    ...resourceLines(plan),
    unset.length ? `Unset, and needed by the run: ${unset.join('; ')}.` : 'Every variable the run reads is set.',
  ].join('\n');
}
