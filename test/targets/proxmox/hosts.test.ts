// The host-generic steps of the Proxmox run, against the emulated lab's hosts: SSH with pinned host
// keys (directly to the router, through it to a node), pushing a rendered file on standard input as
// the push step does, and pushing a new frr.conf to the router and reloading FRR. Then, on the same
// router, why the rendered sysctl matters.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../scripts/hosts/host.ts';
import { netnsHost } from '../../../scripts/hosts/netns.ts';
import { probeService } from '../../../scripts/verify/traffic.ts';
import { giveUpMs } from '../../../scripts/verify/bounds.ts';
import { connectSsh, connectSshWhenUp, type SshHost } from '../../../scripts/hosts/ssh.ts';
import { createLogger } from '../../../scripts/lib/log.ts';
import { labStateDir } from '../../../lab/load.ts';
import { startIn } from '../../../scripts/hosts/daemons.ts';
import { type NetnsLab, provisionNetns } from '../../../scripts/targets/netns/provision.ts';
import { teardownNetns } from '../../../scripts/targets/netns/teardown.ts';
import type { StepContext } from '../../../scripts/targets/proxmox/context.ts';
import { runCommands } from '../../../scripts/targets/proxmox/execute.ts';
import { proxmoxSteps } from '../../../scripts/targets/proxmox/steps.ts';
import { bgpPeers } from '../../../scripts/verify/router.ts';
import { waitForBgp } from '../../../scripts/verify/verify.ts';
import { frrConf } from '../../../templates/frr.ts';
import { renderMode } from '../../../templates/render.ts';
import { labPlan } from '../../helpers/labs.ts';
import { hasTool, isRoot } from '../../helpers/tools.ts';

const plan = labPlan({ name: 'e2ehost' });
const ready = isRoot && ['gobgpd', 'vtysh', 'curl'].every(hasTool);

