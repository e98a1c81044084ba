// Before any change on Proxmox: is everything the lab needs there, and is nothing in its way?
// Every finding is one line with the fix; all are gathered before the verdict.
import { LabError } from '../../../lab/errors.ts';
import { contains, formatCidr, isCidr, isIpv4, overlaps, parseCidr, parseIp } from '../../../lab/ipv4.ts';
import { allHosts, type LabPlan, usedProxmoxNodes } from '../../../lab/plan.ts';
import type { ProxmoxApi } from './api.ts';
import { AGENT_PRIVILEGES, PVE_MAJORS, type PveMajor, privileges } from './calls.ts';

export interface Finding {
  readonly check: string;
  readonly ok: boolean;
  readonly message: string;
  readonly fix?: string;
  /** The release the version check found. */
  readonly pveVersion?: string;
}

/** GET /version (pve-manager PVE/API2.pm, same shape in stable-8 8.4.x and 9.x): the package version and the `x.y` release. */
export interface PveVersionAnswer {
  version: string;
  release: string;
}

/**
 * The oldest release the lab runs on. The image is downloaded as content type `import` with a .qcow2
 * name, which download-url refuses ("wrong file extension") before PVE 8.4 (bpg/proxmox 0.111.1
 * docs/resources/virtual_environment_download_file.md, file_name; pve-storage 76f695f "import: allow
 * upload of guest images files into import storage", libpve-storage-perl 8.3.6, shipped with 8.4).
 */
export const MIN_PVE = '8.4';

/** The release's major and minor, and which privilege set applies (the newest known for a later major). */
export function pveRelease(answer: PveVersionAnswer): {
  major: number;
  minor: number;
  privileges: PveMajor;
  supported: boolean;
} {
  const [major = 0, minor = 0] = (answer.release || answer.version).split('.').map(Number);
  const [minMajor, minMinor] = MIN_PVE.split('.').map(Number) as [number, number];
  const known = [...PVE_MAJORS].reverse().find((m) => m <= major) ?? PVE_MAJORS[0];
  return { major, minor, privileges: known, supported: major > minMajor || (major === minMajor && minor >= minMinor) };
}

interface PveNode {
  node: string;
  status: string;
  mem?: number;
  maxmem?: number;
}
interface PveStorage {
  storage: string;
  content: string;
  enabled?: number | boolean;
  active?: number | boolean;
  /** The storage configuration's shared flag (GET /nodes/{node}/storage). */
  shared?: number | boolean;
}

const isSet = (flag: number | boolean | undefined) => flag === 1 || flag === true;
interface PveIface {
  iface: string;
  type: string;
  comments?: string;
  /** The interface's IPv4 address with its prefix, as /etc/network/interfaces holds it (`192.168.1.10/24`). */
  cidr?: string;
}
interface PveVm {
  vmid: number;
  node: string;
  name?: string;
  tags?: string;
  type: string;
}

const GiB = 1024 ** 3;
const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

/** Is `priv` granted on `path`, directly or propagated from an ancestor? */
export function granted(perms: Record<string, Record<string, number | boolean>>, path: string, priv: string): boolean {
  return Object.entries(perms).some(([p, privs]) => {
    if (!(priv in privs)) return false;
    if (p === path) return true;
    const ancestor = p === '/' ? path.startsWith('/') : path.startsWith(`${p}/`);
    return ancestor && Boolean(privs[priv]);
  });
}

function requiredPrivileges(plan: LabPlan, major: PveMajor): { path: string; privs: string }[] {
  const { datastores, uplinkBridge } = plan.config.proxmox;
  const fill: Record<string, string[]> = {
    '{vmid}': allHosts(plan).map((h) => String(h.vmId)),
    '{storage}': [...new Set(Object.values(datastores))],
    '{node}': usedProxmoxNodes(plan),
    '{bridge}': [uplinkBridge, plan.lan.bridge],
  };
  return Object.entries(privileges(major)).flatMap(([template, privs]) => {
    const key = Object.keys(fill).find((k) => template.includes(k));
    const paths = key ? fill[key]!.map((v) => template.replace(key, v)) : [template];
    return paths.flatMap((path) => privs.map((p) => ({ path, privs: p })));
  });
}

