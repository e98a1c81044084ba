// The Proxmox run against recording hosts and the fake Proxmox API: what runs is exactly what the dry
// run prints, in order; every step leaves a log, with no secret in it; a failure says where, what,
// why and how to resume; a VM whose agent never answers is named in bounded time.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { allHosts, type Mode } from '../../../lab/plan.ts';
import type { ExecResult, Host } from '../../../scripts/hosts/host.ts';
import { createLogger } from '../../../scripts/log.ts';
import { ROOT } from '../../../lab/load.ts';
import { writeRender } from '../../../scripts/render-files.ts';
import { createApi, type ProxmoxApi } from '../../../scripts/targets/proxmox/api.ts';
import { CALLS } from '../../../scripts/targets/proxmox/calls.ts';
import type { StepContext } from '../../../scripts/targets/proxmox/context.ts';
import { executeSteps } from '../../../scripts/targets/proxmox/execute.ts';
import { proxmoxSteps, type Step } from '../../../scripts/targets/proxmox/steps.ts';
import { type FakeProxmox, startFakeProxmox } from '../../../standins/proxmox-api/fake.ts';
import { loadPveSchema } from '../../../standins/proxmox-api/schema.ts';
import { labPlan } from '../../helpers/labs.ts';
import { goodScenario, selfSignedCert, TOKEN } from '../../helpers/pve.ts';
import { sharedFile } from '../../helpers/shared.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');
const PASSWORD = 'st-bgp-secret-value';
const K3S_TOKEN = 'st-k3s-token-value';
const KUBECONFIG = 'apiVersion: v1\nusers:\n- name: default\n  user:\n    client-key-data: U1QtS1VCRUNPTkZJRy1LRVk=\n';
const plan = labPlan({ name: 'strec', bgp: { passwordEnv: 'ST_BGP_PASSWORD' } });
const nodes = plan.nodes.map((n) => n.name);
const macOf = (name: string) => `52:54:00:00:00:${(10 + nodes.indexOf(name)).toString(16)}`;
const query = (params?: Record<string, string | number>) =>
  params && Object.keys(params).length
    ? `?${Object.entries(params)
        .map(([k, v]) => `${k}=${v}`)
        .join('&')}`
    : '';
