// The Proxmox VE API calls: those the toolkit makes (CALLS, each used by a step, the preflight or the
// status), those the bpg/proxmox provider makes for the stacks (PROVIDER_CALLS), and the privileges the
// lab needs for both. A test checks both lists against the API description in ../shared/schemas/proxmox
// (paths, methods, privileges).

export const CALLS = {
  version: { method: 'GET', path: '/version' },
  permissions: { method: 'GET', path: '/access/permissions' },
  nodes: { method: 'GET', path: '/nodes' },
  storage: { method: 'GET', path: '/nodes/{node}/storage' },
  network: { method: 'GET', path: '/nodes/{node}/network' },
  resources: { method: 'GET', path: '/cluster/resources' },
  vmStart: { method: 'POST', path: '/nodes/{node}/qemu/{vmid}/status/start' },
  vmStop: { method: 'POST', path: '/nodes/{node}/qemu/{vmid}/status/stop' },
  // lab:compare's faults on Proxmox (scripts/targets/proxmox/compare.ts): a clean shutdown, and the NIC's link
  // pulled by rewriting net0 with link_down=1 (PUT: the synchronous form, see linkDownNet there).
  vmShutdown: { method: 'POST', path: '/nodes/{node}/qemu/{vmid}/status/shutdown' },
  vmStatus: { method: 'GET', path: '/nodes/{node}/qemu/{vmid}/status/current' },
  vmConfig: { method: 'GET', path: '/nodes/{node}/qemu/{vmid}/config' },
  vmConfigSet: { method: 'PUT', path: '/nodes/{node}/qemu/{vmid}/config' },
  agentFileRead: { method: 'GET', path: '/nodes/{node}/qemu/{vmid}/agent/file-read' },
  // The router's WAN address, read again once its agent answers (the deploy's outputs may lack it).
  agentNetwork: { method: 'GET', path: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces' },
} as const;

export type CallName = keyof typeof CALLS;

/** What the provider calls to build the stacks (bridge, image download, VMs) and to destroy them. */
export const PROVIDER_CALLS = [
  { method: 'POST', path: '/nodes/{node}/network' },
  { method: 'PUT', path: '/nodes/{node}/network' },
  { method: 'DELETE', path: '/nodes/{node}/network/{iface}' },
  { method: 'POST', path: '/nodes/{node}/storage/{storage}/download-url' },
  { method: 'GET', path: '/nodes/{node}/storage/{storage}/content' },
  { method: 'POST', path: '/nodes/{node}/qemu' },
  { method: 'POST', path: '/nodes/{node}/qemu/{vmid}/config' },
  { method: 'DELETE', path: '/nodes/{node}/qemu/{vmid}' },
  // Reading a VM back, its addresses (agent.waitForIp) and every task it waits for (bpg/proxmox 0.111.1
  // proxmox/nodes/vms/vms.go GetVMStatus, GetVMNetworkInterfacesFromAgent; proxmox/nodes/tasks/tasks.go).
  { method: 'GET', path: '/nodes/{node}/qemu/{vmid}/status/current' },
  { method: 'GET', path: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces' },
  { method: 'GET', path: '/nodes/{node}/tasks/{upid}/status' },
  // A disk grown to its planned size after the import (proxmox/nodes/vms/vms.go ResizeVMDisk), and the
  // snippet upload reading its datastore's path first (proxmoxtf/resource/file.go, GetDatastore).
  { method: 'PUT', path: '/nodes/{node}/qemu/{vmid}/resize' },
  { method: 'GET', path: '/storage/{storage}' },
] as const;

/** The Proxmox VE majors whose privileges the lab knows; a later major is checked as the newest. */
export const PVE_MAJORS = [8, 9] as const;
export type PveMajor = (typeof PVE_MAJORS)[number];

/**
 * The guest-agent calls (the provider's network-get-interfaces, our file-read) changed privileges in
 * PVE 9. 8.4 guards every agent call with VM.Monitor (qemu-server stable-bookworm 8.4.10,
 * src/PVE/API2/Qemu/Agent.pm: register_command's default perm l.147, file-read l.408); 9 split it
 * into VM.GuestAgent.* and dropped VM.Monitor (pve-access-control 922f710 "add VM.GuestAgent
 * privileges", 0706945 "privileges: drop VM.Monitor", libpve-access-control 9.0.2).
 */
export const AGENT_PRIVILEGES: Readonly<Record<PveMajor, readonly string[]>> = {
  8: ['VM.Monitor'],
  9: ['VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted', 'VM.GuestAgent.FileRead|VM.GuestAgent.Unrestricted'],
};

/** Privileges by ACL path on a PVE major; at least one of each group (`a|b`). Placeholders are filled from the plan. */
export function privileges(major: PveMajor): Readonly<Record<string, readonly string[]>> {
  return {
    '/vms/{vmid}': [
      'VM.Allocate',
      'VM.Audit',
      'VM.PowerMgmt',
      'VM.Config.Disk',
      'VM.Config.CPU',
      'VM.Config.Memory',
      'VM.Config.Network',
      'VM.Config.Options',
      'VM.Config.Cloudinit',
      // bpg/proxmox 0.111.1 creates every VM with acpi, scsihw and tablet (proxmoxtf/resource/vm/vm.go
      // vmCreateCustom), which qemu-server guards with VM.Config.HWType (src/PVE/API2/Qemu.pm
      // $hwtypeoptions; a serial socket too, check_vm_create_serial_perm): in code, not in the description.
      'VM.Config.HWType',
      ...AGENT_PRIVILEGES[major],
    ],
    '/storage/{storage}': [
      // GET /storage/{storage} (the snippet upload) and deleting snippets and the image.
      'Datastore.Allocate',
      'Datastore.AllocateSpace',
      'Datastore.AllocateTemplate',
      'Datastore.Audit|Datastore.AllocateSpace',
    ],
    '/nodes/{node}': ['Sys.Audit', 'Sys.Modify'],
    // The image download (download-url) wants these on / (or the newer Sys.AccessNetwork on the node).
    '/': ['Sys.Audit', 'Sys.Modify'],
    // Since PVE 8 a bridge is an SDN object: using it in a VM needs SDN.Use on it.
    '/sdn/zones/localnetwork/{bridge}': ['SDN.Use'],
  };
}
