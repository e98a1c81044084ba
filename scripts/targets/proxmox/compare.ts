// lab:compare on Proxmox: each mode brought up by the Proxmox run's own steps (the first from cold, or
// over VMs already there; the second a mode switch on the same VMs), without the failover step; the
// faults through the Proxmox API and over SSH. The VMs stay up between modes and after the comparison.
import { LabError } from '../../../lab/errors.ts';
import type { LabPlan } from '../../../lab/plan.ts';
import { serviceIp } from '../../../templates/demo.ts';
import { frrRestartCommands } from '../../../templates/frr.ts';
import { type Host, run } from '../../hosts/host.ts';
import { quote } from '../../../templates/shell.ts';
import type { Logger } from '../../lib/log.ts';
import type { FaultId, ModeId } from '../../report/model.ts';
import { AGENT_RESTART_MS, CONVERGE_MS, NODE_BACK_S, SHUTDOWN_MS } from './timings.ts';
import type { StepContext } from './context.ts';
import { executeRun, proxmoxContext, stepOptions } from './run.ts';
import { stackStatus } from './status.ts';
import { proxmoxSteps } from './steps.ts';
import { failoverVictim } from '../../verify/failover.ts';
import { waitForAnnouncement } from '../../verify/verify.ts';
import { waitFor } from '../../lib/wait.ts';
import { MODE_ORDER, REQUESTS_PER_SOURCE } from '../../compare/run.ts';
import { type CompareTarget, firstVersion, type ModeSession } from '../../compare/target.ts';
import type { TargetTimings } from '../../verify/bounds.ts';

const KUBECTL = 'sudo k3s kubectl';

/**
 * A VM's net string with its link pulled (down) or plugged back, every other property kept. The format is
 * qemu-server's property string (src/PVE/QemuServer/Network.pm: $net_fmt, parse_net/print_net), e.g.
 * `virtio=02:AB:…,bridge=cilab,firewall=0`; `link_down` is its boolean "like pulling the plug".
 */
export function linkDownNet(net: string, down: boolean): string {
  const kept = net.split(',').filter((item) => item !== '' && !item.startsWith('link_down='));
  return [...kept, ...(down ? ['link_down=1'] : [])].join(',');
}

/** The Cilium agent pod on a node, as the chart labels it (templates/cilium-agent/daemonset.yaml: k8s-app: cilium). */
const agentPod = (node: string) =>
  `-n kube-system pod -l k8s-app=cilium --field-selector ${quote(`spec.nodeName=${node}`)}`;

/** The commands each fault runs over SSH: what the session runs and the tests hold it to. */
export const faultCommands = {
  /** kubectl delete waits until the old pod is gone (the chart's terminationGracePeriodSeconds: 1). */
  deleteAgent: (node: string) => `${KUBECTL} delete ${agentPod(node)} --wait=true`,
  /**
   * The DaemonSet's new pod Ready. `rollout status` can pass on the status from before the delete, and
   * `kubectl wait` fails while no pod matches yet: so wait, bounded, until one exists and is Ready.
   */
  agentReady: (node: string) =>
    `timeout ${NODE_BACK_S} sh -c ${quote(`until ${KUBECTL} wait --for=condition=Ready ${agentPod(node)} --timeout=${NODE_BACK_S}s; do sleep 1; done`)}`,
  nodeReady: (node: string) =>
    `${KUBECTL} wait --for=condition=Ready ${quote(`node/${node}`)} --timeout=${NODE_BACK_S}s`,
  restartFrr: (mode: ModeId) => frrRestartCommands(mode).map((c) => `sudo ${c}`),
  flushNeighbours: (iface: string) => `sudo ip neigh flush dev ${quote(iface)}`,
} as const;

/**
 * The faults of one mode on a running Proxmox lab, from a step context (the run's over SSH, or a test's
 * recording one): probes from the router (there is no client VM), the victim as the failover picks it.
 */
