// Every file of a mode, as a map from relative path to contents: a pure function of the plan.
import { stringify } from 'yaml';
import type { LabPlan, Mode } from '../lab/plan.ts';
import { ciliumResources, ciliumValues, type Manifest } from './cilium.ts';
import { routerUserData } from './cloud-init.ts';
import { demoManifests } from './demo.ts';
import { frrConf, type RouterSecrets } from './frr.ts';
import { k3sInstallPlan } from './k3s.ts';
import { natRules, routerSysctls, sysctlConf } from './router.ts';

export interface RenderedFile {
  readonly content: string;
  /** Files that hold a secret are written 0600. */
  readonly secret?: boolean;
}

export function yamlDocs(docs: readonly unknown[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

export function renderMode(plan: LabPlan, mode: Mode, secrets: RouterSecrets = {}): Record<string, RenderedFile> {
  const frr = frrConf(plan, mode, secrets);
  const secret = mode === 'bgp' && secrets.bgpPassword !== undefined;
  const header = (what: string) => `# ${what} — lab ${plan.name}, ${mode} mode (proxmox-cilium-lab)\n`;
  const manifests = (what: string, docs: Manifest[]) => ({ content: header(what) + yamlDocs(docs) });
  return {
    'router/frr.conf': { content: frr, secret },
    'router/sysctl.conf': { content: sysctlConf(routerSysctls()) },
    'router/nftables.conf': { content: natRules(plan) },
    'router/user-data.yaml': {
      content: routerUserData(plan, mode, secrets),
      secret,
    },
    'cilium/values.yaml': {
      content: header('Cilium Helm values') + stringify(ciliumValues(plan, mode), { lineWidth: 0 }),
    },
    'cilium/resources.yaml': manifests(
      mode === 'l2' ? 'LB IP pool and L2 announcement policy' : 'LB IP pool and BGP peering',
      ciliumResources(plan, mode),
    ),
    'demo/echo.yaml': manifests('demo echo service', demoManifests(plan, mode)),
    'k3s/install-plan.yaml': {
      content:
        header('k3s install, in order; $K3S_TOKEN is filled at run time') +
        stringify(k3sInstallPlan(plan), { lineWidth: 0 }),
    },
  };
}
