// lab:compare on Proxmox, against recording hosts and the fake Proxmox API over HTTPS: each fault applies
// and undoes exactly the API calls and commands it should, on the right hosts, and the VM's net0 comes
// back byte for byte. Upstream read for the faults (proxmox/qemu-server 9.2.6, e6352be):
//  - link loss: src/PVE/API2/Qemu.pm update_vm (PUT …/config, synchronous: answers null once applied;
//    POST is update_vm_async, a task) → src/PVE/QemuServer.pm vmconfig_hotplug_pending →
//    vmconfig_update_net: a change of link_down alone takes the branch that does not unplug and calls
//    qemu_set_link_status (QMP set_link on `net0`), hotplug setting or not; the net string is
//    src/PVE/QemuServer/Network.pm $net_fmt (parse_net/print_net): `virtio=<MAC>,bridge=…,link_down=1`;
//  - graceful stop: vm_shutdown (POST …/status/shutdown, a `qmshutdown` task) → _do_vm_stop with
//    $shutdown: QMP guest-shutdown through the agent when it runs, else system_powerdown (ACPI);
//  - restart: the Cilium chart's agent pods carry `k8s-app: cilium` (cilium/cilium
//    install/kubernetes/cilium/templates/cilium-agent/daemonset.yaml) and stop within
//    terminationGracePeriodSeconds, 1 by default (install/kubernetes/cilium/values.yaml, README.md).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { allHosts, type LabPlan, type Mode } from '../../lab/plan.ts';
import { vmNics } from '../../lab/vm-network.ts';
import {
  faultCommands,
  labVersions,
  linkDownNet,
  proxmoxCompareTarget,
  proxmoxSession,
} from '../../scripts/targets/proxmox/compare.ts';
import { createLogger } from '../../scripts/lib/log.ts';
import { renderDir, writeRender } from '../../scripts/lib/render-files.ts';
import { HOST_KEY_FILE } from '../../scripts/targets/proxmox/actions.ts';
import type { FaultId } from '../../scripts/report/model.ts';
import { apiRequest } from '../../scripts/targets/proxmox/api.ts';
import { type FakeProxmox, type PveScenario, startFakeProxmox, storedNet } from '../fakes/proxmox-api/fake.ts';
import { loadPveSchema } from '../fakes/proxmox-api/schema.ts';
import { runScriptAsync } from '../helpers/cli.ts';
import { labPlan, labText } from '../helpers/labs.ts';
import { goodScenario, selfSignedCert, TOKEN } from '../helpers/pve.ts';
import { type Recording, recordingContext } from '../helpers/pve-recording.ts';
import { ROOT, sharedFile } from '../helpers/shared.ts';
import { announcementCommands } from '../../scripts/verify/verify.ts';
import { frrRestartCommands } from '../../templates/frr.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');
const plan = labPlan({ name: 'i9pve' });
const [cp1, cp2, cp3] = plan.nodes.map((n) => n.name) as [string, string, string];
const vmid = (name: string) => allHosts(plan).find((h) => h.name === name)!.vmId;
const CONFIG = '/nodes/{node}/qemu/{vmid}/config';
const STATUS = '/nodes/{node}/qemu/{vmid}/status';

const net0 = (p: LabPlan, name: string) =>
  storedNet(
    vmNics(
      p,
      allHosts(p).find((h) => h.name === name)!,
    )[0]!,
  );

/** The lab's VMs in the fake, running, with their config. */
function withLab(s: PveScenario, p: LabPlan): PveScenario {
  for (const h of allHosts(p))
    s.vms.push({
      vmid: h.vmId,
      node: h.proxmoxNode,
      name: h.name,
      tags: `lab-${p.name}`,
      status: 'running',
      config: { net0: net0(p, h.name), agent: 'enabled=1,fstrim_cloned_disks=0,type=virtio' },
    });
  return s;
}

describe('linkDownNet', () => {
  it('should add link_down=1 and take it away again, keeping every other property in its place', () => {
    const net = 'virtio=02:AB:00:00:00:0B,bridge=cilab,firewall=0';
    expect(linkDownNet(net, true)).toBe(`${net},link_down=1`);
    expect(linkDownNet(linkDownNet(net, true), false)).toBe(net);
    expect(linkDownNet('virtio=02:AB:00:00:00:0B,link_down=0,bridge=cilab', true)).toBe(
      'virtio=02:AB:00:00:00:0B,bridge=cilab,link_down=1',
    );
  });
});

