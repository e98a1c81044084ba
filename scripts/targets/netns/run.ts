// The emulated lab from start to verified: provision, converge, verify, optionally fail a node.
import { leaseHolderOf } from '../../../standins/cilium/lease-api.ts';
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import { requireRoot } from '../../lib/deps.ts';
import type { Logger } from '../../lib/log.ts';
import { entryNode, failoverProbe, failoverVictim, runFailover } from '../../verify/failover.ts';
import { type Verdict, verdictOf } from '../../verify/verdict.ts';
import { leaseProblems, serviceCheckCommand, verify, waitForAnnouncement } from '../../verify/verify.ts';
import { waitFor } from '../../lib/wait.ts';
import { convergeMs } from '../../verify/bounds.ts';
import { type NetnsLab, provisionNetns } from './provision.ts';
import type { RunOptions } from '../target.ts';
import { leaseCheckCommand } from './steps.ts';

export const STAND_INS =
  'Emulated lab: FRR, GoBGP, the Linux ARP stack, sshd and nftables are real; Kubernetes and Cilium are not here.\n' +
  "Each node runs a Cilium agent stand-in for the lab's Cilium minor (GoBGP as its child in BGP mode; client-go\n" +
  "leader election and an nftables ARP responder in L2 mode) and an echo pod answering with the node's name.\n" +
  'Every known difference from upstream: fidelity(plan) in standins/cilium/fidelity.ts.';

const stepOf = (lab: NetnsLab, id: string) => lab.steps.find((s) => s.id === id)!;

/** Waits (bounded) until the lab serves: BGP sessions and the ECMP route, or a lease holder answering ARP
 *  with the router's entry on it. */
export function converge(lab: NetnsLab, plan: LabPlan, mode: Mode): Promise<void> {
  return lab.run.run(stepOf(lab, 'converge'), async () => {
    await waitForAnnouncement(lab.target, plan, mode, convergeMs(plan, mode));
    if (mode === 'l2') await routerOnHolder(lab, plan);
  });
}

/**
 * L2: waits (bounded) until the router's neighbour entry for the service names the lease holder. The
 * takeover's gratuitous ARP moves it (the router's sysctls let it override, templates/router.ts), and the
 * router's own requests resolve it when there was none.
 */
export async function routerOnHolder(lab: NetnsLab, plan: LabPlan): Promise<string> {
  const ip = plan.l2.serviceIp;
  const router = lab.target.router;
  return waitFor(
    `the router's entry for ${ip} to name the lease holder`,
    convergeMs(plan, 'l2'),
    async (saw) => {
      const lease = await leaseHolder(lab);
      const holder = 'holder' in lease ? lease.holder : undefined;
      const entry = await entryNode(lab.target, ip);
      saw(`lease ${'error' in lease ? lease.error : (holder ?? 'released')}, router entry ${entry ?? 'none'}`);
      if (holder && entry === holder) return holder;
      await router.host.exec(serviceCheckCommand(ip));
      return undefined;
    },
    250,
  );
}

/** As the Proxmox run asks Kubernetes for the lease, ask the stand-in lease API who holds it. */
export async function leaseHolder(lab: NetnsLab): Promise<{ holder?: string } | { error: string }> {
  const lease = await lab.target.router.host.exec(leaseCheckCommand(lab.topology));
  return lease.code === 0 ? { holder: leaseHolderOf(lease.stdout) } : { error: lease.stderr.trim() };
}

/** The verification, and in L2 whether the lease's holder is the node whose MAC the router holds. */
async function verifyStep(lab: NetnsLab, plan: LabPlan, mode: Mode, requests: number) {
  const result = await verify(lab.target, plan, mode, requests);
  if (mode === 'bgp') return { result, findings: [] };
  const lease = await leaseHolder(lab);
  const findings =
    'error' in lease
      ? [`the lease API does not answer: ${lease.error}`]
      : leaseProblems(lease.holder, result.router.arp);
  return { result, findings };
}

async function failoverStep(lab: NetnsLab, plan: LabPlan, mode: Mode, ip: string, requested?: string) {
  const { target } = lab;
  const victim = await failoverVictim(target, plan, mode, ip, requested);
  const measured = await runFailover(
    target.client!,
    failoverProbe(plan, mode, target.timings, ip),
    victim,
    1000,
    () => lab.fail(victim),
    mode === 'l2' ? () => entryNode(target, ip) : undefined,
  );
  await lab.restore(victim);
  return measured;
}

export async function runNetns(plan: LabPlan, mode: Mode, opts: RunOptions, log: Logger): Promise<Verdict> {
  requireRoot('the emulated lab');
  const lab = await provisionNetns(plan, mode, log, opts);
  try {
    await converge(lab, plan, mode);
    const { result, findings } = await lab.run.run(stepOf(lab, 'verify'), () =>
      verifyStep(lab, plan, mode, opts.requests),
    );
    const failover = opts.failover
      ? await lab.run.run(stepOf(lab, 'failover'), () =>
          failoverStep(lab, plan, mode, result.service.ip, opts.failoverNode),
        )
      : null;
    return verdictOf(result, { findings, failover, timings: log.timings });
  } finally {
    lab.router.close();
  }
}