/** A lab VM as the faults handle it: through the API, and back in Kubernetes after. */
function vmFaults(ctx: StepContext, plan: LabPlan) {
  const at = (victim: string | null) => {
    if (!victim) throw new LabError('E_FAULT', 'this fault needs a node');
    return ctx.vm(victim);
  };
  // kubectl on a control plane that is not the victim: the victim may be powered off.
  const kubeHost = async (victim: string | null): Promise<Host> =>
    ctx.host(plan.nodes.find((n) => n.role === 'control-plane' && n.name !== victim)?.name ?? plan.nodes[0]!.name);
  /**
   * net0 (the node's only NIC, on the lab bridge: lab/vm-network.ts) rewritten with link_down. qemu-server
   * applies a changed link_down to a running VM at once, hotplug or not: update_vm_api →
   * vmconfig_hotplug_pending → vmconfig_update_net (src/PVE/QemuServer.pm), whose non-unplug branch calls
   * qemu_set_link_status → QMP `set_link` on the device `net0`. PUT is the synchronous form of the update
   * (src/PVE/API2/Qemu.pm update_vm, `$sync`): it returns once applied, so the fault starts when it
   * returns; POST (update_vm_async) would hand back a task to poll. The digest refuses a config changed meanwhile.
   */
  const setLink = async (victim: string, down: boolean) => {
    const where = at(victim);
    const config = await ctx.api.call<{ net0?: string; digest: string }>('vmConfig', where);
    if (!config.net0) throw new LabError('E_FAULT', `VM ${where.vmid} (${victim}) has no net0`);
    await ctx.api.call('vmConfigSet', where, { net0: linkDownNet(config.net0, down), digest: config.digest });
  };
  const powerState = (victim: string, want: 'running' | 'stopped') =>
    waitFor(
      `VM ${at(victim).vmid} (${victim}) ${want}`,
      SHUTDOWN_MS,
      async (saw) => {
        const s = await ctx.api.call<{ status: string }>('vmStatus', at(victim));
        saw(s.status);
        return s.status === want;
      },
      1000,
    );
  /** The node back in Kubernetes and its agent Ready, so the next trial finds the lab whole. */
  const nodeBack = async (victim: string) => {
    const h = await kubeHost(victim);
    await run(h, faultCommands.nodeReady(victim));
    await run(h, faultCommands.agentReady(victim));
  };
  return { at, kubeHost, setLink, powerState, nodeBack };
}

/**
 * How much longer than the bound each fault's probe may run on Proxmox. L2 (externalTrafficPolicy
 * Cluster): requests balanced to a pod on a node that is gone fail until Kubernetes marks it NotReady and
 * its endpoints leave, as in the run's failover (failoverProbe); and what a real lab adds to the probe
 * beyond the bound, as the run's failover allows.
 */
function probeExtras(mode: ModeId, timings: TargetTimings): Record<FaultId, number> {
  const endpointsGone = mode === 'l2' ? timings.staleEndpointsMs : 0;
  const margin = timings.failoverMarginMs;
  return {
    'link-loss': endpointsGone + margin,
    // The probe runs while the VM shuts down (apply waits for it), then as for a lost node.
    'graceful-stop': SHUTDOWN_MS / 2 + endpointsGone + margin,
    // The successor pod pulls nothing (the image is there) but starts the whole agent.
    restart: AGENT_RESTART_MS,
    'router-restart': margin,
  };
}