describe.skipIf(!schemaFile)('the Proxmox session of lab:compare', { timeout: 60_000 }, () => {
  const tls = selfSignedCert();
  let fake: FakeProxmox;
  let scenario: PveScenario;
  beforeAll(async () => {
    scenario = withLab(goodScenario(plan), plan);
    fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, tls);
  });
  afterEach(() => {
    fake.requests.length = 0;
  });
  afterAll(() => fake?.close());

  const session = async (mode: Mode) => {
    const rec: Recording = { events: [], fake, routerInterfaces: [] };
    const ctx = recordingContext(plan, mode, rec);
    for (const h of allHosts(plan)) ctx.pinHostKey(h.name, 'ssh-ed25519 AAAA');
    return { rec, ctx, s: await proxmoxSession(ctx, plan, mode) };
  };
  /** One fault applied and undone: the victim, and what ran, in order, from the victim's choice on. */
  const trial = async (mode: Mode, fault: FaultId) => {
    const { rec, s } = await session(mode);
    const victim = await s.victim(fault);
    const chosen = rec.events.length;
    await s.apply(fault, victim);
    const applied = rec.events.length;
    await s.restore(fault, victim);
    return {
      victim,
      choice: rec.events.slice(0, chosen),
      apply: rec.events.slice(chosen, applied),
      restore: rec.events.slice(applied),
    };
  };
  const router = plan.router.name;
  // The wait both targets share (verify.ts waitForAnnouncement), as the dry run prints it.
  const settle = {
    l2: announcementCommands(plan, 'l2', 'sudo vtysh').map((c) => `${router}: ${c}`),
    bgp: announcementCommands(plan, 'bgp', 'sudo vtysh').map((c) => `${router}: ${c}`),
  };
  const back = (kube: string, victim: string) => [
    `${kube}: ${faultCommands.nodeReady(victim)}`,
    `${kube}: ${faultCommands.agentReady(victim)}`,
  ];

  it('should pick the victim as the failover does: L2 the holder the router sees, BGP the last node; none for the router', async () => {
    expect((await trial('l2', 'restart')).victim).toBe(cp1);
    expect((await trial('bgp', 'restart')).victim).toBe(cp3);
    const r = await trial('l2', 'router-restart');
    expect(r.victim).toBeNull();
    expect(r.choice).toEqual([]);
  });

  it.each(['l2', 'bgp'] as const)(
    'should pull the victim’s net0 link through the API and plug it back, net0 otherwise untouched (%s)',
    async (mode) => {
      const victim = mode === 'l2' ? cp1 : cp3;
      const kube = mode === 'l2' ? cp2 : cp1;
      const vm = scenario.vms.find((v) => v.vmid === vmid(victim))!;
      const before = vm.config!.net0!;
      const r = await trial(mode, 'link-loss');
      expect(r.apply).toEqual([`api: GET ${CONFIG} @${vmid(victim)}`, expect.stringMatching(`^api: PUT ${CONFIG}\\?`)]);
      // What reached the API: the same net0 with link_down=1, guarded by the digest just read; then without it.
      const puts = fake.requests.filter((q) => q.method === 'PUT');
      expect(puts.map((q) => [q.path, q.params.net0])).toEqual([
        [`/nodes/pve/qemu/${vmid(victim)}/config`, `${before},link_down=1`],
        [`/nodes/pve/qemu/${vmid(victim)}/config`, before],
      ]);
      for (const q of puts) expect(q.params.digest).toMatch(/^[0-9a-f]{40}$/);
      expect(vm.config!.net0).toBe(before);
      expect(r.restore).toEqual([
        `api: GET ${CONFIG} @${vmid(victim)}`,
        expect.stringMatching(`^api: PUT ${CONFIG}\\?`),
        ...back(kube, victim),
        ...settle[mode],
      ]);
    },
  );

  it.each(['l2', 'bgp'] as const)(
    'should shut the victim down cleanly, wait until it is off, and start it again (%s)',
    async (mode) => {
      const victim = mode === 'l2' ? cp1 : cp3;
      const kube = mode === 'l2' ? cp2 : cp1;
      const r = await trial(mode, 'graceful-stop');
      expect(r.apply).toEqual([
        `api: POST ${STATUS}/shutdown @${vmid(victim)}`,
        `api: GET ${STATUS}/current @${vmid(victim)}`,
      ]);
      expect(r.restore).toEqual([
        `api: POST ${STATUS}/start @${vmid(victim)}`,
        `api: GET ${STATUS}/current @${vmid(victim)}`,
        ...back(kube, victim),
        ...settle[mode],
      ]);
      expect(scenario.vms.find((v) => v.vmid === vmid(victim))!.status).toBe('running');
    },
  );

  it('should restart the victim’s Cilium agent pod over SSH on another control plane and wait for its successor', async () => {
    const r = await trial('l2', 'restart');
    expect(r.apply).toEqual([
      `${cp2}: sudo k3s kubectl delete -n kube-system pod -l k8s-app=cilium --field-selector spec.nodeName=${cp1} --wait=true`,
      `${cp2}: timeout 300 sh -c 'until sudo k3s kubectl wait --for=condition=Ready -n kube-system pod -l k8s-app=cilium --field-selector spec.nodeName=${cp1} --timeout=300s; do sleep 1; done'`,
    ]);
    expect(r.restore).toEqual(settle.l2);
    expect(fake.requests).toEqual([]);
  });

  it.each([
    ['l2', [`${router}: sudo systemctl restart frr`, `${router}: sudo ip neigh flush dev eth1`]],
    // BGP: back with bgpd's config, as the router step leaves it (templates/frr.ts frrRestartCommands).
    ['bgp', frrRestartCommands('bgp').map((c) => `${router}: sudo ${c}`)],
  ] as const)('should restart FRR on the router (%s; L2 also forgets its neighbours)', async (mode, commands) => {
    const r = await trial(mode, 'router-restart');
    expect(r.apply).toEqual(commands);
    expect(r.restore).toEqual(settle[mode]);
  });

  it('should probe from the router: there is no client VM on Proxmox', async () => {
    const { s } = await session('bgp');
    expect(s.prober.name).toBe(plan.router.name);
    expect(s.unsupported('graceful-stop')).toBeUndefined();
    // BGP (externalTrafficPolicy Local): only the margin; L2 also waits out a lost node's endpoints
    // (node-monitor-grace-period 50 s + period 5 s on k3s 1.33, lab/kubernetes.ts).
    expect(s.probeExtraMs!('link-loss')).toBe(30_000);
    const l2 = (await session('l2')).s;
    expect(l2.probeExtraMs!('link-loss')).toBe(85_000);
    expect(l2.probeExtraMs!('graceful-stop')).toBe(145_000);
  });

  it('should report what runs: Proxmox VE from the API, FRR, k3s, Cilium and the kernel from the lab', async () => {
    const { ctx } = await session('l2');
    expect(await labVersions(ctx)).toEqual({
      proxmox: '9.1.3',
      frr: '8.4.4',
      k3s: '1.33.5+k3s1',
      cilium: '1.20.0 (running)',
      kernel: '6.1.0-40-cloud-amd64',
    });
  });

  it('should refuse, as the API description does, a net0 with a key it does not have and a stale digest', async () => {
    const put = (params: Record<string, string>) =>
      apiRequest(
        { endpoint: fake.url, insecure: true, token: TOKEN },
        'PUT',
        `/nodes/pve/qemu/${vmid(cp1)}/config`,
        params,
      );
    await expect(put({ net0: `${net0(plan, cp1)},link_dwn=1` })).rejects.toThrow(/400/);
    await expect(put({ net0: `${net0(plan, cp1)},link_down=yes` })).rejects.toThrow(/400/);
    await expect(put({ net0: net0(plan, cp1), digest: '0'.repeat(40) })).rejects.toThrow(/500/);
  });
});

