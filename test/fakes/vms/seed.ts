// The NoCloud drive Proxmox builds for a VM with `cicustom: user=<snippet>`, file for file and byte for
// byte, from proxmox/qemu-server src/PVE/QemuServer/Cloudinit.pm (master 9.2.6, e6352be):
//  - user-data: the snippet itself, unchanged (get_custom_cloudinit_files reads it raw);
//  - network-config: `nocloud_network`, network config version 1, one `physical` entry per netN with an
//    ipconfigN (name ethN, lowercase mac_address, dhcp4 or static with a dotted netmask), then one
//    `nameserver` entry (get_dns_conf: the VM's nameserver/searchdomain);
//  - meta-data: `nocloud_gen_metadata`, "instance-id: sha1_hex(user_data . network_data)\n";
//  - vendor-data: empty;
//  - the image: `genisoimage -quiet -iso-level 3 -J -R -V cidata` (commit_cloudinit_disk).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { netmask, parseCidr } from '../../../lab/ipv4.ts';

export interface SeedNic {
  readonly mac: string;
  /** `dhcp` or CIDR, as Proxmox's ipconfigN `ip=`. */
  readonly ip: string;
  readonly gw?: string;
}

export interface SeedInput {
  readonly userData: string;
  readonly nics: readonly SeedNic[];
  readonly nameservers: readonly string[];
  readonly searchdomains: readonly string[];
}

export function networkConfig(s: Pick<SeedInput, 'nics' | 'nameservers' | 'searchdomains'>): string {
  let out = 'version: 1\nconfig:\n';
  const i = '    ';
  s.nics.forEach((nic, id) => {
    out += `${i}- type: physical\n${i}  name: eth${id}\n${i}  mac_address: '${nic.mac.toLowerCase()}'\n${i}  subnets:\n`;
    const j = `${i}  `;
    if (nic.ip === 'dhcp') {
      out += `${j}- type: dhcp4\n`;
    } else {
      // split_ip4: the prefix length as a dotted mask.
      out += `${j}- type: static\n${j}  address: '${nic.ip.split('/')[0]}'\n${j}  netmask: '${netmask(parseCidr(nic.ip, false).prefix)}'\n`;
      if (nic.gw) out += `${j}  gateway: '${nic.gw}'\n`;
    }
  });
  out += `${i}- type: nameserver\n`;
  if (s.nameservers.length > 0) out += `${i}  address:\n${s.nameservers.map((n) => `${i}  - '${n}'\n`).join('')}`;
  if (s.searchdomains.length > 0) out += `${i}  search:\n${s.searchdomains.map((d) => `${i}  - '${d}'\n`).join('')}`;
  return out;
}

export function metaData(userData: string, network: string): string {
  return `instance-id: ${createHash('sha1')
    .update(userData + network)
    .digest('hex')}\n`;
}

export function seedFiles(s: SeedInput): Record<'user-data' | 'network-config' | 'meta-data' | 'vendor-data', string> {
  const network = networkConfig(s);
  return {
    'user-data': s.userData,
    'network-config': network,
    'meta-data': metaData(s.userData, network),
    'vendor-data': '',
  };
}

/** Writes the four files into `dir` and the ISO next to it; returns the ISO's path. */
export function writeSeed(s: SeedInput, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(seedFiles(s))) writeFileSync(join(dir, name), content);
  const iso = `${dir}.iso`;
  execFileSync('genisoimage', ['-quiet', '-iso-level', '3', '-J', '-R', '-V', 'cidata', '-o', iso, dir]);
  return iso;
}
