import { afterEach, describe, expect, it, vi } from 'vitest';
import { allHosts, type LabPlan } from '../../../lab/plan.ts';
import { rmSync } from 'node:fs';
import { createLogger } from '../../../scripts/lib/log.ts';
import { labStateDir } from '../../../lab/load.ts';
import { createApi } from '../../../scripts/targets/proxmox/api.ts';
import { runProxmox } from '../../../scripts/targets/proxmox/run.ts';
import { assertPreflight, granted, preflight, terraformFinding } from '../../../scripts/targets/proxmox/preflight.ts';
import { type FakeProxmox, type PveScenario, startFakeProxmox } from '../../fakes/proxmox-api/fake.ts';
import { loadPveSchema } from '../../fakes/proxmox-api/schema.ts';
import { labPlan } from '../../helpers/labs.ts';
import { goodScenario, PVE_VERSIONS, selfSignedCert, TOKEN } from '../../helpers/pve.ts';
import { sharedFile } from '../../helpers/shared.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');
const SSH_ENV = { PROXMOX_VE_SSH_USERNAME: 'root', PROXMOX_VE_SSH_PRIVATE_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----…' };
const tls = selfSignedCert();
let fake: FakeProxmox | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function run(
  tweak: (s: PveScenario, plan: LabPlan) => void = () => {},
  opts: { insecure?: boolean; token?: string; plan?: LabPlan; env?: NodeJS.ProcessEnv; version?: string } = {},
): Promise<string> {
  const plan = opts.plan ?? labPlan();
  const scenario = goodScenario(plan, opts.version);
  tweak(scenario, plan);
  fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, tls);
  const api = createApi({ endpoint: fake.url, insecure: opts.insecure ?? true, token: opts.token ?? TOKEN });
  try {
    return assertPreflight(await preflight(api, plan, opts.env ?? SSH_ENV))
      .map((f) => `✓ ${f.message}`)
      .join('\n');
  } catch (err) {
    return `✗ ${(err as Error).message}`;
  }
}

describe('granted', () => {
  it('should follow propagation from ancestors only', () => {
    const perms = { '/': { 'Sys.Audit': 1 }, '/vms': { 'VM.Audit': 0 }, '/vms/4200': { 'VM.Allocate': 1 } };
    expect(granted(perms, '/nodes/pve', 'Sys.Audit')).toBe(true);
    expect(granted(perms, '/vms/4200', 'VM.Allocate')).toBe(true);
    expect(granted(perms, '/vms/4201', 'VM.Allocate')).toBe(false);
    expect(granted(perms, '/vms/4200', 'VM.Audit')).toBe(false);
    expect(granted(perms, '/vms', 'VM.Audit')).toBe(true);
  });
});