describe.skipIf(!schemaFile)('npm run lab:compare -- --target proxmox', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-cmp-pve-'));
  const tls = selfSignedCert();
  let fake: FakeProxmox;
  afterAll(async () => {
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(ROOT, '.lab', 'i9pvecli'), { recursive: true, force: true });
  });
  const compare = (config: string, env: Record<string, string | undefined>, ...args: string[]) =>
    runScriptAsync('scripts/compare.ts', ['--target', 'proxmox', '--config', config, '--json', ...args], { env });

  it('should want the API token first, as lab:l2 does', async () => {
    const config = join(dir, 'lab.yaml');
    writeFileSync(config, labText({ name: 'i9pvecli' }));
    const r = await compare(config, { PROXMOX_VE_API_TOKEN: '' });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: 'E_TOKEN', message: 'PROXMOX_VE_API_TOKEN is not set' },
    });
  });

  it("should refuse Cilium's default timers as a preset: the VMs get what the lab file says", async () => {
    const config = join(dir, 'lab.yaml');
    const r = await compare(config, { PROXMOX_VE_API_TOKEN: TOKEN }, '--preset', 'cilium-defaults');
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: 'E_USAGE', hint: expect.stringContaining('bgp.timers') },
    });
  });

  it('should run the Proxmox run’s steps, preflight first, and say how to resume the comparison', async () => {
    fake = await startFakeProxmox(loadPveSchema(schemaFile!), goodScenario(labPlan({ name: 'i9pvecli' })), tls);
    const config = join(dir, 'lab-fake.yaml');
    writeFileSync(config, labText({ name: 'i9pvecli', proxmox: { endpoint: fake.url, insecure: true } }));
    // A token the host does not know: the preflight, the first step, stops the run there.
    const r = await compare(config, { PROXMOX_VE_API_TOKEN: 'root@pam!other=00000000-0000-0000-0000-000000000000' });
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
    expect(r.status).toBe(1);
    expect(error.message).toMatch(/^step 1\/\d+ preflight failed on proxmox-api/);
    expect(error.message).toContain('rejected the API token (401)');
    expect(error.hint).toBe(`then resume: npm run lab:compare -- --target proxmox --config ${config}`);
    expect(fake.requests.map((q) => `${q.method} ${q.template}`)).toEqual(['GET /version']);
  });
});

