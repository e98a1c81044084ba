// The emulated lab from start to verified: provision, converge, verify, optionally fail a node.
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import { ensurePackages, LAB_TOOLS, requireRoot } from '../../deps.ts';
import type { Logger } from '../../log.ts';
import { failoverProblems, failoverVictim, runFailover } from '../../verify/failover.ts';
import { type LabReport, leaseProblems, verify, waitForBgp, waitForService } from '../../verify/verify.ts';
import { l2LeaseName } from '../../../templates/cilium.ts';
import { DEMO } from '../../../templates/demo.ts';
import { run } from '../../hosts/host.ts';
import { provisionNetns } from './provision.ts';

export const STAND_INS =
  'Emulated lab: FRR, GoBGP, the Linux ARP stack, sshd and nftables are real; Kubernetes and Cilium are not here.\n' +
  "Each node runs a Cilium agent stand-in for the lab's Cilium minor (GoBGP as its child in BGP mode; client-go\n" +
  "leader election and an nftables ARP responder in L2 mode) and an echo pod answering with the node's name.\n" +
  'Every known difference from upstream: fidelity(plan) in standins/cilium/fidelity.ts.';

export interface RunOptions {
  readonly requests: number;
  readonly failover: boolean;
  readonly installDeps: boolean;
}

export async function runNetns(plan: LabPlan, mode: Mode, opts: RunOptions, log: Logger): Promise<LabReport> {
  requireRoot('the emulated lab');
  await log.step('deps', 'system packages', () => ensurePackages(LAB_TOOLS, opts.installDeps));
  const lab = await provisionNetns(plan, mode, log);
  try {
    const { target } = lab;
    await log.step('converge', mode === 'bgp' ? 'BGP sessions Established, ECMP route installed' : 'a node holds the lease and answers ARP', () =>
      mode === 'bgp' ? waitForBgp(target, plan, 30_000) : waitForService(target, plan, mode, 15_000),
    );
    const result = await log.step('verify', `${opts.requests} requests from the router and from the client`, () => verify(target, plan, mode, opts.requests));
    if (mode === 'l2') {
      // As the Proxmox run asks Kubernetes for the lease, ask the stand-in lease API: its holder must be the node whose MAC the router holds.
      const url = `http://${lab.topology.router.lanIp}:${lab.topology.leasePort}/leases/${l2LeaseName(DEMO.namespace, DEMO.name)}`;
      const holder = (JSON.parse(await run(target.router.host, `curl -s ${url}`)) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity;
      result.problems.push(...leaseProblems(holder, result.router.arp));
    }
    let failover = null;
    if (opts.failover) {
      const victim = await failoverVictim(target, plan, mode, result.service.ip);
      const maxMs = (mode === 'l2' ? plan.l2.leaseMs.duration : plan.config.bgp.timers.hold * 1000) + 10_000;
      failover = await log.step('failover', `failover: ${victim} loses its link, probing every 100 ms from the client`, async () => {
        const measured = await runFailover(target.client!, { ip: result.service.ip, port: result.service.port, intervalMs: 100, maxMs, settle: 20 }, victim, 1000, () => lab.fail(victim));
        await lab.restore(victim);
        return measured;
      });
      result.problems.push(...failoverProblems(failover));
    }
    return { ...result, verified: result.problems.length === 0, failover, timings: log.timings };
  } finally {
    lab.router.close();
  }
}
