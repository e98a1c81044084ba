// The Debian 12 disk image the lab's VMs boot, built once with mmdebstrap and cached outside the repo,
// keyed by a hash of its package list (and this recipe's version): a changed list builds a new image.
//
// What stands in for what, and why:
//  - Proxmox imports Debian's genericcloud image. Here mmdebstrap builds the same distribution with the
//    packages that image carries for networking (netplan.io + systemd-networkd + systemd-resolved, sudo,
//    openssh-server, cloud-init: debian-cloud-images, config_space/bookworm/package_config/{CLOUD,SYSTEM_BOOT})
//    plus everything our rendered user-data installs, preinstalled so TCG boots stay short.
//  - Node (this machine's binary) and GoBGP go in for the Cilium stand-ins the node VMs run.
//  - The .deb files mmdebstrap downloaded become an offline Debian archive (dists for bookworm,
//    bookworm-updates and bookworm-security), signed with a key generated here and trusted by the image.
//    The image's sources name deb.debian.org, as Debian's do; the lab's WAN side answers that name (see
//    network.ts), so `package_update`/`packages:` in our user-data run unchanged, without the internet.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { LabPlan } from '../../../lab/plan.ts';
import { nodeUserData, routerUserData } from '../../../templates/cloud-init.ts';

/** Outside the repo, kept between runs; LAB_VM_CACHE names another place. */
export const CACHE_ROOT = process.env.LAB_VM_CACHE ?? '/var/cache/proxmox-cilium-lab/vms';
/** Bump when the recipe below changes in a way the package list does not show. */
const RECIPE = 4;
const SUITES = ['bookworm', 'bookworm-updates', 'bookworm-security'] as const;

/** What genericcloud brings that our steps rely on, and what the stand-ins need. */
const BASE_PACKAGES = [
  // Boot and the cloud image's own pieces (debian-cloud-images bookworm CLOUD, SYSTEM_BOOT).
  'systemd-sysv',
  'linux-image-cloud-amd64',
  'cloud-init',
  'openssh-server',
  'sudo',
  'netplan.io',
  'systemd-resolved',
  'polkitd',
  'netbase',
  'iproute2',
  'iputils-ping',
  'iptables',
  'ca-certificates',
  // Priority required/important in Debian, so in every Debian image but not in mmdebstrap's apt variant:
  // cloud-init's resizefs runs resize2fs, and fails the boot without it.
  'e2fsprogs',
  'dbus',
  'procps',
  'kmod',
  // cloud-init's locale module sets LANG=en_US.UTF-8 (update-locale fails the boot if it is not generated).
  'locales',
  // The Cilium stand-ins on the node VMs: GoBGP, gratuitous ARP.
  'gobgpd',
  'arping',
];

export interface VmImage {
  readonly dir: string;
  /** Root filesystem (ext4, raw): VMs boot qcow2 overlays of it. */
  readonly disk: string;
  readonly kernel: string;
  readonly initrd: string;
  /** The offline archive's root: <repo>/debian and <repo>/debian-security. */
  readonly repo: string;
  readonly packages: readonly string[];
}

/** Every package the rendered user-data of this lab installs. */
export function userDataPackages(plan: LabPlan): string[] {
  const docs = [routerUserData(plan), ...plan.nodes.map((n) => nodeUserData(plan, n))];
  return [...new Set(docs.flatMap((d) => (parse(d) as { packages?: string[] }).packages ?? []))];
}

export function imagePackages(plan: LabPlan): string[] {
  return [...new Set([...BASE_PACKAGES, ...userDataPackages(plan)])].sort();
}

export function imageKey(packages: readonly string[], node = process.execPath): string {
  return createHash('sha256')
    .update(JSON.stringify({ RECIPE, packages, node: statSync(node).size }))
    .digest('hex')
    .slice(0, 16);
}

function imageAt(dir: string, packages: readonly string[]): VmImage {
  return {
    dir,
    disk: join(dir, 'root.raw'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    repo: join(dir, 'repo'),
    packages,
  };
}

const sh = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) =>
  execFileSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  }).toString();

