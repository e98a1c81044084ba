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

const pass = (check: string, message: string): Finding => ({ check, ok: true, message });
const fail = (check: string, message: string, fix: string): Finding => ({ check, ok: false, message, fix });

/**
 * The provider uploads the cloud-init snippets over SSH to the node: it needs credentials of its own.
 * bpg/proxmox 0.111.1 fwprovider/provider.go: the SSH user defaults to the API user's name only with
 * password auth (creds.UserCredentials); with a token it stays "" and the upload fails with `unable to
 * authenticate user ""`. The agent counts when PROXMOX_VE_SSH_AGENT is "true" or "1" (utils/env.go
 * GetAnyBoolEnv) and a socket is in SSH_AUTH_SOCK or PROXMOX_VE_SSH_AUTH_SOCK.
 */
function sshCheck(env: NodeJS.ProcessEnv): Finding {
  const sshWays = providerSshWays(env);
  const sshUser = env.PROXMOX_VE_SSH_USERNAME;
  if (!sshUser)
    return fail(
      'ssh',
      'PROXMOX_VE_SSH_USERNAME is not set: with an API token the provider uploads the cloud-init snippets as user "" and fails',
      'export PROXMOX_VE_SSH_USERNAME=root (a user that may write to the snippets datastore over SSH)',
    );
  if (sshWays.length === 0)
    return fail(
      'ssh',
      'the provider has no SSH credentials to upload the cloud-init snippets to the node',
      'export PROXMOX_VE_SSH_AGENT=true (with a running ssh-agent), or PROXMOX_VE_SSH_PRIVATE_KEY, or PROXMOX_VE_SSH_PASSWORD',
    );
  return pass('ssh', `snippet upload over SSH as ${sshUser} (${sshWays.join(', ')})`);
}

/** Everything the checks read from the API, asked once, in this order, before any check. */
interface Answers {
  readonly version: PveVersionAnswer;
  readonly perms: Record<string, Record<string, number>>;
  readonly nodes: readonly PveNode[];
  readonly vms: readonly PveVm[];
  /** Per Proxmox node of the lab that is online: its storage and its network interfaces. */
  readonly local: Readonly<Record<string, { readonly storage: PveStorage[]; readonly ifaces: PveIface[] }>>;
}

/** Reachability, TLS and the token first: nothing else can be asked without them. */
async function ask(
  api: ProxmoxApi,
  plan: LabPlan,
): Promise<Answers | { readonly reached: boolean; readonly error: LabError }> {
  let version: PveVersionAnswer | undefined;
  let perms: Answers['perms'];
  try {
    version = await api.call<PveVersionAnswer>('version');
    perms = await api.call<Answers['perms']>('permissions');
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    return { reached: version !== undefined, error: err };
  }
  const nodes = await api.call<PveNode[]>('nodes');
  const vms = await api.call<PveVm[]>('resources', undefined, { type: 'vm' });
  const local: Record<string, { storage: PveStorage[]; ifaces: PveIface[] }> = {};
  for (const node of onlineNodes(plan, nodes)) {
    const [storage, ifaces] = await Promise.all([
      api.call<PveStorage[]>('storage', { node }),
      api.call<PveIface[]>('network', { node }),
    ]);
    local[node] = { storage, ifaces };
  }
  return { version, perms, nodes, vms, local };
}

const onlineNodes = (plan: LabPlan, nodes: readonly PveNode[]) =>
  usedProxmoxNodes(plan).filter((n) => nodes.find((x) => x.node === n)?.status === 'online');

/** The version decides the privilege names (the agent's changed in 9); below 8.4 the image cannot be stored. */
function versionCheck(version: PveVersionAnswer): Finding {
  const release = pveRelease(version);
  const agent = AGENT_PRIVILEGES[release.privileges].map((p) => p.split('|')[0]).join(' and ');
  return release.supported
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
      };
}

function privilegeChecks(plan: LabPlan, a: Answers): Finding[] {
  const missing = requiredPrivileges(plan, pveRelease(a.version).privileges).filter(
    (r) => !r.privs.split('|').some((p) => granted(a.perms, r.path, p)),
  );
  if (missing.length === 0) return [pass('privileges', 'the token holds every privilege the lab needs')];
  return missing.map((m) =>
    fail(
      'privileges',
      `the token lacks ${m.privs.replace('|', ' or ')} on ${m.path}`,
      `grant it (e.g. role Administrator on / for the token's user, with privilege separation off, or the same ACL on the token)`,
    ),
  );
}

