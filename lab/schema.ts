// The shape of lab.yaml: types, defaults and per-field rules. Rules that span fields live in validate.ts.
// Every name that becomes an interface, a file, a Proxmox ID or a word in a generated config is held
// to what that thing accepts, so no value reaches a program as anything but what it is.
import { z } from 'zod';
import { durationMs } from './duration.ts';
import { formatCidr, isCidr, isIpv4, parseCidr, specialPurpose } from './ipv4.ts';
import { FRR_MULTIPATH_MAX, MAX_NODES, PINS } from './pins.ts';

/** Messages read "problem — fix[, e.g. VALUE]"; parse.ts splits them. VALUE is YAML for the field and passes validation. */
const rule = (problem: string, fix: string, example?: string | number) => ({
  error: `${problem} — ${fix}${example === undefined ? '' : `, e.g. ${example}`}`,
});
/** Hex digits of each image checksum algorithm's digest. */
const DIGEST_HEX = { sha256: 64, sha512: 128 } as const;
const fail = (ctx: z.RefinementCtx, problem: string, fix: string, example?: string | number) =>
  ctx.addIssue({ code: 'custom', message: rule(problem, fix, example).error });

const ipv4 = (example: string) =>
  z
    .string()
    .refine(isIpv4, rule('not an IPv4 address', 'write four numbers 0-255', example))
    .superRefine((s, ctx) => {
      const special = isIpv4(s) && specialPurpose(parseCidr(`${s}/32`));
      if (special) fail(ctx, `a ${special} address`, 'give a unicast address a host can reach', example);
    });
/** A network of the lab: written as its network address, clear of special-purpose blocks. */
const cidr = (example: string) =>
  z.string().superRefine((s, ctx) => {
    if (!isCidr(s, false)) return fail(ctx, 'not an IPv4 CIDR', 'write address/prefix', example);
    const net = parseCidr(s, false);
    const written = `${s.split('/')[0]}/${net.prefix}`;
    if (!isCidr(written, true)) return fail(ctx, 'host bits are set', 'use the network address', formatCidr(net));
    const special = specialPurpose(net);
    if (special)
      fail(ctx, `reaches into ${special}`, 'use a private block (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)', example);
  });
const hostCidr = z.string().superRefine((s, ctx) => {
  if (!isCidr(s, false)) return fail(ctx, 'not an address with prefix', 'write address/prefix', '192.168.1.42/24');
  const special = specialPurpose(parseCidr(`${s.split('/')[0]}/32`));
  if (special) fail(ctx, `a ${special} address`, 'give the address the router gets on your network', '192.168.1.42/24');
});
/** Go durations as Cilium's flags take them; a lease has to renew and expire within minutes. */
const duration = (example: string) =>
  z
    .string()
    .regex(/^(\d{1,6}(\.\d{1,3})?(ms|s|m))+$/, rule('not a duration', 'use Go duration syntax (ms, s, m)', example))
    .superRefine((s, ctx) => {
      if (!/^(\d{1,6}(\.\d{1,3})?(ms|s|m))+$/.test(s)) return;
      const ms = durationMs(s);
      if (ms < 100)
        fail(
          ctx,
          'shorter than 100ms',
          'leader election renews every retryPeriod and Kubernetes is asked each time: use 100ms or more',
          example,
        );
      else if (ms > 600_000) fail(ctx, 'longer than 10m', 'a failover waits for the lease: use at most 10m', example);
    });
const ASN_FIX = 'use a private ASN: 64512-65534 or 4200000000-4294967294';
const asn = (example: number) =>
  z
    .number()
    .int()
    .min(1, rule('ASN out of range', ASN_FIX, example))
    .max(4294967294, rule('ASN out of range', ASN_FIX, example))
    .superRefine((n, ctx) => {
      const reserved = n >= 1 && n <= 4294967294 ? reservedAsn(n) : undefined;
      if (reserved) fail(ctx, `ASN ${n} is reserved (${reserved})`, ASN_FIX, example);
    });

/** Reserved ASNs (IANA Special-Purpose AS Numbers registry). */
export function reservedAsn(n: number): string | undefined {
  if (n === 23456) return 'AS_TRANS, RFC 6793';
  if ((n >= 64496 && n <= 64511) || (n >= 65536 && n <= 65551)) return 'documentation, RFC 5398';
  if (n === 65535 || n === 4294967295) return 'last ASN, RFC 7300';
  if (n >= 65552 && n <= 131071) return 'IANA reserved';
  return undefined;
}