describe.skipIf(!ready)('host-generic Proxmox steps on the emulated hosts', () => {
  let lab: NetnsLab;
  let node: SshHost;
  const dir = mkdtempSync(join(tmpdir(), 'lab-hosts-'));
  const keys = {
    client: join(labStateDir(plan.name, 'netns'), 'ssh', 'id_ed25519'),
    nodeHost: join(dir, 'node_host_key'),
  };

  beforeAll(async () => {
    lab = await provisionNetns(plan, 'bgp', createLogger({ json: true }));
    // The emulated nodes run no sshd of their own; this test gives cp1 one, as a Proxmox VM has.
    const cp1 = lab.topology.nodes[0]!;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keys.nodeHost]);
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `ListenAddress ${cp1.lanIp}`,
        `HostKey ${keys.nodeHost}`,
        `AuthorizedKeysFile ${keys.client}.pub`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'UsePAM no',
        'StrictModes no',
        '',
      ].join('\n'),
    );
    startIn(
      cp1.namespace,
      ['/usr/sbin/sshd', '-D', '-e', '-f', join(dir, 'sshd_config')],
      lab.topology.runDir,
      'sshd-cp1',
    );
    const target = {
      name: cp1.name,
      address: cp1.lanIp,
      username: 'root',
      privateKeyPath: keys.client,
      hostKey: readFileSync(`${keys.nodeHost}.pub`, 'utf8'),
    };
    node = await connectSshWhenUp(target, 10_000, 200, lab.router);
  });
  afterAll(async () => {
    node?.close();
    lab?.router.close();
    await teardownNetns(plan);
    rmSync(dir, { recursive: true, force: true });
  });

  it('should reach a node through the router, with its pinned host key', async () => {
    expect((await run(node, 'ip -br addr show eth0')).trim()).toMatch(/^eth0@\S+\s+UP\s+10\.42\.0\.11\/24/);
  });

  it('should refuse a host whose key is not the pinned one', async () => {
    const other = readFileSync(join(labStateDir(plan.name, 'netns'), 'ssh', 'ssh_host_ed25519_key.pub'), 'utf8');
    const cp1 = lab.topology.nodes[0]!;
    await expect(
      connectSsh(
        { name: cp1.name, address: cp1.lanIp, username: 'root', privateKeyPath: keys.client, hostKey: other },
        10_000,
        lab.router,
      ),
    ).rejects.toThrow(/presented a host key that is not the pinned one/);
  });

  it('should stop waiting at once when the node refuses our key, and say which key', async () => {
    const cp1 = lab.topology.nodes[0]!;
    const stranger = join(dir, 'stranger_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const t0 = Date.now();
    const target = {
      name: cp1.name,
      address: cp1.lanIp,
      username: 'root',
      privateKeyPath: stranger,
      hostKey: readFileSync(`${keys.nodeHost}.pub`, 'utf8'),
    };
    await expect(connectSshWhenUp(target, 60_000, 200, lab.router)).rejects.toMatchObject({
      code: 'E_SSH_AUTH',
      message: expect.stringContaining(`refused the key ${stranger} for root`),
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('should push the rendered files as the push step does', async () => {
    const remote = join(dir, 'remote');
    const renderDir = join(dir, 'render');
    for (const [rel, f] of Object.entries(renderMode(plan, 'bgp'))) {
      execFileSync('mkdir', ['-p', join(renderDir, rel, '..')]);
      writeFileSync(join(renderDir, rel), f.content);
    }
    const step = proxmoxSteps(plan, 'bgp', { failover: false, renderDir, stateDir: dir, requests: 1 }).find(
      (s) => s.id === 'push',
    )!;
    // The same commands, with the remote folder moved from the VM user's ~/lab into this test's folder.
    // The push takes no secret: the executor needs nothing else of the context.
    await runCommands(
      node,
      step.commands.map((c) => ({ ...c, run: c.run.replaceAll('~/lab', remote) })),
      {} as StepContext,
    );
    expect(readFileSync(join(remote, 'values.yaml'), 'utf8')).toBe(
      renderMode(plan, 'bgp')['cilium/values.yaml']!.content,
    );
    expect(readFileSync(join(remote, 'echo.yaml'), 'utf8')).toContain('lbipam.cilium.io/ips: 172.31.42.1');
  });

  it('should push a new frr.conf to the router over SSH and reload FRR with it', async () => {
    await waitForBgp(lab.target, plan, 30_000);
    // Longer timers than the lab's (3/9), not shorter: the test after this one needs sessions that a
    // loaded machine cannot flap.
    const changed = frrConf(
      labPlan({ name: 'e2ehost', bgp: { timers: { keepalive: 6, hold: 18, connectRetry: 5 } } }),
      'bgp',
    );
    const file = join(lab.topology.runDir, 'frr-new.conf');
    await run(lab.router, `cat > ${file}`, { input: changed });
    await run(
      lab.router,
      `/usr/lib/frr/frr-reload.py --reload --vty_socket ${join(lab.topology.runDir, 'frr')} --bindir /usr/bin --rundir ${lab.topology.runDir} ${file}`,
    );
    expect(await run(lab.router, `${lab.target.router.vtysh} -c 'show running-config'`)).toContain(
      'neighbor CILIUM timers 6 18',
    );
    await waitForBgp(lab.target, plan, 30_000);
    expect((await bgpPeers(lab.target.router)).map((p) => p.state)).toEqual([
      'Established',
      'Established',
      'Established',
    ]);
  });

  it("should send all of one client's flows to one node without the L4 hash (why the router sets fib_multipath_hash_policy=1)", async () => {
    const router = netnsHost('router', lab.topology.router.namespace);
    await run(router, 'sysctl -q -w net.ipv4.fib_multipath_hash_policy=0 && ip route flush cache');
    const l3 = await probeService(lab.target.client!, plan.bgp.serviceIp, 80, 60, giveUpMs(plan, 'bgp'), 'entry');
    await run(router, 'sysctl -q -w net.ipv4.fib_multipath_hash_policy=1 && ip route flush cache');
    const l4 = await probeService(lab.target.client!, plan.bgp.serviceIp, 80, 60, giveUpMs(plan, 'bgp'), 'entry');
    expect(Object.values(l3.byNode)).toEqual([60]);
    expect(Object.keys(l4.byNode).sort()).toEqual(plan.nodes.map((n) => n.name));
  });
});
