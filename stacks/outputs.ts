// The VMs stack's outputs, declared once: vms.ts writes them, the Proxmox run reads them from
// .lab/<name>/outputs.json (cdktf deploy --outputs-file).

/** The output that lists every lab host. */
export const HOSTS_OUTPUT = 'hosts';

/** One lab host as the `hosts` output holds it. The agent's lists are empty when it did not answer in time. */
export interface HostOutput {
  name: string;
  role: string;
  vm_id: number;
  proxmox_node: string;
  lan_ip: string;
  ipv4_addresses: (string[] | null)[];
  mac_addresses: string[];
  network_interface_names?: string[];
}
