// The one door to the generated bpg/proxmox bindings (`npm run gen` writes .gen/). Importing single
// resources keeps synth fast; a move off CDKTF only has to replace what this file exports.
export { ProxmoxProvider } from '../.gen/providers/proxmox/provider/index.ts';
export { VirtualEnvironmentDownloadFile } from '../.gen/providers/proxmox/virtual-environment-download-file/index.ts';
export { VirtualEnvironmentFile } from '../.gen/providers/proxmox/virtual-environment-file/index.ts';
export { VirtualEnvironmentNetworkLinuxBridge } from '../.gen/providers/proxmox/virtual-environment-network-linux-bridge/index.ts';
export { VirtualEnvironmentVm } from '../.gen/providers/proxmox/virtual-environment-vm/index.ts';