/** The SSH credentials the provider finds in `env`, as bpg/proxmox 0.111.1 reads them (see the ssh check). */
export function providerSshWays(env: NodeJS.ProcessEnv): string[] {
  const ways = ['PROXMOX_VE_SSH_PRIVATE_KEY', 'PROXMOX_VE_SSH_PASSWORD'].filter((v) => env[v]);
  const agent = ['true', '1'].includes(env.PROXMOX_VE_SSH_AGENT ?? '');
  return agent && (env.SSH_AUTH_SOCK || env.PROXMOX_VE_SSH_AUTH_SOCK) ? [...ways, 'ssh-agent'] : ways;
}

export async function preflight(
  api: ProxmoxApi,
  plan: LabPlan,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Finding[]> {
  const out: Finding[] = [];
  const pass = (check: string, message: string) => out.push({ check, ok: true, message });
  const fail = (check: string, message: string, fix: string) => out.push({ check, ok: false, message, fix });
  const { proxmox } = plan.config;

  // The provider uploads the cloud-init snippets over SSH to the node: it needs credentials of its own.
  // bpg/proxmox 0.111.1 fwprovider/provider.go: the SSH user defaults to the API user's name only with
  // password auth (creds.UserCredentials); with a token it stays "" and the upload fails with `unable to
  // authenticate user ""`. The agent counts when PROXMOX_VE_SSH_AGENT is "true" or "1" (utils/env.go
  // GetAnyBoolEnv) and a socket is in SSH_AUTH_SOCK or PROXMOX_VE_SSH_AUTH_SOCK.
  const sshWays = providerSshWays(env);
  const sshUser = env.PROXMOX_VE_SSH_USERNAME;
  if (!sshUser) {
    fail(
      'ssh',
      'PROXMOX_VE_SSH_USERNAME is not set: with an API token the provider uploads the cloud-init snippets as user "" and fails',
      'export PROXMOX_VE_SSH_USERNAME=root (a user that may write to the snippets datastore over SSH)',
    );
  } else if (sshWays.length === 0) {
    fail(
      'ssh',
      'the provider has no SSH credentials to upload the cloud-init snippets to the node',
      'export PROXMOX_VE_SSH_AGENT=true (with a running ssh-agent), or PROXMOX_VE_SSH_PRIVATE_KEY, or PROXMOX_VE_SSH_PASSWORD',
    );
  } else pass('ssh', `snippet upload over SSH as ${sshUser} (${sshWays.join(', ')})`);

  // Reachability, TLS and the token: nothing else can be asked without them.
  let perms: Record<string, Record<string, number>>;
  let version: PveVersionAnswer;
  try {
    version = await api.call<PveVersionAnswer>('version');
    pass('endpoint', `${proxmox.endpoint}${proxmox.insecure ? ' (certificate not checked: proxmox.insecure)' : ''}`);
    perms = await api.call<Record<string, Record<string, number>>>('permissions');
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    fail('endpoint', err.message, err.hint ?? 'check proxmox.endpoint');
    return out;
  }
  // The version decides the privilege names (the agent's changed in 9); below 8.4 the image cannot be stored.
  const release = pveRelease(version);
  const agent = AGENT_PRIVILEGES[release.privileges].map((p) => p.split('|')[0]).join(' and ');
  out.push(
    release.supported
      ? {
          check: 'version',
          ok: true,
          message: `Proxmox VE ${version.version} (the guest agent calls need ${agent})`,
          pveVersion: version.version,
        }
      : {
          check: 'version',
          ok: false,
          message: `Proxmox VE ${version.version} is older than ${MIN_PVE}: it refuses the cloud image as content type "import" with a .qcow2 name`,
          fix: `upgrade the host to Proxmox VE ${MIN_PVE} or later (on 8.x: apt update && apt full-upgrade)`,
          pveVersion: version.version,
        },
  );
  const missing = requiredPrivileges(plan, release.privileges).filter(
    (r) => !r.privs.split('|').some((p) => granted(perms, r.path, p)),
  );
  if (missing.length === 0) pass('privileges', 'the token holds every privilege the lab needs');
  for (const m of missing)
    fail(
      'privileges',
      `the token lacks ${m.privs.replace('|', ' or ')} on ${m.path}`,
      `grant it (e.g. role Administrator on / for the token's user, with privilege separation off, or the same ACL on the token)`,
    );

  const nodes = await api.call<PveNode[]>('nodes');
  const needed = usedProxmoxNodes(plan);
  const online = needed.filter((n) => {
    const found = nodes.find((x) => x.node === n);
    if (!found)
      fail(
        'nodes',
        `Proxmox node ${n} does not exist (cluster has ${nodes.map((x) => x.node).join(', ')})`,
        'correct proxmox.nodes',
      );
    else if (found.status !== 'online')
      fail('nodes', `Proxmox node ${n} is ${found.status}`, 'bring it online or remove it from proxmox.nodes');
    else return true;
    return false;
  });
  if (online.length === needed.length) pass('nodes', `Proxmox nodes ${needed.join(', ')} online`);

  // The Proxmox host itself inside the lab LAN: once the lab bridge and router exist, this machine would
  // route the API's address into the lab.
  const endpointHost = new URL(proxmox.endpoint).hostname;
  if (isIpv4(endpointHost) && contains(parseCidr(plan.lan.cidr), parseIp(endpointHost)))
    fail(
      'lan',
      `network.cidr ${plan.lan.cidr} holds ${endpointHost}, the address of proxmox.endpoint`,
      'pick a network.cidr that holds neither your Proxmox host nor your home network, e.g. 10.42.0.0/24',
    );

  const vms = await api.call<PveVm[]>('resources', undefined, { type: 'vm' });
  const ownTag = `lab-${plan.name}`;
  const ours = (vm: PveVm) => (vm.tags ?? '').split(/[;,\s]/).includes(ownTag);
  for (const node of online) {
    const [storage, ifaces] = await Promise.all([
      api.call<PveStorage[]>('storage', { node }),
      api.call<PveIface[]>('network', { node }),
    ]);
    const wants: [string, string, string][] = [
      ['disks', proxmox.datastores.disks, 'images'],
      ['snippets', proxmox.datastores.snippets, 'snippets'],
      ['images', proxmox.datastores.images, 'import'],
    ];
    for (const [field, id, content] of wants) {
      const s = storage.find((x) => x.storage === id);
      if (!s)
        fail(
          'datastores',
          `${node}: storage ${id} (proxmox.datastores.${field}) does not exist`,
          `use one of ${storage.map((x) => x.storage).join(', ')}`,
        );
      else if (s.enabled === 0 || s.enabled === false || s.active === 0 || s.active === false)
        fail('datastores', `${node}: storage ${id} is not active`, 'enable it under Datacenter › Storage');
      else if (!s.content.split(',').includes(content))
        fail(
          'datastores',
          `${node}: storage ${id} does not hold content type "${content}" (has ${s.content})`,
          `Datacenter › Storage › ${id} › Content: add "${content}"`,
        );
      else if (field === 'images' && isSet(s.shared) && needed.length > 1 && node === online[0])
        // The base stack downloads the image once per node under one file name (stacks/base.ts): on shared
        // storage the second node's download finds the first's file, and bpg/proxmox 0.111.1 refuses it
        // with "File already exists in the datastore" (fwprovider/nodes/resource_download_file.go, Create,
        // overwrite_unmanaged false).
        fail(
          'datastores',
          `${node}: storage ${id} (proxmox.datastores.images) is shared: the image would be downloaded to it once per Proxmox node, and the second download fails with "File already exists"`,
          `use a node-local datastore for proxmox.datastores.images (e.g. local), or build the lab on one node`,
        );
      else pass('datastores', `${node}: ${id} holds ${content}`);
    }
    const uplink = ifaces.find((i) => i.iface === proxmox.uplinkBridge);
    if (!uplink || uplink.type !== 'bridge')
      fail(
        'uplink',
        `${node}: uplink bridge ${proxmox.uplinkBridge} does not exist`,
        `set proxmox.uplinkBridge to one of ${
          ifaces
            .filter((i) => i.type === 'bridge')
            .map((i) => i.iface)
            .join(', ') || 'your bridges'
        }`,
      );
    else {
      pass('uplink', `${node}: uplink ${proxmox.uplinkBridge} present`);
      // The router routes between the lab LAN and this network: the two must not overlap, or the router
      // cannot tell a home address from a lab one (and the lab's NAT hides your own network from it).
      const home = uplink.cidr && isCidr(uplink.cidr, false) ? parseCidr(uplink.cidr, false) : undefined;
      if (home && overlaps(home, parseCidr(plan.lan.cidr)))
        fail(
          'lan',
          `network.cidr ${plan.lan.cidr} overlaps ${formatCidr(home)}, the network of ${proxmox.uplinkBridge} on ${node} (your home network)`,
          `pick a network.cidr outside ${formatCidr(home)}, e.g. 10.42.0.0/24`,
        );
    }
    const lab = ifaces.find((i) => i.iface === plan.lan.bridge);
    if (lab && lab.comments?.trim() !== plan.lan.comment)
      fail(
        'lab bridge',
        `${node}: ${plan.lan.bridge} exists and is not this lab's`,
        'pick a free bridge name for network.bridge',
      );
    else pass('lab bridge', `${node}: ${plan.lan.bridge} ${lab ? "is this lab's" : 'is free'}`);

    const hosts = allHosts(plan).filter((h) => h.proxmoxNode === node);
    const fresh = hosts.filter((h) => !vms.some((vm) => vm.vmid === h.vmId && ours(vm)));
    const needBytes = fresh.reduce((sum, h) => sum + h.memoryMiB * 1024 ** 2, 0);
    const info = nodes.find((n) => n.node === node)!;
    const free = (info.maxmem ?? 0) - (info.mem ?? 0);
    if (needBytes > free)
      fail(
        'memory',
        `${node}: ${fresh.length} new VMs need ${gib(needBytes)}, ${gib(free)} is free`,
        'lower sizes.*.memoryMiB or kubernetes.*, or spread over more proxmox.nodes',
      );
    else pass('memory', `${node}: ${gib(needBytes)} needed, ${gib(free)} free`);
  }
  for (const h of allHosts(plan)) {
    const vm = vms.find((v) => v.vmid === h.vmId);
    if (vm && !ours(vm))
      fail(
        'vm ids',
        `VM ID ${h.vmId} (for ${h.name}) is taken by ${vm.name ?? 'another VM'} on ${vm.node}`,
        'change proxmox.vmIdBase to a free range',
      );
  }
  if (!out.some((f) => f.check === 'vm ids'))
    pass('vm ids', `VM IDs ${plan.router.vmId}–${plan.router.vmId + plan.nodes.length} free or this lab's`);
  return out;
}

/** Throws with every failed check, one line each; returns the findings otherwise. */
/** The deploy runs Terraform through cdktf: 1.5 or later. */
export const TERRAFORM_MIN = '1.5';

/** Terraform on this machine, from `terraform version -json` (its `terraform_version`), or its absence. */
export function terraformFinding(versionJson: string | undefined): Finding {
  const install = 'install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install), then run again';
  let version: string | undefined;
  try {
    version = versionJson ? (JSON.parse(versionJson) as { terraform_version?: string }).terraform_version : undefined;
  } catch {
    version = undefined;
  }
  if (!version)
    return { check: 'terraform', ok: false, message: 'Terraform is not installed on this machine', fix: install };
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [wantMajor, wantMinor] = TERRAFORM_MIN.split('.').map(Number) as [number, number];
  return major > wantMajor || (major === wantMajor && minor >= wantMinor)
    ? { check: 'terraform', ok: true, message: `Terraform ${version}` }
    : { check: 'terraform', ok: false, message: `Terraform ${version} is older than ${TERRAFORM_MIN}`, fix: install };
}

export function assertPreflight(findings: Finding[]): Finding[] {
  const failed = findings.filter((f) => !f.ok);
  // The version found heads the verdict, so a report of problems always says which release it saw.
  const version = findings.find((f) => f.pveVersion)?.pveVersion;
  if (failed.length > 0) {
    const head = `Proxmox preflight: ${failed.length} problem${failed.length === 1 ? '' : 's'}${version ? ` on Proxmox VE ${version}` : ''}`;
    throw new LabError('E_PREFLIGHT', `${head}\n${failed.map((f) => `  ${f.message} — ${f.fix}`).join('\n')}`);
  }
  return findings;
}