function nodeChecks(plan: LabPlan, nodes: readonly PveNode[]): Finding[] {
  const needed = usedProxmoxNodes(plan);
  const problems = needed.flatMap((n) => {
    const found = nodes.find((x) => x.node === n);
    if (!found)
      return [
        fail(
          'nodes',
          `Proxmox node ${n} does not exist (cluster has ${nodes.map((x) => x.node).join(', ')})`,
          'correct proxmox.nodes',
        ),
      ];
    if (found.status !== 'online')
      return [fail('nodes', `Proxmox node ${n} is ${found.status}`, 'bring it online or remove it from proxmox.nodes')];
    return [];
  });
  return problems.length ? problems : [pass('nodes', `Proxmox nodes ${needed.join(', ')} online`)];
}

/** The Proxmox host itself inside the lab LAN: once the lab bridge and router exist, this machine would
 *  route the API's address into the lab. */
function endpointOutsideLan(plan: LabPlan): Finding[] {
  const endpointHost = new URL(plan.config.proxmox.endpoint).hostname;
  return isIpv4(endpointHost) && contains(parseCidr(plan.lan.cidr), parseIp(endpointHost))
    ? [
        fail(
          'lan',
          `network.cidr ${plan.lan.cidr} holds ${endpointHost}, the address of proxmox.endpoint`,
          'pick a network.cidr that holds neither your Proxmox host nor your home network, e.g. 10.42.0.0/24',
        ),
      ]
    : [];
}

function datastoreChecks(plan: LabPlan, node: string, storage: readonly PveStorage[], first: boolean): Finding[] {
  const { datastores } = plan.config.proxmox;
  const wants: [string, string, string][] = [
    ['disks', datastores.disks, 'images'],
    ['snippets', datastores.snippets, 'snippets'],
    ['images', datastores.images, 'import'],
  ];
  return wants.map(([field, id, content]) => {
    const s = storage.find((x) => x.storage === id);
    if (!s)
      return fail(
        'datastores',
        `${node}: storage ${id} (proxmox.datastores.${field}) does not exist`,
        `use one of ${storage.map((x) => x.storage).join(', ')}`,
      );
    if (s.enabled === 0 || s.enabled === false || s.active === 0 || s.active === false)
      return fail('datastores', `${node}: storage ${id} is not active`, 'enable it under Datacenter › Storage');
    if (!s.content.split(',').includes(content))
      return fail(
        'datastores',
        `${node}: storage ${id} does not hold content type "${content}" (has ${s.content})`,
        `Datacenter › Storage › ${id} › Content: add "${content}"`,
      );
    // The base stack downloads the image once per node under one file name (stacks/base.ts): on shared
    // storage the second node's download finds the first's file, and bpg/proxmox 0.111.1 refuses it
    // with "File already exists in the datastore" (fwprovider/nodes/resource_download_file.go, Create,
    // overwrite_unmanaged false).
    if (field === 'images' && isSet(s.shared) && usedProxmoxNodes(plan).length > 1 && first)
      return fail(
        'datastores',
        `${node}: storage ${id} (proxmox.datastores.images) is shared: the image would be downloaded to it once per Proxmox node, and the second download fails with "File already exists"`,
        `use a node-local datastore for proxmox.datastores.images (e.g. local), or build the lab on one node`,
      );
    return pass('datastores', `${node}: ${id} holds ${content}`);
  });
}

function uplinkChecks(plan: LabPlan, node: string, ifaces: readonly PveIface[]): Finding[] {
  const bridge = plan.config.proxmox.uplinkBridge;
  const uplink = ifaces.find((i) => i.iface === bridge);
  if (!uplink || uplink.type !== 'bridge') {
    const bridges = ifaces.filter((i) => i.type === 'bridge').map((i) => i.iface);
    return [
      fail(
        'uplink',
        `${node}: uplink bridge ${bridge} does not exist`,
        `set proxmox.uplinkBridge to one of ${bridges.join(', ') || 'your bridges'}`,
      ),
    ];
  }
  // The router routes between the lab LAN and this network: the two must not overlap, or the router
  // cannot tell a home address from a lab one (and the lab's NAT hides your own network from it).
  const home = uplink.cidr && isCidr(uplink.cidr, false) ? parseCidr(uplink.cidr, false) : undefined;
  return [
    pass('uplink', `${node}: uplink ${bridge} present`),
    ...(home && overlaps(home, parseCidr(plan.lan.cidr))
      ? [
          fail(
            'lan',
            `network.cidr ${plan.lan.cidr} overlaps ${formatCidr(home)}, the network of ${bridge} on ${node} (your home network)`,
            `pick a network.cidr outside ${formatCidr(home)}, e.g. 10.42.0.0/24`,
          ),
        ]
      : []),
  ];
}

