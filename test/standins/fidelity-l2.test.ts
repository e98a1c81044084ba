// The L2 announcer stand-in seen from the router, as Cilium's is: ARP from the datapath on the policy's
// interfaces only, no ping, one gratuitous ARP reply on gaining the lease, client-go lease timing, the
// datapath outliving the agent by at most the lease duration. Upstream files are named beside each case.
// Root, real kernel ARP/nftables, tcpdump; lease 3 s / renew deadline 1 s / retry 200 ms (lab.example.yaml).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../scripts/hosts/host.ts';
import { netnsHost, RUN_ROOT } from '../../scripts/hosts/netns.ts';
import { recordedProcesses } from '../../scripts/hosts/daemons.ts';
import { restartAgent, signalAgent } from '../../scripts/targets/netns/faults.ts';
import { sleep, waitFor } from '../../scripts/lib/wait.ts';
import { responderSet, TABLE } from '../../standins/cilium/arp-responder.ts';
import { type ArpPacket, parseArp, startCapture } from '../helpers/capture.ts';
import { labText } from '../helpers/labs.ts';
import { ROOT } from '../helpers/shared.ts';
import { hasTool, isRoot } from '../helpers/tools.ts';

const LAB = 'i13fl';
const VIP = '10.42.0.193';
const NODES = ['cp1', 'cp2', 'cp3'].map((n) => `${LAB}-${n}`);
const RUN = join(RUN_ROOT, LAB);
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const router = netnsHost(`${LAB}-router`, `${LAB}-router`);
const dir = mkdtempSync(join(tmpdir(), 'lab-fid-l2-'));
const config = join(dir, 'lab.yaml');
writeFileSync(config, labText({ name: LAB }));
const cli = (script: string, args: string[]) =>
  spawnSync(TSX, [`scripts/${script}.ts`, '--target', 'netns', '--config', config, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });

const ready = isRoot && ['tcpdump', 'ping', 'arping', 'nft', 'gobgpd'].every(hasTool);

const macs: Record<string, string> = {};
const lease = async () =>
  JSON.parse(await run(router, `curl -s http://10.42.0.1:6443/leases/cilium-l2announce-demo-echo`)).spec as {
    holderIdentity: string;
    leaseDurationSeconds: number;
    leaseTransitions: number;
  };
const nodeOfMac = (mac: string) => Object.entries(macs).find(([, m]) => m === mac)?.[0];
/** Replies to our own requests and gratuitous replies (broadcast), by sender node. */
const garps = (arp: ArpPacket[]) =>
  arp.filter((p) => p.op === 'reply' && p.ethDst === 'ff:ff:ff:ff:ff:ff' && p.ip === VIP);
/** The router asks every `everyMs` for the service IP (arping, one request each, no wait). */
const asking = (ms: number, everyMs = 200) =>
  router.exec(
    `end=$(( $(date +%s%3N) + ${ms} )); while [ $(date +%s%3N) -lt $end ]; do arping -q -c 1 -w 0 -I eth1 ${VIP}; sleep ${everyMs / 1000}; done`,
  );
/** What a node's agent logged since `t0` (node-agent.ts: ISO time, then the message). */
const agentSaid = (node: string, t0: number) =>
  readFileSync(join(RUN, `agent-${node}.log`), 'utf8')
    .split('\n')
    .filter((l) => Date.parse(l.split(' ')[0]!) >= t0)
    .join('\n');
