// The Proxmox run against recording hosts and the fake Proxmox API: what runs is exactly what the dry
// run prints, in order; every step leaves a log, with no secret in it; a failure says where, what,
// why and how to resume; a VM whose agent never answers is named in bounded time.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { allHosts, type Mode } from '../../../lab/plan.ts';
import { createLogger } from '../../../scripts/lib/log.ts';
import { ROOT } from '../../../lab/load.ts';
import { writeRender } from '../../../scripts/lib/render-files.ts';
import { CALLS } from '../../../scripts/targets/proxmox/calls.ts';
import type { StepContext } from '../../../scripts/targets/proxmox/context.ts';
import { executeSteps } from '../../../scripts/targets/proxmox/execute.ts';
import { proxmoxSteps, type Step } from '../../../scripts/targets/proxmox/steps.ts';
import { type FakeProxmox, startFakeProxmox } from '../../fakes/proxmox-api/fake.ts';
import { loadPveSchema } from '../../fakes/proxmox-api/schema.ts';
import { labPlan } from '../../helpers/labs.ts';
import { goodScenario, selfSignedCert } from '../../helpers/pve.ts';
import {
  digest,
  K3S_TOKEN,
  PASSWORD,
  query,
  type Recording,
  recordingContext as recording,
} from '../../helpers/pve-recording.ts';
import { sharedFile } from '../../helpers/shared.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');
const plan = labPlan({ name: 'strec', bgp: { passwordEnv: 'ST_BGP_PASSWORD' } });
const nodes = plan.nodes.map((n) => n.name);
const tls = selfSignedCert();
const recordingContext = (mode: Mode, rec: Recording, o?: Parameters<typeof recording>[3]) =>
  recording(plan, mode, rec, o);

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
    vi.stubEnv('PROXMOX_VE_SSH_USERNAME', 'root');
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
    const rec: Recording = { events: [], fake, routerInterfaces: [] };
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
    const rec: Recording = { events: [], fake, routerInterfaces: [] };
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
    const rec: Recording = { events: [], fake, routerInterfaces: [] };
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
    // The router's agent (its interfaces, its host key) and cp1's answered first, in order; then cp2, until
    // the bound.
    expect(rec.events.slice(0, 4).map((e) => e.split('@')[1])).toEqual(
      [plan.router.vmId, plan.router.vmId, plan.nodes[0]!.vmId, silent.vmId].map(String),
    );
    expect(rec.events[0]).toContain('/agent/network-get-interfaces');
    expect(rec.routerInterfaces.flatMap((i) => i.ipv4)).toContain('192.168.1.57');
    expect((err as { hint?: string }).hint).toBe('then resume: npm run lab:bgp -- --target proxmox --config lab.yaml');
  });

  it('should say which step failed, where, the command, its last lines, the fix and how to resume', async () => {
    const { steps, logDir } = setup('bgp', 'fail');
    const rec: Recording = { events: [], fake, routerInterfaces: [] };
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
