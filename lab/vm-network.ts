// Each VM's network cards as the Proxmox stack declares them (bridge, planned MAC, ip_config) and the
// DNS settings its cloud-init drive carries. The stack and the VM stand-ins read the same values.
import type { LabHost, LabPlan } from './plan.ts';

export interface VmNic {
  readonly bridge: string;
  readonly mac: string;
  /** `address` is CIDR or `dhcp`, as the provider's ip_config takes it. */
  readonly ipv4: { readonly address: string; readonly gateway?: string };
}

/** Router: net0 on the uplink (WAN), net1 on the lab bridge. Nodes: net0 on the lab bridge. */
export function vmNics(plan: LabPlan, host: LabHost): VmNic[] {
  if (host.role === 'router') {
    const wan = plan.config.router.wan;
    return [
      {
        bridge: plan.config.proxmox.uplinkBridge,
        mac: plan.router.wanMac,
        ipv4: wan.mode === 'dhcp' ? { address: 'dhcp' } : { address: wan.address, gateway: wan.gateway },
      },
      {
        bridge: plan.lan.bridge,
        mac: plan.router.lanMac,
        ipv4: { address: `${plan.router.lanIp}/${plan.lan.prefix}` },
      },
    ];
  }
  return [
    {
      bridge: plan.lan.bridge,
      mac: host.lanMac,
      ipv4: { address: `${host.lanIp}/${plan.lan.prefix}`, gateway: plan.lan.gateway },
    },
  ];
}

export function vmDns(plan: LabPlan): { readonly servers: readonly string[]; readonly domain: string } {
  return { servers: plan.config.network.dns, domain: `${plan.name}.lab` };
}