/**
 * Bridge names: Proxmox's own convention vmbrN (pve-docs, "Network Configuration"; VM NICs take a
 * `pve-bridge-id`, ../shared/schemas/proxmox/pve-api-9.1.3.json `/nodes/{node}/qemu` net[n].bridge),
 * well inside Linux's 15.
 */
const bridge = (example: string) =>
  z.string().regex(/^vmbr\d{1,4}$/, rule('not a Proxmox bridge name', 'use vmbrN with N from 0 to 9999', example));
/**
 * A bridge port is a `pve-iface` (../shared/schemas/proxmox/pve-api-9.1.3.json `/nodes/{node}/network`
 * bridge_ports, checked by pve-common JSONSchema.pm pve_verify_iface: ^[a-z][a-z0-9_]{1,20}([:.]\d+)?$,
 * case-insensitive) and a Linux interface name (at most 15 characters). A ':' alias is not a port.
 */
const port = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{1,20}(\.\d{1,4})?$/,
    rule(
      'not an interface name Proxmox takes as a bridge port',
      'name a NIC or VLAN interface of the Proxmox node',
      'eno2',
    ),
  )
  .max(15, rule('longer than 15 characters', 'Linux interface names hold 15: use the name `ip link` shows', 'eno2'));
/** A Linux interface name: 1-15 characters of [A-Za-z0-9_.-], not "." or "..". */
const iface = (example: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]{1,15}$/,
      rule('not a Linux interface name', 'use 1-15 characters of letters, digits, _ . -', example),
    )
    .refine(
      (s) => s !== '.' && s !== '..',
      rule('not a Linux interface name', 'use 1-15 characters of letters, digits, _ . -', example),
    );
/** pve-common JSONSchema.pm: pve-storage-id ^[a-z][a-z0-9\-\_\.]*[a-z0-9]$ (case-insensitive). */
const storage = (example: string) =>
  z
    .string()
    .regex(
      /^[a-z][a-z0-9\-_.]{0,62}[a-z0-9]$/i,
      rule('not a Proxmox storage ID', 'use the ID shown under Datacenter › Storage', example),
    );
/** pve-common JSONSchema.pm: pve-node is a host name label. */
const pveNode = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i,
    rule('not a Proxmox node name', 'use the node name shown in the tree', 'pve'),
  );
const semver = z
  .string()
  .regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/, rule('not a version', 'write MAJOR.MINOR.PATCH', PINS.cilium));
const count = (max: number, what: string, example: number) =>
  z
    .number()
    .int()
    .min(1, rule(`no ${what}`, `use 1 to ${max}`, example))
    .max(max, rule(`more than ${max} ${what}`, `use 1 to ${max}`, example));
/** Linux accounts the image already has: the lab user must be a new one (Debian base-passwd, plus the router's frr). */
const SYSTEM_USERS = new Set([
  'root',
  'daemon',
  'bin',
  'sys',
  'sync',
  'games',
  'man',
  'lp',
  'mail',
  'news',
  'uucp',
  'proxy',
  'www-data',
  'backup',
  'list',
  'irc',
  'nobody',
  '_apt',
  'sshd',
  'frr',
  'messagebus',
  'systemd-network',
  'systemd-resolve',
  'systemd-timesync',
  'polkitd',
]);

/** A URL that must carry no credentials, query or fragment (the value is then never shown). */
function urlChecks(s: string, ctx: z.RefinementCtx, fix: string, example: string): void {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return;
  }
  if (url.username || url.password || url.search || url.hash) {
    fail(ctx, 'carries credentials, a query or a fragment', fix, example);
  }
}

/** Plausible VM sizes: what any Proxmox host can give a lab VM, and no more than a large host has. */
const SIZE = { cores: 128, memoryMiB: 1_048_576, diskGiB: 65_536 } as const;
const size = (cores: number, memoryMiB: number, diskGiB: number) =>
  z
    .strictObject({
      cores: z
        .number()
        .int()
        .min(1, rule('too few cores', 'give at least 1', cores))
        .max(SIZE.cores, rule(`more than ${SIZE.cores} cores`, `a lab VM needs 1-${SIZE.cores}`, cores))
        .default(cores),
      memoryMiB: z
        .number()
        .int()
        .min(512, rule('too little memory', 'Debian and k3s need at least 512 MiB', memoryMiB))
        .max(
          SIZE.memoryMiB,
          rule(
            'more memory than a Proxmox host gives one lab VM',
            'plausible is 512 MiB to 1 TiB (1048576 MiB); the unit is MiB',
            memoryMiB,
          ),
        )
        .default(memoryMiB),
      diskGiB: z
        .number()
        .int()
        .min(4, rule('disk too small for the cloud image', 'give at least 4 GiB', diskGiB))
        .max(
          SIZE.diskGiB,
          rule(
            'a larger disk than a Proxmox datastore gives one lab VM',
            'plausible is 4 GiB to 64 TiB (65536 GiB); the unit is GiB',
            diskGiB,
          ),
        )
        .default(diskGiB),
    })
    .prefault({});

