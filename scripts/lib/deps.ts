// System programs the emulated lab needs, the Debian/Ubuntu packages that bring them, and their install.
import { $ } from 'zx';
import { LabError } from '../../lab/errors.ts';
import { sh } from '../../templates/shell.ts';

/** Program → package. The emulated lab's routers and nodes are built from these. */
export const LAB_TOOLS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  '/usr/lib/frr/zebra': 'frr',
  vtysh: 'frr',
  gobgpd: 'gobgpd',
  gobgp: 'gobgpd',
  arping: 'arping',
  '/usr/sbin/sshd': 'openssh-server',
  'ssh-keygen': 'openssh-client',
  nft: 'nftables',
  curl: 'curl',
};

/** What the tests use on top: cloud-init's schema check, FRR's reload script, a TLS certificate for the fake API,
 *  a browser that opens the comparison report, and the stand-in fidelity suite's view of the wire (captures, an unanswered ping). */
export const TEST_TOOLS: Readonly<Record<string, string>> = {
  'cloud-init': 'cloud-init',
  '/usr/lib/frr/frr-reload.py': 'frr-pythontools',
  openssl: 'openssl',
  tcpdump: 'tcpdump',
  ping: 'iputils-ping',
  chromium: 'chromium',
};

/**
 * What `npm run test:vms` uses on top (test/fakes/vms): QEMU, the Debian image and its offline archive
 * (mmdebstrap, apt-ftparchive, gpg), the cloud-init drive (genisoimage), the home network's DHCP and
 * DNS (dnsmasq). Not part of `npm test`, so not of TEST_TOOLS: `npm run lab:deps -- --vms`.
 */
export const VM_TOOLS: Readonly<Record<string, string>> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-img': 'qemu-utils',
  mmdebstrap: 'mmdebstrap',
  'apt-ftparchive': 'apt-utils',
  gpg: 'gpg',
  genisoimage: 'genisoimage',
  dnsmasq: 'dnsmasq-base',
};

export async function missingPackages(tools: Readonly<Record<string, string>>): Promise<string[]> {
  const missing = new Set<string>();
  for (const [tool, pkg] of Object.entries(tools)) {
    const found = await $({ nothrow: true, quiet: true })`sh -c ${sh`command -v ${tool}`}`;
    if (found.exitCode !== 0) missing.add(pkg);
  }
  return [...missing].sort();
}

/** What a person types to install them. */
export function aptLine(packages: string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`;
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new LabError(
      'E_ROOT',
      `${what} needs root: it creates network namespaces and starts daemons`,
      'run it with sudo, e.g. sudo npm run lab:bgp',
    );
  }
}

/** Fails with the apt-get line, or installs the packages when asked (Debian/Ubuntu, root). */
export async function ensurePackages(tools: Readonly<Record<string, string>>, install: boolean): Promise<string[]> {
  const missing = await missingPackages(tools);
  if (missing.length === 0) return [];
  if (!install)
    throw new LabError(
      'E_DEPS',
      `missing system packages: ${missing.join(', ')}`,
      `install them with: ${aptLine(missing)}   (or pass --install-deps)`,
    );
  requireRoot('--install-deps');
  await $({ quiet: true, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })`apt-get update -qq`;
  await $({
    quiet: true,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })`apt-get install -y -qq ${missing}`;
  return missing;
}
