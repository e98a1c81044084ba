// npm run lab:check — validate lab.yaml and print the derived address plan.
import { allHosts, type LabPlan } from '../lab/plan.ts';
import { CONFIG_FLAG, keepSecret, main } from './lib/cli.ts';
import { secretEnvOf } from '../lab/secrets.ts';
import { loadLab } from '../lab/load.ts';

export function planRows(
  plan: LabPlan,
): { host: string; role: string; vmId: number; proxmoxNode: string; lan: string; lanMac: string; size: string }[] {
  return allHosts(plan).map((h) => ({
    host: h.name,
    role: h.role,
    vmId: h.vmId,
    proxmoxNode: h.proxmoxNode,
    lan: `${h.lanIp}/${plan.lan.prefix}`,
    lanMac: h.lanMac,
    size: `${h.cores} vCPU, ${h.memoryMiB} MiB, ${h.diskGiB} GiB`,
  }));
}

export function formatPlan(plan: LabPlan): string {
  const rows = planRows(plan);
  const head = {
    host: 'HOST',
    role: 'ROLE',
    vmId: 'VM ID',
    proxmoxNode: 'PVE NODE',
    lan: 'LAN',
    lanMac: 'LAN MAC',
    size: 'SIZE',
  };
  const cols = Object.keys(head) as (keyof typeof head)[];
  const width = (c: keyof typeof head) => Math.max(...[head, ...rows].map((r) => String(r[c]).length));
  const line = (r: Record<keyof typeof head, string | number>) =>
    cols
      .map((c) => String(r[c]).padEnd(width(c)))
      .join('  ')
      .trimEnd();
  const wan = plan.config.router.wan;
  return [
    `lab ${plan.name}: LAN ${plan.lan.cidr} on ${plan.lan.bridge}, router WAN ${wan.mode === 'dhcp' ? 'DHCP' : `${wan.address} via ${wan.gateway}`} on ${plan.config.proxmox.uplinkBridge}`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `Kubernetes API   ${plan.apiServer}:6443 (k3s ${plan.config.kubernetes.k3sVersion}, Cilium ${plan.config.cilium.version})`,
    `L2 pool          ${plan.l2.cidr}  demo service ${plan.l2.serviceIp}`,
    `BGP pool         ${plan.bgp.cidr}  demo service ${plan.bgp.serviceIp}  (router AS${plan.config.bgp.routerAsn}, nodes AS${plan.config.bgp.nodeAsn})`,
    `tags             ${plan.tags.join(', ')}`,
  ].join('\n');
}

await main(
  {
    name: 'lab:check',
    summary:
      'Validates the lab definition and prints the derived address plan. Exit 1 with every problem listed otherwise.',
    flags: { config: CONFIG_FLAG },
  },
  async (flags, json) => {
    const { file, plan } = loadLab(flags.config);
    keepSecret(secretEnvOf(plan.config));
    if (json)
      console.log(
        JSON.stringify(
          { file, lab: plan.name, hosts: planRows(plan), l2: plan.l2, bgp: plan.bgp, apiServer: plan.apiServer },
          null,
          2,
        ),
      );
    else console.log(`✓ ${file} is valid\n\n${formatPlan(plan)}`);
  },
);
