// The slow, reusable part of the lab: the LAN bridge and the cloud image on each Proxmox node used.
// It outlives `lab:teardown --keep-images` and VM rebuilds, so a new lab skips the image download.
import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { type LabPlan, usedProxmoxNodes } from '../lab/plan.ts';
import { VirtualEnvironmentDownloadFile, VirtualEnvironmentNetworkLinuxBridge } from './proxmox.ts';
import { useProxmox } from './provider.ts';

/**
 * Seconds the provider gives the image download (bpg/proxmox 0.111.1 download_file `upload_timeout`,
 * default 600: docs/resources/virtual_environment_download_file.md, fwprovider/nodes/
 * resource_download_file.go, where it bounds the whole Create). A Debian cloud image is ~400 MB: 600 s
 * fails below ~5 Mbit/s; an hour still passes at ~1 Mbit/s.
 */
export const IMAGE_DOWNLOAD_TIMEOUT_S = 3600;

export interface BaseStackConfig {
  readonly plan: LabPlan;
}

/** Proxmox's "import" content wants a .qcow2/.raw/.vmdk name; the lab prefix keeps labs apart. */
export function imageFileName(plan: LabPlan): string {
  const base = new URL(plan.config.image.url).pathname
    .split('/')
    .pop()!
    .replace(/\.(img|qcow2)$/, '');
  return `${plan.name}-${base}.qcow2`;
}

/** The volume ID that VM disks import from, identical on every node (the storage is node-local). */
export function imageVolumeId(plan: LabPlan): string {
  return `${plan.config.proxmox.datastores.images}:import/${imageFileName(plan)}`;
}

export class BaseStack extends TerraformStack {
  public readonly bridges: VirtualEnvironmentNetworkLinuxBridge[];
  public readonly images: VirtualEnvironmentDownloadFile[];

  constructor(scope: Construct, id: string, { plan }: BaseStackConfig) {
    super(scope, id);
    useProxmox(this, plan, id);
    const { image, network, proxmox } = plan.config;
    const nodes = usedProxmoxNodes(plan);
    this.bridges = nodes.map(
      (node) =>
        new VirtualEnvironmentNetworkLinuxBridge(this, `bridge-${node}`, {
          nodeName: node,
          name: network.bridge,
          ports: network.ports,
          autostart: true,
          comment: plan.lan.comment,
        }),
    );
    this.images = nodes.map(
      (node) =>
        new VirtualEnvironmentDownloadFile(this, `image-${node}`, {
          nodeName: node,
          datastoreId: proxmox.datastores.images,
          contentType: 'import',
          url: image.url,
          fileName: imageFileName(plan),
          overwrite: false,
          uploadTimeout: IMAGE_DOWNLOAD_TIMEOUT_S,
          ...(image.checksum ? { checksum: image.checksum.value, checksumAlgorithm: image.checksum.algorithm } : {}),
        }),
    );
  }
}
