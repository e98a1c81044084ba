// The parts of the Proxmox run that are more than a command: each takes the typed step context. The
// step list (steps.ts) prints what they run from the same command builders they use, and a test runs
// them against recording hosts and API to prove it.
import { LabError } from '../../../lab/errors.ts';
import { serviceIp } from '../../../templates/demo.ts';
import { entryNode, failoverProbe, failoverVictim, runFailover } from '../../verify/failover.ts';
import { leaseProblems, verify, waitForAnnouncement } from '../../verify/verify.ts';
import type { StepContext } from './context.ts';
import { type AgentInterface, agentGuestInterfaces } from './guest-network.ts';
import { assertPreflight, preflight, terraformFinding } from './preflight.ts';
import { CONVERGE_MS, NODES_REGISTER_S } from './timings.ts';

/** How the preflight asks for Terraform's version: its JSON form (terraform_version). */
export const TERRAFORM_VERSION = 'terraform version -json';

export const HOST_KEY_FILE = '/etc/ssh/ssh_host_ed25519_key.pub';

export async function runPreflight(ctx: StepContext): Promise<void> {
  const tf = await ctx.local.exec(TERRAFORM_VERSION);
  const findings = [...(await preflight(ctx.api, ctx.plan)), terraformFinding(tf.code === 0 ? tf.stdout : undefined)];
  for (const f of assertPreflight(findings)) ctx.note(f.message);
}

export async function converge(ctx: StepContext): Promise<void> {
  await waitForAnnouncement(await ctx.verifyTarget(), ctx.plan, ctx.mode, CONVERGE_MS[ctx.mode]);
}

export async function runVerify(ctx: StepContext): Promise<void> {
  ctx.results.verification = await verify(await ctx.verifyTarget(), ctx.plan, ctx.mode, ctx.requests);
}

export async function runFailoverStep(ctx: StepContext, requested?: string): Promise<void> {
  const target = await ctx.verifyTarget();
  const ip = serviceIp(ctx.plan, ctx.mode);
  const victim = await failoverVictim(target, ctx.plan, ctx.mode, ip, requested);
  const at = ctx.vm(victim);
  ctx.results.failover = await runFailover(
    target.router.host,
    failoverProbe(ctx.plan, ctx.mode, target.timings, ip),
    victim,
    2000,
    async () => {
      await ctx.api.call('vmStop', at);
    },
    ctx.mode === 'l2' ? () => entryNode(target, ip) : undefined,
  );
  await ctx.api.call('vmStart', at);
}

/** What the run does with a command's output. */
export const outputs = {
  kubeconfig: (out: string, ctx: StepContext) => ctx.saveState('kubeconfig', out, true),
  nodesRegistered: (out: string, ctx: StepContext) => {
    const registered = new Set(out.split('\n').map((l) => l.trim().replace(/^node\//, '')));
    const missing = ctx.plan.nodes.map((n) => n.name).filter((n) => !registered.has(n));
    if (missing.length > 0) {
      throw new LabError(
        'E_K3S',
        `${missing.join(', ')} not registered with k3s within ${NODES_REGISTER_S / 60} min (${ctx.plan.nodes.length - missing.length} of ${ctx.plan.nodes.length} are)`,
        `a node that did not join: its k3s step log tells why (journalctl -u k3s or k3s-agent on ${missing[0]})`,
      );
    }
  },
  routerInterfaces: (out: string, ctx: StepContext) =>
    ctx.routerInterfaces(agentGuestInterfaces((JSON.parse(out) as { result: AgentInterface[] }).result)),
  hostKey: (name: string) => (out: string, ctx: StepContext) =>
    ctx.pinHostKey(name, (JSON.parse(out) as { content: string }).content.trim()),
  leaseHolder: (out: string, ctx: StepContext) => {
    ctx.results.findings.push(...leaseProblems(out.trim(), ctx.results.verification!.router.arp));
  },
  bgpPeers: (out: string, ctx: StepContext) => {
    if (!/established/i.test(out) || /idle|active|connect/i.test(out.split('\n').slice(1).join('\n'))) {
      ctx.results.findings.push(`cilium bgp peers shows sessions that are not established:\n${out.trim()}`);
    }
  },
};
