// Provider and state location shared by the lab's stacks. Credentials never appear here: the provider
// reads PROXMOX_VE_API_TOKEN and PROXMOX_VE_SSH_* from the environment itself.
import { LocalBackend, type TerraformStack } from 'cdktf';
import type { LabPlan } from '../lab/plan.ts';
import { ProxmoxProvider } from './proxmox.ts';

export function useProxmox(stack: TerraformStack, plan: LabPlan, stackName: string): void {
  new ProxmoxProvider(stack, 'proxmox', {
    endpoint: plan.config.proxmox.endpoint,
    insecure: plan.config.proxmox.insecure,
  });
  // Terraform runs in cdktf.out/stacks/<stack>/: keep state with the lab's other local files.
  new LocalBackend(stack, { path: `../../../.lab/${plan.name}/${stackName}.tfstate` });
}
