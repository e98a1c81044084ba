// lab:compare on the emulated lab: each mode brought up from cold, faults applied with the helpers of
// scripts/targets/netns/faults.ts, torn down after.
import { $ } from 'zx';
import { LabError } from '../../../lab/errors.ts';
import type { LabPlan } from '../../../lab/plan.ts';
import { serviceIp } from '../../../templates/demo.ts';
import { netnsHost } from '../../hosts/netns.ts';
import type { Logger } from '../../lib/log.ts';
import type { FaultId, ModeId } from '../../report/model.ts';
import { gobgpAnnouncing, flushNeighbours, restartAgent, restartFrr, signalAgent } from './faults.ts';
import { type NetnsLab, provisionNetns } from './provision.ts';
import { converge, routerOnHolder } from './run.ts';
import { teardownNetns } from './teardown.ts';
import { fidelity } from '../../../standins/cilium/fidelity.ts';
import { failoverVictim } from '../../verify/failover.ts';
import { waitForAnnouncement } from '../../verify/verify.ts';
import { type CompareTarget, firstVersion, type ModeSession } from '../../compare/target.ts';
import { REANNOUNCE_MS, SETTLE_MS } from './timings.ts';

async function version(cmd: string): Promise<string> {
  const r = await $({ nothrow: true, quiet: true })`sh -c ${cmd}`;
  return firstVersion(r.stdout + r.stderr);
}

export function netnsCompareTarget(plan: LabPlan, log: Logger): CompareTarget {
  let lab: NetnsLab | undefined;
  return {
    kind: 'netns',
    cilium: 'modelled by the stand-ins',
    fidelity: fidelity(plan),
    versions: async () => ({
      frr: await version('/usr/lib/frr/zebra --version | head -1'),
      gobgpd: await version('gobgpd --version'),
      kernel: await version('uname -r'),
      node: process.version,
    }),
    async up(mode) {
      lab = await provisionNetns(plan, mode, log);
      await converge(lab, plan, mode);
      return { ...session(plan, mode, lab), upKind: 'cold start' };
    },
    async down() {
      lab?.router.close();
      lab = undefined;
      await teardownNetns(plan);
    },
  };
}

function session(plan: LabPlan, mode: ModeId, lab: NetnsLab): ModeSession {
  const t = lab.topology;
  const nodeHost = (name: string) => {
    const n = t.nodes.find((x) => x.name === name);
    if (!n) throw new LabError('E_USAGE', `no node ${name} in lab ${plan.name}`);
    return netnsHost(n.name, n.namespace);
  };
  const stopped = new Set<string>();
  const vip = serviceIp(plan, mode);
  // Graceful stop is SIGTERM to the agent: what it then does (lease released; BGP Cease or graceful
  // restart) is the pinned Cilium minor's behaviour (standins/cilium/versions.ts).
  const stopAgent = (victim: string) => signalAgent(t.runDir, victim, 'SIGTERM');
  const startAgentAgain = async (victim: string) => {
    const pid = restartAgent(t.runDir, victim);
    if (mode === 'bgp') await gobgpAnnouncing(nodeHost(victim), vip, REANNOUNCE_MS, pid);
  };
  const settle = () => waitForAnnouncement(lab.target, plan, mode, SETTLE_MS[mode]);
  return {
    verifyTarget: lab.target,
    prober: lab.target.client!,
    unsupported: () => undefined,
    // L2: the fault hits the lease holder, once the router's entry is on it.
    victim: async (fault) =>
      fault === 'router-restart'
        ? null
        : mode === 'l2'
          ? routerOnHolder(lab, plan)
          : failoverVictim(lab.target, plan, mode, vip),
    async apply(fault: FaultId, victim) {
      switch (fault) {
        case 'link-loss':
          return lab.fail(victim!);
        case 'graceful-stop':
          await stopAgent(victim!);
          stopped.add(victim!);
          return;
        case 'restart':
          await stopAgent(victim!);
          return startAgentAgain(victim!);
        case 'router-restart':
          await restartFrr(lab.frr.instance, lab.frr.daemons, t.runDir, lab.frr.config);
          if (mode === 'l2') await flushNeighbours(lab.target.router.host, t.lanIface);
          return;
      }
    },
    async restore(fault, victim) {
      if (fault === 'link-loss') await lab.restore(victim!);
      if (fault === 'graceful-stop' && victim && stopped.delete(victim)) await startAgentAgain(victim);
      await settle();
    },
    settle,
  };
}
