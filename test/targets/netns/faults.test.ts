// Every fault gets a verdict in bounded time, and no config value is ever code: the emulated lab (root,
// real FRR, GoBGP, ARP) built from a plan whose node interface name and BGP password are hostile
// (planned without validation, which would refuse them, so what is proven is the plumbing), then each
// fault injected while the run verifies. Each mode shares one lab: every run rebuilds the damaged lab
// of the run before, which proves a rerun repairs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLab } from '../../../lab/parse.ts';
import { type LabPlan, type Mode, planLab } from '../../../lab/plan.ts';
import { createLogger, type Logger } from '../../../scripts/lib/log.ts';
import {
  crashAgent,
  crashRouterDaemon,
  cutNodeLink,
  removeServiceAddress,
  serviceHolder,
} from '../../helpers/netns-faults.ts';
import { runNetns } from '../../../scripts/targets/netns/run.ts';
import { teardownNetns } from '../../../scripts/targets/netns/teardown.ts';
import { type Topology, topology } from '../../../scripts/targets/netns/topology.ts';
import { verifyBoundMs } from '../../../scripts/verify/bounds.ts';
import type { Verdict } from '../../../scripts/verify/verdict.ts';
import { waitFor } from '../../../scripts/lib/wait.ts';
import { type Host, run } from '../../../scripts/hosts/host.ts';
import { netnsHost } from '../../../scripts/hosts/netns.ts';
import { DEMO, serviceIp } from '../../../templates/demo.ts';
import { canariesIn, HOSTILE_IFACE, HOSTILE_PASSWORD } from '../../helpers/hostile.ts';
import { labText } from '../../helpers/labs.ts';
import { ROOT } from '../../helpers/shared.ts';
import { hasTool, isRoot } from '../../helpers/tools.ts';

/** Enough that the router's probe outlasts noticing it on a loaded machine (seconds, not milliseconds). */
const REQUESTS = 100;
const PASSWORD_ENV = 'I1F_BGP_PASSWORD';

function hostilePlan(name: string): LabPlan {
  // Short timers: faults heal (or are judged) sooner; the bounds follow them.
  const config = parseLab(
    labText({ name, bgp: { passwordEnv: PASSWORD_ENV, timers: { keepalive: 1, hold: 3, connectRetry: 1 } } }),
    'faults.yaml',
  );
  return planLab({ ...config, l2: { ...config.l2, interface: HOSTILE_IFACE } });
}

interface FaultRun {
  report: Verdict;
  /** From the fault to the verdict. */
  ms: number;
  notes: string[];
}

const PROBE_TABLE = 'faultprobe';

/**
 * Counts the router's own packets to the service from now on: an nftables counter in its namespace
 * (the verification's probe is the only thing on the router that sends to the service then). A count
 * only grows, so a probe can be noticed however briefly a look at it is scheduled; a process can be
 * missed between two looks.
 */
async function countProbes(plan: LabPlan, mode: Mode): Promise<Host> {
  const router = netnsHost('router', topology(plan).router.namespace);
  const rules = [
    `table ip ${PROBE_TABLE}`,
    `delete table ip ${PROBE_TABLE}`,
    `table ip ${PROBE_TABLE} {`,
    '  chain out {',
    '    type filter hook output priority 0; policy accept;',
    `    ip daddr ${serviceIp(plan, mode)} tcp dport ${DEMO.port} counter`,
    '  }',
    '}',
  ].join('\n');
  await run(router, 'nft -f -', { input: `${rules}\n` });
  return router;
}

/** Resolves once the router's probe has sent its first packet to the service. */
async function probing(router: Host): Promise<void> {
  await waitFor(
    "the router's probe",
    60_000,
    async () => Number(/packets (\d+)/.exec(await run(router, `nft list table ip ${PROBE_TABLE}`))?.[1] ?? 0) > 0,
    20,
  );
}

/**
 * When a fault lands: while the router's requests are in flight (a fault that heals must meet some of
 * them), or before the first (one that never heals: then it is the router's probe that finds the service
 * silent, however quickly its requests would otherwise have finished).
 */
type Injection = 'in-flight' | 'before';

/**
 * A fault: what it needs to know is found out first (which node holds the service: several looks into
 * namespaces, seconds on a loaded machine), so that the fault itself lands at once when its moment comes.
 */
type Fault = (t: Topology) => Promise<() => Promise<void> | void>;

/** A whole run of the lab in `mode`; `fault` is injected while it verifies. */
async function runWith(plan: LabPlan, mode: Mode, fault?: Fault, at: Injection = 'in-flight'): Promise<FaultRun> {
  const base = createLogger({ json: true });
  const notes: string[] = [];
  let injected: Promise<number> | undefined;
  const log: Logger = {
    ...base,
    note: (m) => void notes.push(m),
    step: (id, title, fn) =>
      base.step(id, title, async () => {
        if (id === 'verify' && fault) {
          const land = await fault(topology(plan));
          const inject = async () => (await land(), Date.now());
          if (at === 'before') await (injected = inject());
          else {
            const router = await countProbes(plan, mode);
            injected = probing(router).then(inject);
          }
        }
        return fn();
      }),
  };
  const report = await runNetns(plan, mode, { requests: REQUESTS, failover: false, installDeps: false }, log);
  const end = Date.now();
  // The verdict, for whoever reads the test output.
  console.info(`${plan.name} ${mode}: ${report.verified ? 'verified' : report.problems.join(' | ')}`);
  return { report, ms: injected ? end - (await injected) : 0, notes };
}