/** The lease API's record of changes of hands or duration since `t0`. */
const leaseChanges = (t0: number) =>
  readFileSync(join(RUN, 'lease-api.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { at: string; holderIdentity: string; leaseDurationSeconds: number })
    .filter((c) => Date.parse(c.at) >= t0);
/** Pauses (SIGSTOP) or resumes (SIGCONT) every agent but `node`'s. */
const others = (node: string, signal: 'SIGSTOP' | 'SIGCONT') =>
  NODES.filter((n) => n !== node).forEach((n) => process.kill(agentPid(n), signal));
const agentPid = (node: string) =>
  (JSON.parse(readFileSync(join(RUN, `agent-${node}.json`), 'utf8')) as { pid: number }).pid;

async function holder(): Promise<string> {
  let h = '';
  await waitFor('a lease holder', 15_000, async () => Boolean((h = (await lease()).holderIdentity)));
  return h;
}

describe.skipIf(!ready)('L2 announcer stand-in fidelity (Cilium 1.18–1.20; root, tcpdump)', () => {
  beforeAll(async () => {
    const up = cli('lab', ['--mode', 'l2', '--json', '--requests', '10']);
    expect(up.status, up.stderr).toBe(0);
    for (const n of NODES) macs[n] = (await run(netnsHost(n, n), 'cat /sys/class/net/eth0/address')).trim();
  }, 120_000);
  afterAll(() => {
    cli('teardown', []);
    rmSync(dir, { recursive: true, force: true });
  });

  // bpf/lib/l2_responder.h + bpf/lib/arp.h: replies from BPF with the ingress interface's MAC; no echo reply.
  it('should answer ARP for the service IP from the holder only and leave ping unanswered', async () => {
    const h = await holder();
    const cap = await startCapture(`${LAB}-router`, 'eth1', ['arp']);
    // -c with -w: arping waits for 3 replies, for up to 10 s (one request a second).
    await run(router, `arping -q -c 3 -w 10 -I eth1 ${VIP} || true`);
    const replies = parseArp(await cap.stop()).filter((p) => p.op === 'reply' && p.ip === VIP);
    expect(replies.length).toBeGreaterThanOrEqual(3);
    expect(new Set(replies.map((p) => p.who))).toEqual(new Set([macs[h]]));
    const ping = await router.exec(`ping -n -c 2 -W 1 ${VIP}`);
    expect(ping.code).not.toBe(0);
    expect(ping.stdout).toMatch(/ 0 received/);
  });

  // pkg/l2announcer/l2announcer.go upsertPolicy(): only the policy's interfaces (l2.interface) are programmed.
  it('should not answer ARP on an interface the policy does not select', async () => {
    const h = await holder();
    await run(
      router,
      `ip link add i13p type veth peer name eth9 netns ${h} && ip addr add 192.0.2.1/24 dev i13p && ip link set i13p up`,
    );
    await run(netnsHost(h, h), 'ip addr add 192.0.2.2/24 dev eth9 && ip link set eth9 up');
    try {
      // The link works: the far end answers ARP for its own address (once the veth is up on both sides).
      await waitFor(
        'ARP over the new link',
        10_000,
        async () => (await router.exec('arping -q -c 1 -w 1 -I i13p 192.0.2.2')).code === 0,
      );
      expect((await router.exec(`arping -q -c 2 -w 2 -I i13p ${VIP}`)).code).not.toBe(0);
    } finally {
      await router.exec('ip link del i13p');
    }
  });

  // client-go leaderelection.go release() (ReleaseOnCancel, pkg/l2announcer/l2announcer.go) and
  // pkg/datapath/l2responder/l2responder.go garpOnNewEntry() + pkg/datapath/gneigh/gneigh.go SendArp().
  // SIGTERM also cuts short a renewal on the wire; when the API server has applied it, the release meets a
  // 409 and the lease expires instead, as upstream's does (versions.ts LeaseRelease; leader-election.test.ts
  // pins both ways per minor). The agent logs which way it went, and the lease API's record must agree.
  it('should release the lease on SIGTERM (or let it expire when a cut-short renewal won) and the next holder should send exactly one gratuitous ARP reply', async () => {
    const before = await holder();
    const cap = await startCapture(`${LAB}-router`, 'eth1', ['arp']);
    const t0 = Date.now();
    await signalAgent(RUN, before, 'SIGTERM');
    const after = await waitFor('another lease holder', 15_000, async () => {
      const h = (await lease()).holderIdentity;
      return h !== '' && h !== before && h;
    });
    await waitFor(`${after}'s gratuitous ARP reply`, 10_000, async () => garps(parseArp(cap.lines())).length > 0);
    await sleep(4000); // a lease duration more: a second or a periodic reply would show
    const arp = parseArp(await cap.stop());
    const said = agentSaid(before, t0);
    expect(said).toMatch(/stopping, lease (released|not released)/);
    const released = said.includes('stopping, lease released');
    // Released: an empty holder for 1 s, as client-go writes it, then the next holder. Not released: the
    // lease passes straight to the next holder once it has expired.
    const changes = leaseChanges(t0);
    expect(changes.map((c) => c.holderIdentity)).toEqual(released ? ['', after] : [after]);
    if (released) expect(changes[0]).toMatchObject({ leaseDurationSeconds: 1 });
    const g = garps(arp);
    expect(g).toHaveLength(1);
    expect(g[0]).toMatchObject({ ethSrc: macs[after], who: macs[after] });
    // No gratuitous ARP *requests* (the arping -U form) for the service IP from anyone.
    expect(arp.filter((p) => p.op === 'request' && p.who === VIP)).toEqual([]);
    restartAgent(RUN, before);
  });

  // bpf/lib/l2_responder.h: no answer once the agent's liveness stamp is older than
  // l2_announcements_max_liveness (= the lease duration, pkg/datapath/loader); SIGKILL releases nothing.
  it('should keep answering from the killed holder until its liveness stamp is a lease duration old', async () => {
    const killed = await holder();
    const cap = await startCapture(`${LAB}-router`, 'eth1', ['arp']);
    const t0 = Date.now();
    await signalAgent(RUN, killed, 'SIGKILL');
    expect((await lease()).holderIdentity).toBe(killed);
    await asking(5500);
    const replies = parseArp(await cap.stop()).filter((p) => p.op === 'reply' && p.ip === VIP);
    const fromKilled = replies.filter((p) => p.who === macs[killed]).map((p) => p.t - t0);
    // Stamped every second: answers may go on for up to the lease duration (3 s) after the kill, then stop
    // (the kernel would answer for ever if the IP sat on the interface).
    expect(fromKilled.filter((t) => t > 3400)).toEqual([]);
    // Nobody else answers before the lease could expire for the candidates (observed + 3 s).
    const others = replies.filter((p) => p.who !== macs[killed]).map((p) => p.t - t0);
    expect(Math.min(...others)).toBeGreaterThan(1500);
    restartAgent(RUN, killed);
  });

  // client-go tryAcquireOrRenew(): a record that names this identity is renewed at once after a restart.
  // The other agents are paused meanwhile: a restart that outlasts the lease (a tsx start takes seconds on
  // a loaded machine, a real agent's too) lets another node take it when it expires, which is not this case.
  it('should re-take at once, after a restart, a lease that still names the node', async () => {
    const h = await holder();
    const transitions = (await lease()).leaseTransitions;
    const cap = await startCapture(`${LAB}-router`, 'eth1', ['arp']);
    others(h, 'SIGSTOP');
    try {
      await signalAgent(RUN, h, 'SIGKILL');
      const t0 = Date.now();
      restartAgent(RUN, h);
      await waitFor(`the restarted agent of ${h} leading`, 30_000, async () =>
        agentSaid(h, t0).includes(`${h}: leading ${VIP}`),
      );
      await waitFor(`${h}'s gratuitous ARP reply`, 10_000, async () => garps(parseArp(cap.lines())).length > 0);
    } finally {
      others(h, 'SIGCONT');
    }
    await sleep(3500); // a lease duration more: a reply from anyone else would show
    const g = garps(parseArp(await cap.stop()));
    expect(await lease()).toMatchObject({ holderIdentity: h, leaseTransitions: transitions });
    // The restarted agent's reconciliation starts from an empty responder map: its entry is new again.
    expect(g.map((p) => nodeOfMac(p.who))).toEqual([h]);
  });

  // client-go renew(): a renewal round that fails for renewDeadline ends leadership; nobody can take
  // over without the API (cilium/cilium#40735).
  it('should go silent a renew deadline after the API server becomes unreachable, with nobody taking over', async () => {
    const h = await holder();
    const pid = recordedProcesses(RUN).find((p) => p.what === `${LAB}-router lease-api`)!.pid;
    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    try {
      // A renewal round ends at the renew deadline (1 s) after the last success (≤ 200 ms before); the
      // release that follows gives up after another renew deadline, then the agent removes its entry.
      await waitFor(`${h} losing the lease`, 15_000, async () => agentSaid(h, t0).includes(`lost the lease of ${VIP}`));
      await waitFor(`${h}'s responder entry gone`, 10_000, async () => {
        const set = await netnsHost(h, h).exec(`nft -j list set netdev ${TABLE} ${responderSet('eth0')}`);
        return set.code === 0 && !set.stdout.includes(`"${VIP}"`);
      });
      const cap = await startCapture(`${LAB}-router`, 'eth1', ['arp']);
      await asking(3000);
      expect(parseArp(await cap.stop()).filter((p) => p.op === 'reply' && p.ip === VIP)).toEqual([]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // With the API back, a node leads again.
    expect(NODES).toContain(await holder());
  });
});
