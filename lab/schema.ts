// The shape of lab.yaml: types, defaults and per-field rules. Rules that span fields live in validate.ts.
import { z } from 'zod';
import { isCidr, isIpv4 } from './ipv4.ts';
import { PINS } from './pins.ts';

/** Messages read "problem — fix"; issues.ts splits them for the error report. */
const rule = (problem: string, fix: string) => ({ error: `${problem} — ${fix}` });

const ipv4 = z.string().refine(isIpv4, rule('not an IPv4 address', 'write four numbers 0-255, e.g. 10.42.0.1'));
const cidr = z
  .string()
  .refine((s) => isCidr(s, false), rule('not an IPv4 CIDR', 'write address/prefix, e.g. 10.42.0.0/24'))
  .refine((s) => !isCidr(s, false) || isCidr(s, true), rule('host bits are set', 'use the network address, e.g. 10.42.0.0/24 rather than 10.42.0.1/24'));
const hostCidr = z.string().refine((s) => isCidr(s, false), rule('not an address with prefix', 'write address/prefix, e.g. 192.168.1.42/24'));
const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ms|s|m))+$/, rule('not a duration', 'use Go duration syntax, e.g. 3s, 500ms, 1m'));
const asn = z
  .number()
  .int()
  .min(1, rule('ASN out of range', 'use 1-4294967294; private ASNs are 64512-65534 and 4200000000-4294967294'))
  .max(4294967294, rule('ASN out of range', 'use 1-4294967294; private ASNs are 64512-65534 and 4200000000-4294967294'))
  .refine((n) => n !== 23456, rule('ASN 23456 is reserved (AS_TRANS)', 'pick a private ASN such as 65001'));
const bridge = z.string().regex(/^vmbr\d{1,4}$/, rule('not a Proxmox bridge name', 'use vmbrN with N from 0 to 9999, e.g. vmbr42'));
const storage = z.string().regex(/^[a-z][a-z0-9\-_.]*$/i, rule('not a Proxmox storage ID', 'use the ID shown under Datacenter › Storage, e.g. local-lvm'));
const semver = z.string().regex(/^\d+\.\d+\.\d+$/, rule('not a version', 'write MAJOR.MINOR.PATCH, e.g. 1.20.0'));

const size = (cores: number, memoryMiB: number, diskGiB: number) =>
  z
    .strictObject({
      cores: z.number().int().min(1, rule('too few cores', 'give at least 1')).max(128).default(cores),
      memoryMiB: z.number().int().min(512, rule('too little memory', 'give at least 512 MiB')).default(memoryMiB),
      diskGiB: z.number().int().min(4, rule('disk too small for the cloud image', 'give at least 4 GiB')).default(diskGiB),
    })
    .prefault({});

