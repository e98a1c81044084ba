// The lab's VMs: the router (WAN on the uplink, LAN on the lab bridge) and the Kubernetes nodes.
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { LabHost, LabPlan } from '../lab/plan.ts';
import { vmDns, vmNics } from '../lab/vm-network.ts';
import { nodeUserData, routerUserData } from '../templates/cloud-init.ts';
import { imageVolumeId } from './base.ts';
import { HOSTS_OUTPUT, type HostOutput } from './outputs.ts';
import { VirtualEnvironmentFile, VirtualEnvironmentVm } from './proxmox.ts';
import { useProxmox } from './provider.ts';

/**
 * How long the provider waits for a VM's guest agent to report an IPv4 address, after create and on
 * every refresh (bpg/proxmox 0.111.1 `agent.timeout`, default 15m: proxmoxtf/resource/vm/vm.go
 * dvAgentTimeout; docs/resources/virtual_environment_vm.md). The agent answers once cloud-init has
 * installed it, a minute or two after boot; past this the provider only warns
 * (network.go ReadNetworkValues) and the run's own wait for the agent takes over.
 */
export const AGENT_TIMEOUT = '5m';

export interface VmsStackConfig {
  readonly plan: LabPlan;
}

export class VmsStack extends TerraformStack {
  public readonly router: VirtualEnvironmentVm;
  public readonly nodes: VirtualEnvironmentVm[];

  constructor(scope: Construct, id: string, { plan }: VmsStackConfig) {
    super(scope, id);
    useProxmox(this, plan, id);
    this.router = this.vm(plan, plan.router, routerUserData(plan));
    // The nodes install their packages through the router's NAT: they boot once the router is up.
    this.nodes = plan.nodes.map((host) => this.vm(plan, host, nodeUserData(plan, host), [this.router]));
    const all = [this.router, ...this.nodes];
    new TerraformOutput(this, HOSTS_OUTPUT, {
      description:
        'Every lab host: name, role, VM ID, planned LAN address and the interfaces the guest agent reports (lo first, in its order).',
      value: [plan.router, ...plan.nodes].map((host, i) => ({
        name: host.name,
        role: host.role,
        vm_id: all[i]!.vmId,
        proxmox_node: host.proxmoxNode,
        lan_ip: host.lanIp,
        ipv4_addresses: all[i]!.ipv4Addresses,
        mac_addresses: all[i]!.macAddresses,
        network_interface_names: all[i]!.networkInterfaceNames,
      })) satisfies Record<keyof HostOutput, unknown>[],
    });
  }

  private vm(plan: LabPlan, host: LabHost, userData: string, dependsOn?: VirtualEnvironmentVm[]): VirtualEnvironmentVm {
    const { datastores } = plan.config.proxmox;
    const nics = vmNics(plan, host);
    const snippet = new VirtualEnvironmentFile(this, `${host.name}-user-data`, {
      nodeName: host.proxmoxNode,
      datastoreId: datastores.snippets,
      contentType: 'snippets',
      sourceRaw: { fileName: `${host.name}-user-data.yaml`, data: userData },
    });
    return new VirtualEnvironmentVm(this, host.name, {
      name: host.name,
      nodeName: host.proxmoxNode,
      vmId: host.vmId,
      description: `${host.role} of lab ${plan.name} (proxmox-cilium-lab)`,
      tags: [...plan.tags, host.role],
      stopOnDestroy: true,
      onBoot: true,
      agent: { enabled: true, timeout: AGENT_TIMEOUT, waitForIp: { ipv4: true } },
      cpu: { cores: host.cores, type: 'x86-64-v2-AES' },
      memory: { dedicated: host.memoryMiB },
      operatingSystem: { type: 'l26' },
      scsiHardware: 'virtio-scsi-single',
      // Debian cloud images log to the serial console and hang at boot without one.
      serialDevice: [{ device: 'socket' }],
      disk: [
        {
          interface: 'virtio0',
          datastoreId: datastores.disks,
          importFromAttribute: imageVolumeId(plan),
          size: host.diskGiB,
          discard: 'on',
          iothread: true,
        },
      ],
      // The planned MACs: the verification knows each node's MAC without asking its agent.
      networkDevice: nics.map((n) => ({ bridge: n.bridge, macAddress: n.mac, model: 'virtio' })),
      initialization: {
        datastoreId: datastores.disks,
        ipConfig: nics.map((n) => ({ ipv4: n.ipv4 })),
        dns: { servers: [...vmDns(plan).servers], domain: vmDns(plan).domain },
        userDataFileId: snippet.id,
      },
      dependsOn,
    });
  }
}