/** The cached image for these packages, built when missing (about a minute plus downloads). */
export function ensureImage(plan: LabPlan, progress: (msg: string) => void = () => {}): VmImage {
  const packages = imagePackages(plan);
  const dir = join(CACHE_ROOT, imageKey(packages));
  if (existsSync(join(dir, 'done'))) return imageAt(dir, packages);
  progress(`building the Debian 12 VM image (${packages.length} packages) in ${dir}`);
  const work = mkdtempSync(join(tmpdir(), 'lab-vm-image-'));
  const tmp = `${dir}.tmp`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const root = join(work, 'root');
    sh('mmdebstrap', [
      '--quiet',
      '--variant=apt',
      `--include=${packages.join(',')}`,
      // Keep every downloaded .deb file, the essential ones too: they become the offline archive.
      '--skip=essential/unlink',
      '--skip=cleanup/apt/cache',
      '--customize-hook=echo "en_US.UTF-8 UTF-8" > "$1/etc/locale.gen" && chroot "$1" locale-gen',
      'bookworm',
      root,
      'deb http://deb.debian.org/debian bookworm main',
      'deb http://deb.debian.org/debian bookworm-updates main',
      'deb http://deb.debian.org/debian-security bookworm-security main',
    ]);
    buildRepo(root, imageAt(tmp, packages).repo, work);
    finishRoot(root, imageAt(tmp, packages));
    writeFileSync(join(tmp, 'packages'), `${packages.join('\n')}\n`);
    writeFileSync(join(tmp, 'done'), `${new Date().toISOString()}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return imageAt(dir, packages);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The archive: one pool, Packages for each suite, Release signed with a key the image trusts. */
function buildRepo(root: string, repo: string, work: string): void {
  const archives = join(root, 'var/cache/apt/archives');
  const pool = join(repo, 'debian/pool/main');
  mkdirSync(pool, { recursive: true });
  const debs = readdirSync(archives).filter((f) => f.endsWith('.deb'));
  if (debs.length === 0)
    throw new Error(`mmdebstrap left no .deb files in ${archives}: the offline archive would be empty`);
  for (const f of debs) {
    copyFileSync(join(archives, f), join(pool, f));
    rmSync(join(archives, f));
  }
  const gnupg = join(work, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const gpg = (args: string[]) => sh('gpg', ['--batch', '--quiet', '--homedir', gnupg, ...args]);
  gpg(['--passphrase', '', '--quick-gen-key', 'proxmox-cilium-lab offline archive', 'ed25519', 'sign', 'never']);
  execFileSync('sh', [
    '-c',
    `gpg --batch --homedir ${gnupg} --export > ${join(root, 'etc/apt/trusted.gpg.d/proxmox-cilium-lab-offline.gpg')}`,
  ]);
  const index = execFileSync('apt-ftparchive', ['packages', 'pool'], {
    cwd: join(repo, 'debian'),
    maxBuffer: 64 << 20,
  }).toString();
  for (const suite of SUITES) {
    const archive = suite.endsWith('-security') ? 'debian-security' : 'debian';
    const dists = join(repo, archive, 'dists', suite);
    mkdirSync(join(dists, 'main/binary-amd64'), { recursive: true });
    writeFileSync(join(dists, 'main/binary-amd64/Packages'), index);
    const release = execFileSync(
      'apt-ftparchive',
      [
        '-o',
        `APT::FTPArchive::Release::Suite=${suite}`,
        '-o',
        `APT::FTPArchive::Release::Codename=${suite}`,
        '-o',
        'APT::FTPArchive::Release::Components=main',
        '-o',
        'APT::FTPArchive::Release::Architectures=amd64',
        'release',
        '.',
      ],
      { cwd: dists },
    ).toString();
    writeFileSync(join(dists, 'Release'), release);
    gpg(['--yes', '--clearsign', '--output', join(dists, 'InRelease'), join(dists, 'Release')]);
  }
  symlinkSync('../debian/pool', join(repo, 'debian-security/pool'));
}

/** Sources as Debian's, Node for the stand-ins, kernel and initrd out, the root filesystem to ext4. */
function finishRoot(root: string, image: VmImage): void {
  writeFileSync(
    join(root, 'etc/apt/sources.list'),
    [
      'deb http://deb.debian.org/debian bookworm main',
      'deb http://deb.debian.org/debian bookworm-updates main',
      'deb http://deb.debian.org/debian-security bookworm-security main',
      '',
    ].join('\n'),
  );
  rmSync(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
  mkdirSync(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  copyFileSync(process.execPath, join(root, 'usr/local/bin/node'));
  // debian-cloud-images: /etc/resolv.conf is systemd-resolved's (SYSTEM_BOOT/20-enable-systemd-resolved).
  rmSync(join(root, 'etc/resolv.conf'), { force: true });
  symlinkSync('/run/systemd/resolve/resolv.conf', join(root, 'etc/resolv.conf'));
  writeFileSync(join(root, 'etc/fstab'), 'LABEL=lab-root / ext4 defaults 0 1\n');
  // The machine ID is made at first boot, so every VM gets its own.
  writeFileSync(join(root, 'etc/machine-id'), '');
  // Nor does it carry SSH host keys: cloud-init makes them at first boot (what the agent pins).
  for (const f of readdirSync(join(root, 'etc/ssh')).filter((f) => f.startsWith('ssh_host_')))
    rmSync(join(root, 'etc/ssh', f));
  const boot = readdirSync(join(root, 'boot'));
  copyFileSync(
    join(
      root,
      'boot',
      boot.find((f) => f.startsWith('vmlinuz-'))!,
    ),
    image.kernel,
  );
  copyFileSync(
    join(
      root,
      'boot',
      boot.find((f) => f.startsWith('initrd.img-'))!,
    ),
    image.initrd,
  );
  sh('mkfs.ext4', ['-q', '-L', 'lab-root', '-d', root, image.disk, '4G']);
}