function labBridgeCheck(plan: LabPlan, node: string, ifaces: readonly PveIface[]): Finding {
  const lab = ifaces.find((i) => i.iface === plan.lan.bridge);
  return lab && lab.comments?.trim() !== plan.lan.comment
    ? fail(
        'lab bridge',
        `${node}: ${plan.lan.bridge} exists and is not this lab's`,
        'pick a free bridge name for network.bridge',
      )
    : pass('lab bridge', `${node}: ${plan.lan.bridge} ${lab ? "is this lab's" : 'is free'}`);
}

const ours = (plan: LabPlan) => (vm: PveVm) => (vm.tags ?? '').split(/[;,\s]/).includes(`lab-${plan.name}`);

function memoryCheck(plan: LabPlan, node: string, a: Answers): Finding {
  const hosts = allHosts(plan).filter((h) => h.proxmoxNode === node);
  const fresh = hosts.filter((h) => !a.vms.some((vm) => vm.vmid === h.vmId && ours(plan)(vm)));
  const needBytes = fresh.reduce((sum, h) => sum + h.memoryMiB * 1024 ** 2, 0);
  const info = a.nodes.find((n) => n.node === node)!;
  const free = (info.maxmem ?? 0) - (info.mem ?? 0);
  return needBytes > free
    ? fail(
        'memory',
        `${node}: ${fresh.length} new VMs need ${gib(needBytes)}, ${gib(free)} is free`,
        'lower sizes.*.memoryMiB or kubernetes.*, or spread over more proxmox.nodes',
      )
    : pass('memory', `${node}: ${gib(needBytes)} needed, ${gib(free)} free`);
}

function vmIdChecks(plan: LabPlan, vms: readonly PveVm[]): Finding[] {
  const taken = allHosts(plan).flatMap((h) => {
    const vm = vms.find((v) => v.vmid === h.vmId);
    return vm && !ours(plan)(vm)
      ? [
          fail(
            'vm ids',
            `VM ID ${h.vmId} (for ${h.name}) is taken by ${vm.name ?? 'another VM'} on ${vm.node}`,
            'change proxmox.vmIdBase to a free range',
          ),
        ]
      : [];
  });
  return taken.length
    ? taken
    : [pass('vm ids', `VM IDs ${plan.router.vmId}–${plan.router.vmId + plan.nodes.length} free or this lab's`)];
}

/** Asks the API everything first, then checks it all: every finding, one line each with its fix. */
export async function preflight(
  api: ProxmoxApi,
  plan: LabPlan,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Finding[]> {
  const { proxmox } = plan.config;
  const a = await ask(api, plan);
  const endpoint = pass(
    'endpoint',
    `${proxmox.endpoint}${proxmox.insecure ? ' (certificate not checked: proxmox.insecure)' : ''}`,
  );
  if ('error' in a)
    return [
      sshCheck(env),
      ...(a.reached ? [endpoint] : []),
      fail('endpoint', a.error.message, a.error.hint ?? 'check proxmox.endpoint'),
    ];
  const online = onlineNodes(plan, a.nodes);
  return [
    sshCheck(env),
    endpoint,
    versionCheck(a.version),
    ...privilegeChecks(plan, a),
    ...nodeChecks(plan, a.nodes),
    ...endpointOutsideLan(plan),
    ...online.flatMap((node, i) => [
      ...datastoreChecks(plan, node, a.local[node]!.storage, i === 0),
      ...uplinkChecks(plan, node, a.local[node]!.ifaces),
      labBridgeCheck(plan, node, a.local[node]!.ifaces),
      memoryCheck(plan, node, a),
    ]),
    ...vmIdChecks(plan, a.vms),
  ];
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
