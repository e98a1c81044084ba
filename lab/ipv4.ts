// IPv4 arithmetic on 32-bit integers: all the address plan needs, nothing more.

export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

export function parseIp(text: string): number {
  if (!isIpv4(text)) throw new Error(`not an IPv4 address: ${text}`);
  return text.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/n`; `strict` demands that no host bits be set. */
export function parseCidr(text: string, strict = true): Cidr {
  const [ip, bits, extra] = text.split('/');
  const prefix = Number(bits);
  if (extra !== undefined || !ip || !/^\d{1,2}$/.test(bits ?? '') || prefix > 32) {
    throw new Error(`not an IPv4 CIDR: ${text}`);
  }
  const address = parseIp(ip);
  const network = address - (address % size({ network: 0, prefix }));
  if (strict && network !== address)
    throw new Error(`host bits set in ${text}; the network is ${formatIp(network)}/${prefix}`);
  return { network, prefix };
}

export function isCidr(text: string, strict = true): boolean {
  try {
    parseCidr(text, strict);
    return true;
  } catch {
    return false;
  }
}

export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function lastAddress(cidr: Cidr): number {
  return cidr.network + size(cidr) - 1;
}

export function contains(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.network && ip <= lastAddress(cidr);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** Terraform's cidrhost(): the n-th address of the network. */
export function cidrHost(cidr: Cidr, n: number): number {
  if (n < 0 || n >= size(cidr)) throw new Error(`host ${n} is outside ${formatCidr(cidr)}`);
  return cidr.network + n;
}

/** A usable host address: neither network nor broadcast (for prefixes up to /30). */
export function isUsableHost(cidr: Cidr, ip: number): boolean {
  if (!contains(cidr, ip)) return false;
  return cidr.prefix >= 31 || (ip !== cidr.network && ip !== lastAddress(cidr));
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.network)}/${cidr.prefix}`;
}

export function netmask(prefix: number): string {
  return formatIp(2 ** 32 - 2 ** (32 - prefix));
}

/**
 * Blocks no lab network, pool or server can live in (IANA IPv4 Special-Purpose Address Registry,
 * RFC 6890). Documentation (RFC 5737), benchmarking (198.18.0.0/15, used by the emulated client) and
 * shared (100.64.0.0/10) space route like any private block inside a lab, so they are allowed.
 */
const SPECIAL: readonly [cidr: string, what: string][] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8, RFC 1122)'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 'link-local (169.254.0.0/16)'],
  ['192.0.0.0/24', 'IETF protocol assignments (192.0.0.0/24)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved and broadcast (240.0.0.0/4, 255.255.255.255)'],
];

/** The special-purpose block `cidr` reaches into, if any. */
export function specialPurpose(cidr: Cidr): string | undefined {
  return SPECIAL.find(([block]) => overlaps(cidr, parseCidr(block)))?.[1];
}