export const LabSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9]{1,7}$/,
      rule(
        'not a lab name',
        '2-8 lowercase letters or digits, starting with a letter: it prefixes every VM, bridge and interface, and Linux interface names hold 15 characters',
        'cilab',
      ),
    )
    .describe('Lab name: prefixes every VM, tag, namespace and interface.'),
  proxmox: z.strictObject({
    endpoint: z
      .url({
        protocol: /^https$/,
        error: rule('not an https URL', 'write the API endpoint', 'https://pve.example.lan:8006/').error,
      })
      .superRefine((s, ctx) => {
        const host = (() => {
          try {
            return new URL(s).hostname;
          } catch {
            return 'pve.example.lan';
          }
        })();
        const example = `https://${host}:8006/`;
        if (!s.startsWith('https://')) return;
        urlChecks(s, ctx, 'the token comes from PROXMOX_VE_API_TOKEN: write only scheme, host and port', example);
        if (!/^https:\/\/([^@/?#]*@)?[^/?#]+:\d{1,5}([/?#]|$)/.test(s))
          fail(ctx, 'no port', 'the Proxmox API listens on 8006: write it', example);
        if (!/^\/?$/.test(new URL(s).pathname))
          fail(ctx, 'has a path', 'the provider adds /api2/json itself: end at the port', example);
      })
      .describe('Proxmox VE API endpoint. The token comes from PROXMOX_VE_API_TOKEN, never from this file.'),
    insecure: z.boolean().default(false).describe('Accept a self-signed TLS certificate.'),
    nodes: z
      .array(pveNode)
      .min(1, rule('no Proxmox node', 'list at least one node', '[pve]'))
      .describe('Proxmox nodes; VMs are spread over them in turn (router on the first).'),
    datastores: z
      .strictObject({
        disks: storage('local-lvm').default('local-lvm').describe('Storage for VM disks (content: images).'),
        snippets: storage('local').default('local').describe('Storage for cloud-init snippets (content: snippets).'),
        images: storage('local').default('local').describe('Storage for the downloaded cloud image (content: import).'),
      })
      .prefault({}),
    uplinkBridge: bridge('vmbr0').default('vmbr0').describe("Bridge with the router's WAN (your home network)."),
    vmIdBase: z
      .number()
      .int()
      .min(100, rule('VM ID below 100', 'Proxmox reserves IDs below 100', 4200))
      .max(999_999_000, rule('VM ID too large', 'Proxmox IDs end at 999999999', 4200))
      .default(4200)
      .describe('VM ID of the router; node i gets vmIdBase + i.'),
  }),
  network: z
    .strictObject({
      bridge: bridge('vmbr42').default('vmbr42').describe('Lab LAN bridge, created by the lab with no physical port.'),
      ports: z
        .array(port)
        .default([])
        .describe(
          'Bridge ports. None keeps the LAN inside one Proxmox node; several nodes need a port that links them (a NIC or VLAN).',
        ),
      cidr: cidr('10.42.0.0/24').default('10.42.0.0/24').describe('Lab LAN.'),
      routerHost: z
        .number()
        .int()
        .min(1, rule('host 0 is the network address', 'use host 1 or above', 1))
        .max(2 ** 24, rule('beyond any LAN', 'use a host number of the LAN', 1))
        .default(1)
        .describe('Router LAN address = host N of the LAN.'),
      firstNodeHost: z
        .number()
        .int()
        .min(1, rule('host 0 is the network address', 'use host 1 or above', 11))
        .max(2 ** 24, rule('beyond any LAN', 'use a host number of the LAN', 11))
        .default(11)
        .describe('Node i (from 0) gets host firstNodeHost + i of the LAN.'),
      // glibc reads at most 3 nameserver lines (MAXNS, resolv.conf(5)); more are silently ignored.
      dns: z
        .array(ipv4('1.1.1.1'))
        .min(1, rule('no DNS server', 'list one to three', '[1.1.1.1]'))
        .max(
          3,
          rule(
            'more than 3 DNS servers',
            'resolv.conf uses only the first 3 (MAXNS): list at most 3',
            '[1.1.1.1, 9.9.9.9]',
          ),
        )
        .default(['1.1.1.1', '9.9.9.9'])
        .describe('DNS servers for the VMs (at most 3).'),
    })
    .prefault({}),
  router: z
    .strictObject({
      wan: z
        .discriminatedUnion(
          'mode',
          [
            z.strictObject({ mode: z.literal('dhcp') }),
            z.strictObject({
              mode: z.literal('static'),
              address: hostCidr.describe('WAN address with prefix, e.g. 192.168.1.42/24.'),
              gateway: ipv4('192.168.1.1'),
            }),
          ],
          rule('not a WAN mode', 'use mode: dhcp, or mode: static with address and gateway', 'dhcp'),
        )
        .default({ mode: 'dhcp' })
        .describe('Router WAN on the uplink bridge.'),
    })
    .prefault({}),
  kubernetes: z
    .strictObject({
      controlPlanes: z
        .number()
        .int()
        .min(1, rule('no control-plane node', 'use 1, 3 or 5', 3))
        .max(7, rule('too many control-plane nodes', 'use 1, 3 or 5', 3))
        .refine(
          (n) => n % 2 === 1,
          rule('even number of control-plane nodes', 'etcd needs a majority: use 1, 3 or 5', 3),
        )
        .default(3),
      workers: z
        .number()
        .int()
        .min(0, rule('fewer than 0 workers', 'use 0 or more', 0))
        .max(MAX_NODES - 1, rule(`more than ${MAX_NODES - 1} workers`, `a lab holds ${MAX_NODES} nodes in all`, 2))
        .default(0),
      podCidr: cidr('10.244.0.0/16')
        .default('10.244.0.0/16')
        .describe("Pod network (k3s --cluster-cidr; k3s's own default 10.42.0.0/16 would clash with the LAN)."),
      serviceCidr: cidr('10.96.0.0/16').default('10.96.0.0/16').describe('ClusterIP network (k3s --service-cidr).'),
      k3sVersion: z
        .string()
        .regex(/^v\d{1,3}\.\d{1,3}\.\d{1,3}\+k3s\d{1,3}$/, rule('not a k3s release', 'write a release tag', PINS.k3s))
        .default(PINS.k3s),
    })
    .prefault({}),
  cilium: z.strictObject({ version: semver.default(PINS.cilium) }).prefault({}),
  sizes: z.strictObject({ router: size(1, 1024, 8), node: size(2, 4096, 32) }).prefault({}),
  image: z
    .strictObject({
      url: z
        .url({ protocol: /^https?$/, error: rule('not a URL', 'give the qcow2 cloud image URL', PINS.image).error })
        .superRefine((s, ctx) => {
          urlChecks(s, ctx, 'Proxmox downloads the image itself: give a public URL with no credentials', PINS.image);
          // The last path segment names the file on the Proxmox storage (download-url `filename`).
          const file = (() => {
            try {
              return new URL(s).pathname.split('/').pop() ?? '';
            } catch {
              return '';
            }
          })();
          if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.(qcow2|img)$/.test(file))
            fail(
              ctx,
              'does not end in a qcow2 file name',
              'the last part names the file on the Proxmox storage: give the URL of a .qcow2 or .img file',
              PINS.image,
            );
        })
        .default(PINS.image),
      checksum: z
        .strictObject({
          algorithm: z.enum(['sha256', 'sha512']),
          value: z
            .string()
            .regex(
              /^[0-9a-f]{64}([0-9a-f]{64})?$/,
              rule('not a hex digest', 'paste the value from the SHA256SUMS/SHA512SUMS file'),
            ),
        })
        // The digest must be the algorithm's length before anything is downloaded: sha256 64 hex digits,
        // sha512 128; Proxmox would only refuse the mismatch after an hour-long download.
        .superRefine((c, ctx) => {
          const want = DIGEST_HEX[c.algorithm];
          if (/^[0-9a-f]{64}([0-9a-f]{64})?$/.test(c.value) && c.value.length !== want)
            ctx.addIssue({
              code: 'custom',
              path: ['value'],
              message: rule(
                `a ${c.value.length}-digit digest, but ${c.algorithm} gives ${want}`,
                `paste the value from the ${c.algorithm.toUpperCase()}SUMS file, or set algorithm to ${c.value.length === 128 ? 'sha512' : 'sha256'}`,
              ).error,
            });
        })
        .optional()
        .describe('Pins the image: Proxmox refuses a download that does not match.'),
    })
    .prefault({}),
  l2: z
    .strictObject({
      pool: cidr('10.42.0.192/28')
        .default('10.42.0.192/28')
        .describe('LoadBalancer IPs announced by ARP: inside the LAN, clear of every host.'),
      interface: iface('eth0').default('eth0').describe('Node interface on the lab LAN that answers ARP.'),
      lease: z
        .strictObject({
          duration: duration('3s').default('3s'),
          renewDeadline: duration('1s').default('1s'),
          retryPeriod: duration('200ms').default('200ms'),
        })
        .prefault({})
        .describe('Leader election of the announcing node: duration > renewDeadline > 1.2 × retryPeriod.'),
    })
    .prefault({}),
  bgp: z
    .strictObject({
      pool: cidr('172.31.42.0/28')
        .default('172.31.42.0/28')
        .describe('LoadBalancer IPs announced by BGP: routed, overlapping no other network.'),
      routerAsn: asn(65000).default(65000),
      nodeAsn: asn(65001).default(65001),
      timers: z
        .strictObject({
          keepalive: z
            .number()
            .int()
            .min(1, rule('keepalive below 1 s', 'use 1 s or more', 3))
            .max(21845, rule('keepalive above 21845 s', 'use at most a third of hold', 3))
            .default(3),
          hold: z
            .number()
            .int()
            .min(3, rule('hold time below 3 s', 'use 3 s or more (RFC 4271)', 9))
            .max(65535, rule('hold time above 65535 s', 'use at most 65535 s (RFC 4271)', 9))
            .default(9),
          connectRetry: z
            .number()
            .int()
            .min(1, rule('connect retry below 1 s', 'use 1 s or more', 5))
            .max(65535, rule('connect retry above 65535 s', 'use at most 65535 s', 5))
            .default(5),
        })
        .prefault({}),
      maximumPaths: count(FRR_MULTIPATH_MAX, 'ECMP paths', 64)
        .optional()
        .describe(
          `Most equal-cost paths the router installs (FRR maximum-paths, 1-${FRR_MULTIPATH_MAX}); default: one per node. Nodes beyond it get no traffic.`,
        ),
      passwordEnv: z
        .string()
        .regex(
          /^[A-Z_][A-Z0-9_]{0,63}$/,
          rule(
            'not an environment variable name',
            'name the variable that holds the password (the password itself never goes in this file)',
            'LAB_BGP_PASSWORD',
          ),
        )
        // A token pasted here can still look like a name: a long run of letters and digits with no word break.
        .refine(
          (s) => !/^(?=.*\d)[A-Z0-9]{16,}$/.test(s),
          rule(
            'looks like a secret, not a variable name',
            'name the variable that holds the password (the password itself never goes in this file)',
            'LAB_BGP_PASSWORD',
          ),
        )
        .optional()
        .describe(
          'Name of the environment variable holding the BGP (TCP MD5) password; the password itself never goes in this file.',
        ),
    })
    .prefault({}),
  ssh: z
    .strictObject({
      user: z
        .string()
        .regex(
          /^[a-z_][a-z0-9_-]{0,31}$/,
          rule('not a Linux user name', 'use up to 32 lowercase letters, digits, _ or -', 'lab'),
        )
        .refine(
          (u) => !SYSTEM_USERS.has(u),
          rule('an account the image already has', 'the lab creates its own login user: pick a new name', 'lab'),
        )
        .default('lab'),
      authorizedKeys: z
        .array(
          z
            .string()
            .refine(
              (k) => !/PRIVATE KEY|^-----BEGIN/.test(k),
              rule(
                'a private key, not a public key',
                'paste the one line of the .pub file; treat the private key you pasted as exposed',
              ),
            )
            .refine(
              (k) =>
                /PRIVATE KEY|^-----BEGIN/.test(k) ||
                /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,2}( [^\n]*)?$/.test(
                  k,
                ),
              rule('not an SSH public key', 'paste one line of ~/.ssh/id_ed25519.pub'),
            ),
        )
        .default([]),
    })
    .prefault({}),
});

/** lab.yaml as written (defaults optional). */
export type LabInput = z.input<typeof LabSchema>;
/** lab.yaml after defaults. */
export type LabConfig = z.output<typeof LabSchema>;