export async function proxmoxSession(ctx: StepContext, plan: LabPlan, mode: ModeId): Promise<ModeSession> {
  const target = await ctx.verifyTarget();
  const vip = serviceIp(plan, mode);
  const { at, kubeHost, setLink, powerState, nodeBack } = vmFaults(ctx, plan);
  const settle = () => waitForAnnouncement(target, plan, mode, CONVERGE_MS[mode]);
  const extras = probeExtras(mode, target.timings);
  return {
    verifyTarget: target,
    prober: target.router.host,
    unsupported: () => undefined,
    probeExtraMs: (fault) => extras[fault],
    victim: async (fault) => (fault === 'router-restart' ? null : failoverVictim(target, plan, mode, vip)),
    async apply(fault: FaultId, victim) {
      switch (fault) {
        case 'link-loss':
          return setLink(victim!, true);
        case 'graceful-stop':
          // qemu-server _do_vm_stop with $shutdown: guest-shutdown through the agent when it runs, else
          // ACPI (QMP system_powerdown); systemd then stops k3s and with it the agent (SIGTERM).
          await ctx.api.call('vmShutdown', at(victim));
          await powerState(victim!, 'stopped');
          return;
        case 'restart': {
          const h = await kubeHost(victim);
          await run(h, faultCommands.deleteAgent(victim!));
          await run(h, faultCommands.agentReady(victim!));
          return;
        }
        case 'router-restart':
          for (const c of faultCommands.restartFrr(mode)) await run(target.router.host, c);
          if (mode === 'l2') await run(target.router.host, faultCommands.flushNeighbours(target.router.lanIface));
          return;
      }
    },
    async restore(fault, victim) {
      if (fault === 'link-loss') {
        await setLink(victim!, false);
        await nodeBack(victim!);
      }
      if (fault === 'graceful-stop') {
        await ctx.api.call('vmStart', at(victim));
        await powerState(victim!, 'running');
        await nodeBack(victim!);
      }
      await settle();
    },
    settle,
  };
}

/** What runs on the lab: Proxmox VE, FRR on the router, k3s, Cilium and the kernel on the first node. */
export async function labVersions(ctx: StepContext): Promise<Record<string, string>> {
  const cp1 = await ctx.host(ctx.plan.nodes[0]!.name);
  const router = await ctx.host(ctx.plan.router.name);
  const out = async (h: Host, cmd: string) => {
    const r = await h.exec(cmd);
    return `${r.stdout}\n${r.stderr}`;
  };
  // cilium-cli's `version` (cilium-cli/cli/version.go) prints the running release as "cilium image
  // (running): 1.20.0", or "…: unknown. Unable to obtain cilium version. Reason: …".
  const cilium = /cilium image \(running\):\s*v?(\d[\w.+-]*)/.exec(
    await out(cp1, 'sudo cilium --kubeconfig /etc/rancher/k3s/k3s.yaml version'),
  )?.[1];
  return {
    proxmox: (await ctx.api.call<{ version: string }>('version')).version,
    frr: firstVersion(await out(router, '/usr/lib/frr/zebra --version | head -1')),
    k3s: firstVersion(await out(cp1, 'k3s --version | head -1')),
    ...(cilium ? { cilium: `${cilium} (running)` } : {}),
    kernel: firstVersion(await out(cp1, 'uname -r')),
  };
}

type ClosableContext = StepContext & { close(): void };

/** `context` makes each mode's step context: the real run's (SSH, the API) unless a test hands its own. */
export function proxmoxCompareTarget(
  plan: LabPlan,
  configFile: string,
  log: Logger,
  context: (mode: ModeId) => ClosableContext = (mode) =>
    proxmoxContext(plan, mode, configFile, REQUESTS_PER_SOURCE, log),
): CompareTarget {
  let ctx: ClosableContext | undefined;
  let modesUp = 0;
  return {
    kind: 'proxmox',
    cilium: 'running',
    fidelity: [],
    versions: () => (ctx ? labVersions(ctx) : Promise.resolve({})),
    async up(mode) {
      const upKind = modesUp++ > 0 ? 'mode switch' : stackStatus(plan)[1]!.deployed ? 'existing VMs' : 'cold start';
      const options = stepOptions(plan, mode, { failover: false, requests: REQUESTS_PER_SOURCE });
      ctx = context(mode);
      await executeRun(plan, proxmoxSteps(plan, mode, options), ctx, compareResume(configFile), log);
      return { ...(await proxmoxSession(ctx, plan, mode)), upKind };
    },
    // Minutes, not seconds: the run's steps (cloud-init waits, helm, rollouts); a deploy takes longer still.
    upGuessMs: (mode) => (mode === MODE_ORDER[0] ? 600_000 : 300_000),
    async down() {
      ctx?.close();
      ctx = undefined;
    },
  };
}

/** The command that resumes a comparison: every step of the run it repeats is idempotent. */
export function compareResume(configFile: string): string {
  return `npm run lab:compare -- --target proxmox --config ${configFile}`;
}