export const LabSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9]{1,7}$/,
      rule('not a lab name', '2-8 lowercase letters or digits, starting with a letter: it prefixes every VM, bridge and interface, and Linux interface names hold 15 characters'),
    )
    .describe('Lab name: prefixes every VM, tag, namespace and interface.'),
  proxmox: z
    .strictObject({
      endpoint: z
        .url({ protocol: /^https$/, error: 'not an https URL — write the API endpoint, e.g. https://pve.example.lan:8006/' })
        .describe('Proxmox VE API endpoint. The token comes from PROXMOX_VE_API_TOKEN, never from this file.'),
      insecure: z.boolean().default(false).describe('Accept a self-signed TLS certificate.'),
      nodes: z
        .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/i, rule('not a Proxmox node name', 'use the node name shown in the tree, e.g. pve')))
        .min(1, rule('no Proxmox node', 'list at least one node, e.g. [pve]'))
        .describe('Proxmox nodes; VMs are spread over them in turn (router on the first).'),
      datastores: z
        .strictObject({
          disks: storage.default('local-lvm').describe('Storage for VM disks (content: images).'),
          snippets: storage.default('local').describe('Storage for cloud-init snippets (content: snippets).'),
          images: storage.default('local').describe('Storage for the downloaded cloud image (content: import).'),
        })
        .prefault({}),
      uplinkBridge: bridge.default('vmbr0').describe("Bridge with the router's WAN (your home network)."),
      vmIdBase: z
        .number()
        .int()
        .min(100, rule('VM ID below 100', 'Proxmox reserves IDs below 100; use e.g. 4200'))
        .max(999_999_000, rule('VM ID too large', 'Proxmox IDs end at 999999999'))
        .default(4200)
        .describe('VM ID of the router; node i gets vmIdBase + i.'),
    }),
  network: z
    .strictObject({
      bridge: bridge.default('vmbr42').describe('Lab LAN bridge, created by the lab with no physical port.'),
      ports: z
        .array(z.string().regex(/^[a-z][a-z0-9.]*$/, rule('not an interface name', 'name a NIC or VLAN interface of the Proxmox node, e.g. eno2 or eno1.42')))
        .default([])
        .describe('Bridge ports. None keeps the LAN inside one Proxmox node; several nodes need a port that links them (a NIC or VLAN).'),
      cidr: cidr.default('10.42.0.0/24').describe('Lab LAN.'),
      routerHost: z.number().int().min(1).default(1).describe('Router LAN address = host N of the LAN.'),
      firstNodeHost: z.number().int().min(1).default(11).describe('Node i (from 0) gets host firstNodeHost + i of the LAN.'),
      dns: z.array(ipv4).min(1).default(['1.1.1.1', '9.9.9.9']).describe('DNS servers for the VMs.'),
    })
    .prefault({}),
  router: z
    .strictObject({
      wan: z
        .discriminatedUnion('mode', [
          z.strictObject({ mode: z.literal('dhcp') }),
          z.strictObject({
            mode: z.literal('static'),
            address: hostCidr.describe('WAN address with prefix, e.g. 192.168.1.42/24.'),
            gateway: ipv4,
          }),
        ], rule('not a WAN mode', 'use mode: dhcp, or mode: static with address and gateway'))
        .default({ mode: 'dhcp' })
        .describe('Router WAN on the uplink bridge.'),
    })
    .prefault({}),
  kubernetes: z
    .strictObject({
      controlPlanes: z
        .number()
        .int()
        .min(1, rule('no control-plane node', 'use 1, 3 or 5'))
        .max(7, rule('too many control-plane nodes', 'use 1, 3 or 5'))
        .refine((n) => n % 2 === 1, rule('even number of control-plane nodes', 'etcd needs a majority: use 1, 3 or 5'))
        .default(3),
      workers: z.number().int().min(0).max(20, rule('too many workers', 'use at most 20')).default(0),
      podCidr: cidr.default('10.244.0.0/16').describe("Pod network (k3s --cluster-cidr; k3s's own default 10.42.0.0/16 would clash with the LAN)."),
      serviceCidr: cidr.default('10.96.0.0/16').describe('ClusterIP network (k3s --service-cidr).'),
      k3sVersion: z
        .string()
        .regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, rule('not a k3s release', 'write a tag such as v1.33.5+k3s1'))
        .default(PINS.k3s),
    })
    .prefault({}),
  cilium: z.strictObject({ version: semver.default(PINS.cilium) }).prefault({}),
  sizes: z.strictObject({ router: size(1, 1024, 8), node: size(2, 4096, 32) }).prefault({}),
  image: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'not a URL — give the qcow2 cloud image URL' }).default(PINS.image),
      checksum: z
        .strictObject({
          algorithm: z.enum(['sha256', 'sha512']),
          value: z.string().regex(/^[0-9a-f]{64}([0-9a-f]{64})?$/, rule('not a hex digest', 'paste the value from the SHA256SUMS/SHA512SUMS file')),
        })
        .optional()
        .describe('Pins the image: Proxmox refuses a download that does not match.'),
    })
    .prefault({}),
  l2: z
    .strictObject({
      pool: cidr.default('10.42.0.192/28').describe('LoadBalancer IPs announced by ARP: inside the LAN, clear of every host.'),
      interface: z.string().default('eth0').describe('Node interface on the lab LAN that answers ARP.'),
      lease: z
        .strictObject({
          duration: duration.default('3s'),
          renewDeadline: duration.default('1s'),
          retryPeriod: duration.default('200ms'),
        })
        .prefault({})
        .describe('Leader election of the announcing node: duration > renewDeadline > retryPeriod.'),
    })
    .prefault({}),
  bgp: z
    .strictObject({
      pool: cidr.default('172.31.42.0/28').describe('LoadBalancer IPs announced by BGP: routed, overlapping no other network.'),
      routerAsn: asn.default(65000),
      nodeAsn: asn.default(65001),
      timers: z
        .strictObject({
          keepalive: z.number().int().min(1).max(21845).default(3),
          hold: z.number().int().min(3, rule('hold time below 3 s', 'use 3 s or more (RFC 4271)')).max(65535).default(9),
          connectRetry: z.number().int().min(1).max(65535).default(5),
        })
        .prefault({}),
      passwordEnv: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/, rule('not an environment variable name', 'name the variable that holds the password, e.g. LAB_BGP_PASSWORD'))
        .optional()
        .describe('Name of the environment variable holding the BGP (TCP MD5) password; the password itself never goes in this file.'),
    })
    .prefault({}),
  ssh: z
    .strictObject({
      user: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('lab'),
      authorizedKeys: z
        .array(
          z
            .string()
            .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/, rule('not an SSH public key', 'paste one line of ~/.ssh/id_ed25519.pub')),
        )
        .default([]),
    })
    .prefault({}),
});

/** lab.yaml as written (defaults optional). */
export type LabInput = z.input<typeof LabSchema>;
/** lab.yaml after defaults. */
export type LabConfig = z.output<typeof LabSchema>;