const digest = (s: string) =>
  `${Buffer.byteLength(s)} bytes ${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;
const tls = selfSignedCert();

/** What a lab host answers: shapes of iproute2 (`ip -j`), FRR 8 (`show bgp … summary json`), the echo pod. */
function answer(
  name: string,
  command: string,
  o: { bgpDownFor: number; polls: { n: number }; holder: { i: number } },
): ExecResult {
  const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', code: 0 });
  const echo = (i: number) => `node=${nodes[i % nodes.length]} pod=echo-${i}`;
  if (command.startsWith('i=0; since=0; while'))
    return ok(
      Array.from(
        { length: Number(/-lt (\d+)/.exec(command)![1]) },
        (_, i) => `ok ${echo(command.includes(plan.l2.serviceIp) ? 0 : i)}`,
      ).join('\n'),
    );
  if (command.startsWith('end=$(('))
    return ok(
      [
        `1000 ok ${echo(0)}`,
        '1100 fail',
        '1200 fail',
        ...Array.from({ length: 20 }, (_, i) => `${1300 + 100 * i} ok ${echo(1)}`),
      ].join('\n'),
    );
  if (command.startsWith('ip -j neigh show'))
    return ok(
      JSON.stringify([
        { dst: plan.l2.serviceIp, dev: 'eth1', lladdr: macOf(nodes[o.holder.i]!), state: ['REACHABLE'] },
      ]),
    );
  if (command.includes('show bgp ipv4 unicast summary json')) {
    const state = o.polls.n++ < o.bgpDownFor ? 'Active' : 'Established';
    return ok(
      JSON.stringify({
        routerId: plan.router.lanIp,
        as: plan.config.bgp.routerAsn,
        peers: Object.fromEntries(plan.nodes.map((n) => [n.lanIp, { remoteAs: plan.config.bgp.nodeAsn, state }])),
      }),
    );
  }
  // vtysh's `show daemons` (FRR vtysh/vtysh.c, vtysh_show_daemons): each running daemon's name after a space.
  if (command.endsWith("-c 'show daemons'")) return ok(' zebra bgpd staticd\n');
  if (command.startsWith('ip -j route show'))
    return ok(
      JSON.stringify([
        {
          dst: plan.bgp.serviceIp,
          protocol: 'bgp',
          nexthops: plan.nodes.map((n) => ({ gateway: n.lanIp, dev: 'eth1' })),
        },
      ]),
    );
  if (command.startsWith('sudo sed') && command.endsWith('/etc/rancher/k3s/k3s.yaml')) return ok(KUBECONFIG);
  if (command.includes('get nodes -o name | wc -l')) return ok(`${plan.nodes.length}\n`);
  if (command.includes('get lease')) return ok(nodes[0]!);
  if (command.includes('bgp peers'))
    return ok(
      [
        'Node   Local AS   Peer AS   Peer Address   Session State   Uptime',
        ...plan.nodes.map((n) => `${n.name}   65001   65000   ${plan.router.lanIp}   established   1m`),
      ].join('\n'),
    );
  return ok('');
}

interface Recording {
  events: string[];
  fake: FakeProxmox;
}

function recordingContext(mode: Mode, rec: Recording, o: { bgpDownFor?: number; failOn?: RegExp } = {}): StepContext {
  const polls = { n: 0 };
  // The L2 holder: once it is stopped, the next node takes the lease and its gratuitous ARP moves the router's entry.
  const holder = { i: 0 };
  const host = (name: string): Host => ({
    name,
    async exec(command, options) {
      rec.events.push(`${name}: ${command}${options?.input !== undefined ? ` < ${digest(options.input)}` : ''}`);
      if (o.failOn?.test(command))
        return {
          stdout: 'Get "https://10.42.0.11:6443/": dial tcp 10.42.0.11:6443: connect: connection refused\n',
          stderr:
            'error: the server could not find the requested resource\nThe connection to the server 10.42.0.11:6443 was refused - did you specify the right host or port?',
          code: 1,
        };
      return answer(name, command, { bgpDownFor: o.bgpDownFor ?? 0, polls, holder });
    },
  });
  const real = createApi({ endpoint: rec.fake.url, insecure: true, token: TOKEN });
  const api: ProxmoxApi = {
    call(name, path, params) {
      rec.events.push(
        `api: ${CALLS[name].method} ${CALLS[name].path}${query(params)}${path?.vmid ? ` @${path.vmid}` : ''}`,
      );
      if (name === 'vmStop') holder.i = 1;
      return real.call(name, path, params);
    },
  };
  const vmOf = (name: string) => allHosts(plan).find((h) => h.name === name)!;
  const secrets = { 'k3s-token': K3S_TOKEN, 'bgp-password': PASSWORD };
  const pinned = new Map<string, string>();
  return {
    plan,
    mode,
    requests: 6,
    api,
    local: host('local'),
    host: async (name) => {
      if (!pinned.has(name)) throw new Error(`${name} reached before its host key was pinned`);
      return host(name);
    },
    vm: (name) => ({ node: vmOf(name).proxmoxNode, vmid: vmOf(name).vmId }),
    secret: (name) => secrets[name],
    pinHostKey: (name, key) => void pinned.set(name, key),
    saveState: () => {},
    verifyTarget: async () => ({
      kind: 'proxmox',
      router: { host: host(plan.router.name), vtysh: 'sudo vtysh', lanIface: 'eth1' },
      nodeMacs: Object.fromEntries(nodes.map((n) => [macOf(n), n])),
    }),
    note: () => {},
    results: { findings: [], failover: null },
  };
}

/** The dry run's list as the events it promises, in order. */
function promised(steps: readonly Step[], ctx: StepContext, renderDir: string): string[] {
  const input = (c: Step['commands'][number]) =>
    !c.input
      ? ''
      : ` < ${digest('file' in c.input ? readFileSync(c.input.file.startsWith('/') ? c.input.file : join(renderDir, c.input.file), 'utf8') : ctx.secret(c.input.secret))}`;
  return steps.flatMap((s) => {
    if (s.exec.kind === 'shell') return s.exec.hosts.flatMap((h) => s.commands.map((c) => `${h}: ${c.run}${input(c)}`));
    if (s.exec.kind === 'local') return s.commands.map((c) => `local: ${c.run}${input(c)}`);
    return s.commands.map((c) => {
      if (!c.api) return `${c.on ?? s.where}: ${c.run}`;
      return `api: ${CALLS[c.api.call].method} ${CALLS[c.api.call].path}${query(c.api.params)}${c.api.vm ? ` @${ctx.vm(c.api.vm).vmid}` : ''}`;
    });
  });
}

describe.skipIf(!schemaFile)('the Proxmox run, recorded', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-rec-'));
  let fake: FakeProxmox;
  const scenario = goodScenario(plan);
  beforeAll(async () => {
    vi.stubEnv('PROXMOX_VE_SSH_PRIVATE_KEY', '-----BEGIN OPENSSH PRIVATE KEY-----…');
    for (const h of allHosts(plan)) {
      scenario.vms.push({
        vmid: h.vmId,
        node: h.proxmoxNode,
        name: h.name,
        tags: `lab-${plan.name}`,
        status: 'running',
      });
      scenario.guestFiles[h.vmId] = {
        '/etc/ssh/ssh_host_ed25519_key.pub': `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${h.vmId} root@${h.name}\n`,
      };
    }
    fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, tls);
  });
  afterEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const setup = (mode: Mode, name: string) => {
    const renderDir = join(dir, name, 'render');
    mkdirSync(renderDir, { recursive: true });
    writeRender(plan, mode, renderDir, { bgpPassword: PASSWORD });
    const steps = proxmoxSteps(plan, mode, { failover: true, renderDir, stateDir: join(dir, name), requests: 6 });
    return { renderDir, steps, logDir: join(dir, name, 'logs') };
  };
  const options = (logDir: string) => ({
    logDir,
    resume: 'npm run lab:bgp -- --target proxmox --config lab.yaml',
    secrets: () => [K3S_TOKEN, PASSWORD],
    log: createLogger({ json: true }),
  });

  it.each(['l2', 'bgp'] as const)('should run exactly what the dry run prints, in order (%s)', async (mode) => {
    const { renderDir, steps, logDir } = setup(mode, `run-${mode}`);
    const rec: Recording = { events: [], fake };
    const ctx = recordingContext(mode, rec);
    await executeSteps(steps, ctx, options(logDir));
    const promise = promised(steps, ctx, renderDir);
    // Where the list cannot name the VM (the L2 holder is known only then), the run's choice is checked below.
    expect(
      rec.events.map((e, i) =>
        promise[i]?.startsWith('api: ') && !promise[i]!.includes(' @') ? e.replace(/ @\d+$/, '') : e,
      ),
    ).toEqual(promise);
    const victim = allHosts(plan).find((h) => h.name === nodes[mode === 'l2' ? 0 : 2])!;
    expect(rec.events.filter((e) => e.includes('/status/'))).toEqual([
      `api: POST /nodes/{node}/qemu/{vmid}/status/stop @${victim.vmId}`,
      `api: POST /nodes/{node}/qemu/{vmid}/status/start @${victim.vmId}`,
    ]);
    // What reached the API server is the API part of the same list.
    expect(
      fake.requests.map(
        (r) =>
          `api: ${r.method} ${r.template}${query(r.params)}${r.path.match(/qemu\/(\d+)/) ? ` @${r.path.match(/qemu\/(\d+)/)![1]}` : ''}`,
      ),
    ).toEqual(rec.events.filter((e) => e.startsWith('api: ')));
    expect(ctx.results.verification?.problems).toEqual([]);
    expect(ctx.results.findings).toEqual([]);
    expect(ctx.results.failover).toMatchObject({ from: nodes[mode === 'l2' ? 0 : 2], to: nodes[1], failedProbes: 2 });

    // One log per step, holding its commands and exit codes; no secret in any of them.
    const logs = readdirSync(logDir).sort();
    expect(logs).toEqual(steps.map((s, i) => `${String(i + 1).padStart(2, '0')}-${s.id}.log`));
    const text = logs.map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
    expect(readFileSync(join(logDir, logs[steps.findIndex((s) => s.id === 'cloud-init')]!), 'utf8')).toMatch(
      /on strec-cp3\n\$ cloud-init status --wait\nexit 0/,
    );
    for (const secret of [K3S_TOKEN, PASSWORD, 'client-key-data']) expect(text).not.toContain(secret);
    expect(text).toContain('(not logged: it holds credentials)');
  });

  it('should wait for BGP after FRR restarts before verifying (defect 7)', async () => {
    const { steps, logDir } = setup('bgp', 'converge');
    const rec: Recording = { events: [], fake };
    const ctx = recordingContext('bgp', rec, { bgpDownFor: 3 });
    await executeSteps(
      steps.filter((s) => s.exec.kind === 'action' && ['converge', 'verify'].includes(s.exec.name)),
      ctx,
      options(logDir),
    );
    const probe = rec.events.findIndex((e) => e.includes('i=0; since=0; while'));
    expect(rec.events.slice(0, probe).filter((e) => e.includes('summary json'))).toHaveLength(4);
    expect(ctx.results.verification?.problems).toEqual([]);
    expect(ctx.results.findings).toEqual([]);
  });

  it('should name the VM whose guest agent does not answer, with the likely cause, in bounded time (defect 6)', async () => {
    const { steps, logDir } = setup('l2', 'agent');
    // cp2's agent never started: the fake answers its agent calls as qemu-server does (500).
    const silent = plan.nodes[1]!;
    const files = scenario.guestFiles[silent.vmId]!;
    delete scenario.guestFiles[silent.vmId];
    const hostkeys = steps.find((s) => s.id === 'hostkeys')!;
    // The same step with the wait shortened from minutes to a moment.
    const step: Step = { ...hostkeys, exec: { ...hostkeys.exec, waitMs: 600 } as Step['exec'] };
    const rec: Recording = { events: [], fake };
    const withSilent = recordingContext('l2', rec);
    const t0 = Date.now();
    const err = await executeSteps([step], withSilent, options(logDir)).catch((e: Error) => e);
    scenario.guestFiles[silent.vmId] = files;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(String(err)).toContain('step 1/1 hostkeys failed on proxmox-api');
    expect(String(err)).toContain(
      `strec-cp2 (VM ${silent.vmId} on pve) did not answer within 0.6 s: GET /api2/json/nodes/pve/qemu/${silent.vmId}/agent/file-read: 500 QEMU guest agent is not running`,
    );
    expect(String(err)).toContain(
      `fix: its guest agent is not running. Likely cause: the VM could not install qemu-guest-agent at first boot`,
    );
    expect(String(err)).toContain(`\`qm guest cmd ${silent.vmId} ping\``);
    // The router and cp1 answered first, in order; then cp2, until the bound.
    expect(rec.events.slice(0, 3).map((e) => e.split('@')[1])).toEqual(
      [plan.router.vmId, plan.nodes[0]!.vmId, silent.vmId].map(String),
    );
    expect((err as { hint?: string }).hint).toBe('then resume: npm run lab:bgp -- --target proxmox --config lab.yaml');
  });

  it('should say which step failed, where, the command, its last lines, the fix and how to resume', async () => {
    const { steps, logDir } = setup('bgp', 'fail');
    const rec: Recording = { events: [], fake };
    const ctx = recordingContext('bgp', rec, { failOn: /apply -f ~\/lab\/resources.yaml/ });
    ctx.pinHostKey(nodes[0]!, 'k');
    const upTo = steps.slice(steps.findIndex((s) => s.id === 'resources'));
    const err = (await executeSteps(upTo, ctx, options(logDir)).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err.message.split('\n')).toEqual([
      `step 1/${upTo.length} resources failed on strec-cp1: LB pool and BGP peering; the l2 ones removed (mode switch)`,
      '  $ sudo k3s kubectl apply -f ~/lab/resources.yaml',
      '  exit 1; its last lines:',
      '    | error: the server could not find the requested resource',
      '    | The connection to the server 10.42.0.11:6443 was refused - did you specify the right host or port?',
      '  fix: the Kubernetes API server is down on this node: `sudo systemctl status k3s`, `sudo journalctl -u k3s -n 50`',
      `  log: ${relative(ROOT, join(logDir, '01-resources.log'))}`,
    ]);
    expect(err.hint).toBe('then resume: npm run lab:bgp -- --target proxmox --config lab.yaml');
    expect(existsSync(join(logDir, '02-router.log'))).toBe(false);
  });
});
