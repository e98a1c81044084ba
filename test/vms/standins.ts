// Past the guest side, Kubernetes and Cilium cannot run here: the node VMs run the emulated lab's
// Cilium stand-ins (standins/cilium: GoBGP from the rendered BGP resources, the L2 announcer, the echo)
// and the router VM the lease API, as systemd units, so the shared verification runs from the router
// VM against real peers, real ARP and real ECMP. The stand-ins are bundled into one file each and run
// by the Node binary the image carries.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabPlan } from '../../lab/plan.ts';
import { type Host, run } from '../../scripts/hosts/host.ts';
import type { Logger } from '../../scripts/lib/log.ts';
import { ROOT } from '../../lab/load.ts';
import { routerSecrets } from '../../scripts/lib/render-files.ts';
import { nodeSysctls } from '../../scripts/targets/netns/network.ts';
import { leaseProblems } from '../../scripts/verify/verify.ts';
import { noEchoTable } from '../../standins/cilium/arp-responder.ts';
import { gobgpSettings, gobgpToml } from '../../standins/cilium/gobgp.ts';
import { demoLeaseUrl, leaseHolderOf } from '../../standins/cilium/lease-api.ts';
import { gobgpAnnouncing } from '../../scripts/targets/netns/faults.ts';
import { bgpSecretName, ciliumResources } from '../../templates/cilium.ts';
import { demoManifests, serviceIp } from '../../templates/demo.ts';
import type { StepContext } from '../../scripts/targets/proxmox/context.ts';
import { agentArgs } from '../../standins/cilium/agent-args.ts';

const LEASE_PORT = 6443;
const OPT = '/opt/proxmox-cilium-lab';

/** esbuild (which tsx brings) makes one self-contained .mjs of a stand-in (a path under standins/). */
function bundle(file: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'lab-standin-')), file.replace(/^.*\//, '').replace(/\.ts$/, '.mjs'));
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(ROOT, 'standins', file),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--log-level=warning',
    `--outfile=${out}`,
  ]);
  return readFileSync(out, 'utf8');
}

const unit = (name: string, argv: string[]) =>
  `sudo systemctl stop ${name} 2>/dev/null; sudo systemctl reset-failed ${name} 2>/dev/null; sudo systemd-run --quiet --unit=${name} ${argv.join(' ')}`;
const stopUnits = (names: string[]) =>
  `for u in ${names.join(' ')}; do sudo systemctl stop $u 2>/dev/null; sudo systemctl reset-failed $u 2>/dev/null; done; true`;

async function push(host: Host, path: string, content: string, mode = '0644'): Promise<void> {
  await run(host, `sudo install -D -m ${mode} /dev/stdin ${path}`, { input: content });
}

const leaseUrl = (plan: LabPlan) => demoLeaseUrl(plan.router.lanIp, LEASE_PORT);

/** The mode's stand-ins up on every VM (the other mode's stopped, its addresses removed): in place of the k3s, Cilium, resources and demo steps. */
export async function startStandins(ctx: StepContext, log: Logger): Promise<void> {
  const { plan, mode } = ctx;
  const router = await ctx.host(plan.router.name);
  const iface = plan.config.l2.interface;
  const vip = serviceIp(plan, mode);
  await log.step(
    `standins-${mode}`,
    `Cilium stand-ins on the node VMs (${mode === 'bgp' ? 'GoBGP' : 'L2 announcer, lease API on the router'}, echo)`,
    async () => {
      const files = {
        agent: bundle('cilium/node-agent.ts'),
        lease: bundle('cilium/lease-api.ts'),
        echo: bundle('echo-pod.ts'),
      };
      await push(router, `${OPT}/lease-api.mjs`, files.lease);
      await run(
        router,
        mode === 'l2'
          ? unit('lab-lease-api', [
              '/usr/local/bin/node',
              `${OPT}/lease-api.mjs`,
              '--listen',
              `${plan.router.lanIp}:${LEASE_PORT}`,
            ])
          : stopUnits(['lab-lease-api']),
      );
      const docs = [...ciliumResources(plan, mode), ...demoManifests(plan, mode)];
      const password = routerSecrets(plan).bgpPassword;
      const secrets = password ? { [bgpSecretName(plan)]: password } : {};
      await Promise.all(
        plan.nodes.map(async (n) => {
          const h = await ctx.host(n.name);
          await run(h, stopUnits(['lab-agent', 'lab-echo']));
          await h.exec('sudo ip addr flush dev lo scope global 2>/dev/null; true');
          await run(
            h,
            `sudo sysctl -q -w ${Object.entries(nodeSysctls({ nodeIface: iface }))
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
          );
          // As on the emulated nodes (scripts/targets/netns/provision.ts): the service IP on lo, ping to it dropped.
          await run(h, `sudo ip addr add ${vip}/32 dev lo`);
          await run(h, 'sudo nft -f -', { input: `${noEchoTable([vip])}\n` });
          for (const [name, content] of Object.entries(files))
            if (name !== 'lease') await push(h, `${OPT}/${name === 'agent' ? 'node-agent' : 'echo-pod'}.mjs`, content);
          await run(h, unit('lab-echo', ['/usr/local/bin/node', `${OPT}/echo-pod.mjs`, '--name', n.name]));
          const settings = mode === 'bgp' ? gobgpSettings(docs, n.lanIp, secrets) : undefined;
          const agent = agentArgs(plan, mode, {
            node: n.name,
            iface,
            leaseUrl: leaseUrl(plan),
            gobgpConf: '/etc/proxmox-cilium-lab/gobgpd.toml',
            advertise: settings?.advertise ?? [],
          });
          if (settings) await push(h, '/etc/proxmox-cilium-lab/gobgpd.toml', gobgpToml(settings), '0600');
          await run(h, unit('lab-agent', ['/usr/local/bin/node', `${OPT}/node-agent.mjs`, ...agent]));
          if (mode === 'bgp') await gobgpAnnouncing(h, vip, 120_000);
        }),
      );
    },
  );
}

/**
 * The Kubernetes view's stand-in (L2): the holder of the lease, from the lease API, is the node whose MAC
 * the router holds for the service IP. Adds to the verification the run's step put in the context.
 */
export async function checkLeaseHolder(ctx: StepContext): Promise<void> {
  const router = await ctx.host(ctx.plan.router.name);
  // A Lease's spec.holderIdentity (empty once released), as the lease API stand-in serves it.
  const holder = leaseHolderOf(await run(router, `curl -s ${leaseUrl(ctx.plan)}`));
  ctx.results.findings.push(...leaseProblems(holder, ctx.results.verification!.router.arp));
}