const ready = isRoot && ['gobgpd', 'vtysh', 'arping', 'curl', 'nft'].every(hasTool);
const bound = verifyBoundMs(REQUESTS, 2);

describe.skipIf(!ready)('faults while the emulated lab verifies, with hostile config values', () => {
  const l2 = hostilePlan('i1fl2');
  const bgp = hostilePlan('i1fbgp');
  beforeAll(() => void (process.env[PASSWORD_ENV] = HOSTILE_PASSWORD));
  afterAll(async () => {
    for (const plan of [l2, bgp]) await teardownNetns(plan);
    delete process.env[PASSWORD_ENV];
  });

  describe('L2 mode', () => {
    const vip = l2.l2.serviceIp;

    it("should judge the holder losing the service address: stopped answering, within the code's bound", async () => {
      const { report, ms } = await runWith(
        l2,
        'l2',
        async (t) => {
          const holder = await serviceHolder(t, vip);
          return () => removeServiceAddress(t, holder, vip);
        },
        'before',
      );
      expect(report.verified).toBe(false);
      expect(report.problems.join('\n')).toMatch(
        /the service stopped answering the router: no reply for .* longer than the lab takes to heal/,
      );
      expect(ms).toBeLessThan(bound);
    }, 120_000);

    it("should judge the holder's link cut: requests failed", async () => {
      const { report, ms } = await runWith(l2, 'l2', async (t) => {
        const holder = await serviceHolder(t, vip);
        return () => cutNodeLink(t, holder);
      });
      expect(report.verified).toBe(false);
      expect(report.problems.join('\n')).toMatch(/requests failed/);
      expect(ms).toBeLessThan(bound);
    }, 120_000);

    it("should keep serving through the announcer's crash, then repair the lab on the next run and verify it, running no config value", async () => {
      // Cilium's datapath outlives its agent: the BPF responder answers ARP until the agent's liveness
      // stamp is a lease old (bpf/lib/l2_responder.h), the service stays on every node, and another
      // node takes the lease once it expires; the router's traffic never stops.
      let who = '';
      const crashed = await runWith(l2, 'l2', async (t) => {
        who = await serviceHolder(t, vip);
        return () => crashAgent(t, who);
      });
      // No request fails. The lease check right after may still find the router on the old holder's MAC:
      // its datapath answers ARP until the liveness stamp expires, so an ARP exchange after the new
      // holder's one gratuitous ARP can move the router back until it asks again.
      expect(crashed.report.traffic.failed).toBe(0);
      expect(
        crashed.report.problems.filter((p) => !/^the L2 lease is held by .*, but the router's MAC is .*'s$/.test(p)),
      ).toEqual([]);
      expect(crashed.ms).toBeLessThan(bound);
      const rerun = await runWith(l2, 'l2');
      expect(rerun.notes.join('\n')).toContain(`damaged (agent-${who} in ${who} not running)`);
      expect(rerun.report.problems).toEqual([]);
      expect(canariesIn(ROOT)).toEqual([]);
    }, 150_000);
  });

  describe('BGP mode', () => {
    const cp3 = bgp.nodes.at(-1)!.name;

    it("should judge a node's agent crash: its GoBGP, session and path gone, within the code's bound", async () => {
      const { report, ms } = await runWith(bgp, 'bgp', async (t) => () => crashAgent(t, cp3));
      expect(report.verified).toBe(false);
      expect(report.problems.join('\n')).toMatch(/BGP peers not all Established: .*10\.42\.0\.13 (?!Established)/);
      expect(ms).toBeLessThan(bound);
    }, 120_000);

    it("should judge the router's bgpd crash after repairing the agent", async () => {
      const { report, ms, notes } = await runWith(bgp, 'bgp', async (t) => () => crashRouterDaemon(t, 'bgpd'));
      expect(notes.join('\n')).toContain(`agent-${cp3} in ${cp3} not running`);
      expect(report.verified).toBe(false);
      expect(report.problems.join('\n')).toMatch(/bgpd not running/);
      expect(ms).toBeLessThan(bound);
    }, 120_000);

    it("should judge the router's zebra crash", async () => {
      const { report, ms } = await runWith(bgp, 'bgp', async (t) => () => crashRouterDaemon(t, 'zebra'));
      expect(report.verified).toBe(false);
      expect(report.problems.join('\n')).toMatch(/zebra not running/);
      expect(ms).toBeLessThan(bound);
    }, 120_000);

    it("should judge a node's link cut: failed requests or its session gone; and run no config value", async () => {
      const { report, ms } = await runWith(bgp, 'bgp', async (t) => () => cutNodeLink(t, cp3));
      expect(report.verified).toBe(false);
      expect(report.problems.join('\n')).toMatch(/requests failed|BGP peers not all Established/);
      expect(ms).toBeLessThan(bound);
      expect(canariesIn(ROOT)).toEqual([]);
    }, 120_000);
  });
});