describe.skipIf(!schemaFile)('preflight against the fake Proxmox API', () => {
  it.each(PVE_VERSIONS)(
    'should pass on a Proxmox VE %s host with everything the lab needs, and print the version',
    async (version) => {
      const out = await run(() => {}, { version });
      expect(out).toContain(':8006/ (certificate not checked: proxmox.insecure)');
      expect(out).toContain(
        `✓ Proxmox VE ${version} (the guest agent calls need ${version.startsWith('8.') ? 'VM.Monitor)' : 'VM.GuestAgent.Audit and VM.GuestAgent.FileRead)'}`,
      );
      expect(out).toContain('✓ snippet upload over SSH as root (PROXMOX_VE_SSH_PRIVATE_KEY)');
      expect(out).toContain('✓ the token holds every privilege the lab needs');
      expect(out).toContain('✓ pve: 13.0 GiB needed, 56.0 GiB free');
      expect(out).not.toContain('✗');
    },
  );

  // The agent's privileges by release: qemu-server stable-bookworm (8.4.10) and master (9.x),
  // src/PVE/API2/Qemu/Agent.pm; the fake answers 8.4 through test/fakes/proxmox-api/pve8.ts.
  it.each<[string, (s: PveScenario) => void, string]>([
    [
      '8.4.1',
      (s) => delete s.permissions['/']!['VM.Monitor'],
      '✗ Proxmox preflight: 4 problems on Proxmox VE 8.4.1\n  the token lacks VM.Monitor on /vms/4200 — grant it',
    ],
    [
      '9.1.3',
      (s) => {
        delete s.permissions['/']!['VM.GuestAgent.FileRead'];
        delete s.permissions['/']!['VM.GuestAgent.Unrestricted'];
      },
      '✗ Proxmox preflight: 4 problems on Proxmox VE 9.1.3\n  the token lacks VM.GuestAgent.FileRead or VM.GuestAgent.Unrestricted on /vms/4200 — grant it',
    ],
  ])(
    'should ask a Proxmox VE %s token for the guest agent privilege of that release',
    async (version, tweak, message) => {
      expect(await run(tweak, { version })).toContain(message);
    },
  );

  it.each(['8.3.5', '7.4.19'])(
    'should refuse Proxmox VE %s, which cannot store the image, with the reason',
    async (version) => {
      const out = await run(() => {}, { version });
      expect(out).toContain(
        `Proxmox VE ${version} is older than 8.4: it refuses the cloud image as content type "import" with a .qcow2 name — upgrade the host to Proxmox VE 8.4 or later`,
      );
      expect(out.split('\n')[0]).toBe(`✗ Proxmox preflight: 1 problem on Proxmox VE ${version}`);
    },
  );

  // Only `file`: 8.4's file-read has no count/offset/decode and answers them 400.
  it.each([
    ['8.4.1', 'refuses'],
    ['9.1.3', 'accepts'],
  ] as const)(
    'should read a host key through the agent as Proxmox VE %s accepts it; it %s `count`',
    async (version, count) => {
      const plan = labPlan();
      const scenario = goodScenario(plan, version);
      scenario.guestFiles[4201] = {
        '/etc/ssh/ssh_host_ed25519_key.pub': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfCp1 root@cilab-cp1\n',
      };
      fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, tls);
      const api = createApi({ endpoint: fake.url, insecure: true, token: TOKEN });
      const at = { node: 'pve', vmid: 4201 };
      expect(
        await api.call<{ content: string }>('agentFileRead', at, { file: '/etc/ssh/ssh_host_ed25519_key.pub' }),
      ).toEqual({ content: scenario.guestFiles[4201]!['/etc/ssh/ssh_host_ed25519_key.pub'] });
      const withCount = api.call('agentFileRead', at, { file: '/etc/ssh/ssh_host_ed25519_key.pub', count: 100 });
      await (count === 'refuses' ? expect(withCount).rejects.toThrow('400') : expect(withCount).resolves.toBeDefined());
    },
  );

  it('should not let the fake answer with a privilege its release lacks', async () => {
    const out = await run((s) => (s.permissions['/']!['VM.GuestAgent.Audit'] = 1), { version: '8.4.1' });
    expect(out).toContain('fake answer departs from Proxmox VE 8.4.1: it has no VM.GuestAgent.Audit');
  });

  it('should only make calls that the API description has, with their parameters', async () => {
    await run();
    expect(fake!.requests.map((r) => `${r.method} ${r.template}`)).toEqual([
      'GET /version',
      'GET /access/permissions',
      'GET /nodes',
      'GET /cluster/resources',
      'GET /nodes/{node}/storage',
      'GET /nodes/{node}/network',
    ]);
  });

  it.each<[string, (s: PveScenario) => void, string]>([
    [
      'a self-signed certificate when TLS is checked',
      () => {},
      'TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT) — install the Proxmox CA on this machine, or set proxmox.insecure: true',
    ],
    [
      'a wrong token',
      (s) => (s.token = 'root@pam!lab=other'),
      'rejected the API token (401) — check PROXMOX_VE_API_TOKEN',
    ],
    [
      'a missing privilege',
      (s) => delete s.permissions['/']!['SDN.Use'],
      'the token lacks SDN.Use on /sdn/zones/localnetwork/vmbr0 — grant it',
    ],
    [
      'a privilege without propagation',
      (s) => (s.permissions = { '/': { ...s.permissions['/']!, 'VM.PowerMgmt': 0 } }),
      'the token lacks VM.PowerMgmt on /vms/4200',
    ],
    [
      'Sys.Modify on the node only (the image download wants it on /)',
      (s) => {
        const { 'Sys.Modify': _, ...rest } = s.permissions['/']!;
        s.permissions = { '/': rest, '/nodes/pve': { 'Sys.Modify': 1 } };
      },
      'the token lacks Sys.Modify on / — grant it',
    ],
    [
      'an unknown node',
      (s) => (s.nodes[0]!.node = 'pve1'),
      'Proxmox node pve does not exist (cluster has pve1) — correct proxmox.nodes',
    ],
    [
      'an offline node',
      (s) => (s.nodes[0]!.status = 'offline'),
      'Proxmox node pve is offline — bring it online or remove it from proxmox.nodes',
    ],
    [
      'a storage without snippets',
      (s) => (s.storage.pve![0]!.content = 'iso,import'),
      'pve: storage local does not hold content type "snippets" (has iso,import) — Datacenter › Storage › local › Content: add "snippets"',
    ],
    [
      'a missing disk storage',
      (s) => s.storage.pve!.pop(),
      'pve: storage local-lvm (proxmox.datastores.disks) does not exist — use one of local',
    ],
    [
      'an inactive storage',
      (s) => (s.storage.pve![1]!.active = 0),
      'pve: storage local-lvm is not active — enable it under Datacenter › Storage',
    ],
    [
      'a missing uplink bridge',
      (s) => (s.network.pve = [{ iface: 'vmbr1', type: 'bridge' }]),
      'pve: uplink bridge vmbr0 does not exist — set proxmox.uplinkBridge to one of vmbr1',
    ],
    [
      'a lab bridge that is not ours',
      (s) => s.network.pve!.push({ iface: 'vmbr42', type: 'bridge', comments: 'IoT' }),
      "pve: vmbr42 exists and is not this lab's — pick a free bridge name for network.bridge",
    ],
    [
      'a VM ID taken by another VM',
      (s) => s.vms.push({ vmid: 4202, node: 'pve', name: 'nas', status: 'running' }),
      'VM ID 4202 (for cilab-cp2) is taken by nas on pve — change proxmox.vmIdBase to a free range',
    ],
    [
      'a lab LAN that overlaps the home network of the uplink bridge',
      (s) => (s.network.pve![0]!.cidr = '10.42.0.5/16'),
      'network.cidr 10.42.0.0/24 overlaps 10.42.0.0/16, the network of vmbr0 on pve (your home network) — pick a network.cidr outside 10.42.0.0/16',
    ],
    [
      'too little memory',
      (s) => (s.nodes[0]!.mem = 62 * 1024 ** 3),
      'pve: 4 new VMs need 13.0 GiB, 2.0 GiB is free — lower sizes.*.memoryMiB',
    ],
  ])('should report %s in one line with the fix', async (name, tweak, message) => {
    const out = await run(tweak, { insecure: name !== 'a self-signed certificate when TLS is checked' });
    expect(out).toContain(message);
  });

  // stacks/base.ts downloads the image once per Proxmox node under one name: on shared storage the second
  // download meets the first's file and bpg/proxmox 0.111.1 refuses it (fwprovider/nodes/
  // resource_download_file.go: "File already exists in the datastore"); GET /nodes/{node}/storage answers
  // the storage's `shared` flag (issue 18, defect 6).
  it.each([
    ['over two nodes', ['pve', 'pve2'], '✗', 'pve: storage nfs (proxmox.datastores.images) is shared'],
    ['on one node', ['pve'], '✓', 'pve: nfs holds import'],
  ] as const)('should judge shared image storage %s', async (_, nodes, mark, text) => {
    const plan = labPlan({
      proxmox: { nodes: [...nodes], datastores: { images: 'nfs' } },
      network: { ports: ['eno2'] },
    });
    const out = await run(
      (s) => {
        const nfs = { storage: 'nfs', type: 'nfs', content: 'import,iso', enabled: 1, active: 1, shared: 1 };
        s.nodes.push({ ...s.nodes[0]!, node: 'pve2' });
        for (const n of ['pve', 'pve2']) {
          s.storage[n] = [...(s.storage.pve ?? []).filter((x) => x.storage !== 'nfs'), nfs];
          s.network[n] = s.network.pve!;
        }
      },
      { plan },
    );
    expect(out.startsWith(mark), out).toBe(true);
    expect(out).toContain(text);
  });

  // bpg/proxmox 0.111.1 fwprovider/provider.go: with an API token the SSH user is "" unless
  // PROXMOX_VE_SSH_USERNAME is set; utils/env.go GetAnyBoolEnv takes "true" or "1" for the agent, whose
  // socket comes from SSH_AUTH_SOCK or PROXMOX_VE_SSH_AUTH_SOCK (issue 18, defect 3).
  const SOCK = '/run/user/0/agent.sock';
  it.each([
    [
      'no SSH user (a token leaves it empty)',
      { PROXMOX_VE_SSH_PRIVATE_KEY: 'k' },
      '✗',
      'PROXMOX_VE_SSH_USERNAME is not set',
    ],
    ['no credentials', { PROXMOX_VE_SSH_USERNAME: 'root', PROXMOX_VE_SSH_AGENT: 'true' }, '✗', 'no SSH credentials'],
    [
      'an agent the provider ignores',
      { PROXMOX_VE_SSH_USERNAME: 'root', PROXMOX_VE_SSH_AGENT: 'yes', SSH_AUTH_SOCK: SOCK },
      '✗',
      'no SSH credentials',
    ],
    [
      'the agent by "true"',
      { PROXMOX_VE_SSH_USERNAME: 'root', PROXMOX_VE_SSH_AGENT: 'true', SSH_AUTH_SOCK: SOCK },
      '✓',
      'as root (ssh-agent)',
    ],
    [
      'the agent by "1" and its own socket variable',
      { PROXMOX_VE_SSH_USERNAME: 'admin', PROXMOX_VE_SSH_AGENT: '1', PROXMOX_VE_SSH_AUTH_SOCK: SOCK },
      '✓',
      'as admin (ssh-agent)',
    ],
    [
      'a password',
      { PROXMOX_VE_SSH_USERNAME: 'root', PROXMOX_VE_SSH_PASSWORD: 'x' },
      '✓',
      'as root (PROXMOX_VE_SSH_PASSWORD)',
    ],
  ] as const)('should judge SSH for the snippets with %s as the provider would', async (_, env, mark, text) => {
    const out = await run(() => {}, { env });
    expect(out.startsWith(mark), out).toBe(true);
    expect(out).toContain(text);
  });

  // `terraform version -json` as Terraform 1.11.4 prints it here (terraform_version, platform, …); the deploy
  // needs 1.5 or later, checked before any change (issue 18).
  it.each([
    ['1.11.4', true, 'Terraform 1.11.4'],
    ['1.5.0', true, 'Terraform 1.5.0'],
    ['1.4.7', false, 'Terraform 1.4.7 is older than 1.5'],
    [undefined, false, 'Terraform is not installed on this machine'],
  ] as const)('should judge Terraform %s on this machine', (version, ok, message) => {
    const json = version && JSON.stringify({ terraform_version: version, platform: 'linux_amd64' });
    const f = terraformFinding(json);
    expect(f).toMatchObject({ check: 'terraform', ok, message });
    if (!ok) expect(f.fix).toMatch(/install Terraform 1\.5 or later/);
  });

  it('should refuse a lab LAN that holds the Proxmox endpoint itself', async () => {
    const plan = labPlan({ proxmox: { endpoint: 'https://10.42.0.200:8006/' } });
    const out = await run(() => {}, { plan });
    expect(out).toContain('network.cidr 10.42.0.0/24 holds 10.42.0.200, the address of proxmox.endpoint');
  });

  it('should accept its own bridge and VMs from an earlier run, counting only new VMs against memory', async () => {
    const out = await run((s, plan) => {
      s.network.pve!.push({ iface: 'vmbr42', type: 'bridge', comments: plan.lan.comment });
      s.vms.push(
        ...allHosts(plan).map((h) => ({
          vmid: h.vmId,
          node: 'pve',
          name: h.name,
          tags: `cilium-lab;lab-cilab;${h.role}`,
          status: 'running' as const,
        })),
      );
      s.nodes[0]!.mem = 63 * 1024 ** 3;
    });
    expect(out).toContain("✓ pve: vmbr42 is this lab's");
    expect(out).toContain('✓ pve: 0.0 GiB needed, 1.0 GiB free');
    expect(out).toContain('✓ VM IDs 4200–4203 free or this lab');
  });

  it('should list every problem at once', async () => {
    const out = await run((s) => {
      s.nodes[0]!.mem = 63 * 1024 ** 3;
      s.network.pve = [];
    });
    expect(out.split('\n')[0]).toBe('✗ Proxmox preflight: 2 problems on Proxmox VE 9.1.3');
  });

  it('should stop the Proxmox run before any change when the preflight fails', async () => {
    const scenario = goodScenario(labPlan());
    scenario.nodes[0]!.status = 'offline';
    fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, tls);
    const plan = labPlan({ name: 'e2epre', proxmox: { endpoint: fake.url, insecure: true } });
    vi.stubEnv('PROXMOX_VE_API_TOKEN', TOKEN);
    vi.stubEnv('PROXMOX_VE_SSH_USERNAME', 'root');
    vi.stubEnv('PROXMOX_VE_SSH_PRIVATE_KEY', SSH_ENV.PROXMOX_VE_SSH_PRIVATE_KEY);
    try {
      await expect(
        runProxmox(plan, 'bgp', 'lab.yaml', { failover: false, requests: 1 }, createLogger({ json: true })),
      ).rejects.toThrow('Proxmox node pve is offline');
    } finally {
      vi.unstubAllEnvs();
      rmSync(labStateDir('e2epre'), { recursive: true, force: true });
    }
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('should say when the endpoint cannot be reached', async () => {
    const plan = labPlan();
    const api = createApi({ endpoint: 'https://127.0.0.1:1/', insecure: true, token: TOKEN });
    await expect(preflight(api, plan).then(assertPreflight)).rejects.toThrow(
      'cannot reach https://127.0.0.1:1/: ECONNREFUSED — check proxmox.endpoint and that this machine reaches port 8006',
    );
  });
});