describe.skipIf(!schemaFile)('the Proxmox target of lab:compare', { timeout: 60_000 }, () => {
  const up = labPlan({ name: 'i9pveup' });
  const tls = selfSignedCert();
  let fake: FakeProxmox;
  beforeAll(async () => {
    vi.stubEnv('PROXMOX_VE_SSH_USERNAME', 'root');
    vi.stubEnv('PROXMOX_VE_SSH_PRIVATE_KEY', '-----BEGIN OPENSSH PRIVATE KEY-----…');
    const scenario = withLab(goodScenario(up), up);
    for (const h of allHosts(up))
      scenario.guestFiles[h.vmId] = {
        [HOST_KEY_FILE]: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${h.vmId} root@${h.name}\n`,
      };
    for (const mode of ['l2', 'bgp'] as const) writeRender(up, mode, renderDir(up, mode), {});
    fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, tls);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await fake?.close();
    rmSync(join(ROOT, '.lab', up.name), { recursive: true, force: true });
  });

  it("should bring L2 up by the run's steps, then switch the same VMs to BGP, with no failover and each mode's connections closed", async () => {
    const rec: Recording = { events: [], fake, routerInterfaces: [] };
    const closed: string[] = [];
    const target = proxmoxCompareTarget(up, 'lab.yaml', createLogger({ json: true }), (mode) => ({
      ...recordingContext(up, mode, rec),
      close: () => void closed.push(mode),
    }));
    const l2 = await target.up('l2');
    expect(l2.upKind).toBe('cold start');
    expect(await target.versions()).toMatchObject({ proxmox: '9.1.3', cilium: '1.20.0 (running)' });
    await target.down('l2');
    const switched = rec.events.length;
    const bgp = await target.up('bgp');
    expect(bgp.upKind).toBe('mode switch');
    expect(await bgp.victim('link-loss')).toBe(up.nodes.at(-1)!.name);
    await target.down('bgp');
    expect(closed).toEqual(['l2', 'bgp']);
    // Each mode ran the run's steps, preflight first: the switch removed L2's resources, and nothing was stopped.
    const events = rec.events.join('\n');
    expect(rec.events.slice(0, 2)).toEqual(['local: terraform version -json', 'api: GET /version']);
    expect(rec.events.slice(switched, switched + 2)).toEqual(['local: terraform version -json', 'api: GET /version']);
    expect(rec.events.slice(switched).join('\n')).toContain('delete ciliuml2announcementpolicy/');
    expect(events).not.toMatch(/status\/(stop|shutdown)/);
    expect(readdirSync(join(ROOT, '.lab', up.name, 'logs'))[0]).toBe('01-preflight.log');
  });
});
