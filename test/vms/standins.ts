// Past the guest side, Kubernetes and Cilium cannot run here: the node VMs run the emulated lab's
// Cilium stand-ins (standins/cilium: GoBGP from the rendered BGP resources, the L2 announcer, the echo)
// and the router VM the lease API, as systemd units, so the shared verification runs from the router
// VM against real peers, real ARP and real ECMP. The stand-ins are bundled into one file each and run
// by the Node binary the image carries.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mode } from '../../lab/plan.ts';
import { type Host, run } from '../../scripts/hosts/host.ts';
import type { Logger } from '../../scripts/log.ts';
import { ROOT } from '../../scripts/paths.ts';
import { routerSecrets } from '../../scripts/render-files.ts';
import { nodeSysctls } from '../../scripts/targets/netns/network.ts';
import { failoverProblems, failoverVictim, runFailover } from '../../scripts/verify/failover.ts';
import { type LabReport, leaseProblems, verify, type VerifyTarget, waitForBgp, waitForService } from '../../scripts/verify/verify.ts';
import { waitFor } from '../../scripts/wait.ts';
import { gobgpSettings, gobgpToml } from '../../standins/cilium/gobgp.ts';
import { bgpSecretName, ciliumResources, l2LeaseName } from '../../templates/cilium.ts';
import { DEMO, demoManifests, serviceIp } from '../../templates/demo.ts';
import type { VmSession } from './suite.ts';

const LEASE_PORT = 6443;
const OPT = '/opt/proxmox-cilium-lab';

/** esbuild (which tsx brings) makes one self-contained .mjs of a stand-in. */
function bundle(file: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'lab-standin-')), file.replace(/\.ts$/, '.mjs'));
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [join(ROOT, 'standins/cilium', file), '--bundle', '--platform=node', '--format=esm', '--log-level=warning', `--outfile=${out}`]);
  return readFileSync(out, 'utf8');
}

const unit = (name: string, argv: string[]) => `sudo systemctl stop ${name} 2>/dev/null; sudo systemctl reset-failed ${name} 2>/dev/null; sudo systemd-run --quiet --unit=${name} ${argv.join(' ')}`;
const stopUnits = (names: string[]) => `for u in ${names.join(' ')}; do sudo systemctl stop $u 2>/dev/null; sudo systemctl reset-failed $u 2>/dev/null; done; true`;

async function push(host: Host, path: string, content: string, mode = '0644'): Promise<void> {
  await run(host, `sudo install -D -m ${mode} /dev/stdin ${path}`, { input: content });
}

/** The mode's stand-ins up on every VM (the other mode's stopped, its addresses removed). */
export async function startStandins(s: VmSession, mode: Mode, log: Logger): Promise<void> {
  const { plan } = s;
  const router = s.ssh.get(plan.router.name)!;
  const iface = plan.config.l2.interface;
  const vip = serviceIp(plan, mode);
  const leaseUrl = `http://${plan.router.lanIp}:${LEASE_PORT}/leases/${l2LeaseName(DEMO.namespace, DEMO.name)}`;
  await log.step(`standins-${mode}`, `Cilium stand-ins on the node VMs (${mode === 'bgp' ? 'GoBGP' : 'L2 announcer, lease API on the router'}, echo)`, async () => {
    const files = { agent: bundle('node-agent.ts'), lease: bundle('lease-api.ts') };
    await push(router, `${OPT}/lease-api.mjs`, files.lease);
    await run(router, mode === 'l2' ? unit('lab-lease-api', ['/usr/local/bin/node', `${OPT}/lease-api.mjs`, '--listen', `${plan.router.lanIp}:${LEASE_PORT}`]) : stopUnits(['lab-lease-api']));
    const docs = [...ciliumResources(plan, mode), ...demoManifests(plan, mode)];
    const password = routerSecrets(plan).bgpPassword;
    const secrets = password ? { [bgpSecretName(plan)]: password } : {};
    await Promise.all(
      plan.nodes.map(async (n) => {
        const h = s.ssh.get(n.name)!;
        await run(h, stopUnits(['lab-agent', 'lab-gobgpd']));
        await h.exec(`sudo ip addr del ${plan.l2.serviceIp}/32 dev ${iface} 2>/dev/null; sudo ip addr flush dev lo scope global 2>/dev/null; true`);
        await run(h, `sudo sysctl -q -w ${Object.entries(nodeSysctls({ nodeIface: iface })).map(([k, v]) => `${k}=${v}`).join(' ')}`);
        await push(h, `${OPT}/node-agent.mjs`, files.agent);
        const lease = plan.l2.leaseMs;
        const l2 = ['--vip', vip, '--iface', iface, '--lease-url', leaseUrl, '--lease', `${lease.duration},${lease.renewDeadline},${lease.retryPeriod}`];
        await run(h, unit('lab-agent', ['/usr/local/bin/node', `${OPT}/node-agent.mjs`, '--name', n.name, ...(mode === 'l2' ? l2 : [])]));
        if (mode === 'bgp') {
          const settings = gobgpSettings(docs, n.lanIp, secrets);
          await push(h, '/etc/proxmox-cilium-lab/gobgpd.toml', gobgpToml(settings), '0600');
          for (const ip of settings.advertise) await run(h, `sudo ip addr add ${ip}/32 dev lo`);
          await run(h, unit('lab-gobgpd', ['gobgpd', '-f', '/etc/proxmox-cilium-lab/gobgpd.toml', '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--pprof-disable', '-p']));
          await waitFor(`gobgpd on ${n.name}`, 60_000, async () => (await h.exec('gobgp -u 127.0.0.1 global')).code === 0, 500);
          for (const ip of settings.advertise) await run(h, `gobgp -u 127.0.0.1 global rib add -a ipv4 ${ip}/32`);
        }
      }),
    );
  });
}

/** The router VM as the verification sees it; nodes known by the MAC of their LAN NIC (net0). */
export function vmTarget(s: VmSession): VerifyTarget {
  return {
    kind: 'proxmox',
    router: { host: s.ssh.get(s.plan.router.name)!, vtysh: 'sudo vtysh', lanIface: 'eth1' },
    nodeMacs: Object.fromEntries(s.lab.vms.filter((v) => v.host.role !== 'router').map((v) => [v.macs[0]!.toLowerCase(), v.host.name])),
  };
}

/** Converge, the shared verification from the router VM, then (optionally) one failover through status/stop. */
export async function verifyFromRouter(s: VmSession, mode: Mode, requests: number, failover: boolean, log: Logger): Promise<LabReport> {
  const { plan } = s;
  const target = vmTarget(s);
  await log.step(`converge-${mode}`, mode === 'bgp' ? 'BGP sessions Established, ECMP route installed' : 'a node holds the lease and answers ARP', () =>
    mode === 'bgp' ? waitForBgp(target, plan, 180_000) : waitForService(target, plan, mode, 120_000),
  );
  const result = await log.step(`verify-${mode}`, `${requests} requests from the router VM`, () => verify(target, plan, mode, requests));
  if (mode === 'l2') {
    const url = `http://${plan.router.lanIp}:${LEASE_PORT}/leases/${l2LeaseName(DEMO.namespace, DEMO.name)}`;
    const holder = (JSON.parse(await run(target.router.host, `curl -s ${url}`)) as { holder?: string }).holder;
    result.problems.push(...leaseProblems(holder, result.router.arp));
  }
  let measured = null;
  if (failover) {
    const victimName = await failoverVictim(target, plan, mode, result.service.ip);
    const victim = s.lab.vms.find((v) => v.host.name === victimName)!;
    const maxMs = (mode === 'l2' ? plan.l2.leaseMs.duration : plan.config.bgp.timers.hold * 1000) + 30_000;
    const at = { node: victim.host.proxmoxNode, vmid: victim.spec.vmid };
    measured = await log.step(`failover-${mode}`, `failover: ${victimName} stopped through the API (status/stop), probing from the router`, () =>
      runFailover(target.router.host, { ip: result.service.ip, port: DEMO.port, intervalMs: 100, maxMs, settle: 20 }, victimName, 2000, async () => {
        await s.api.call('vmStop', at);
      }),
    );
    result.problems.push(...failoverProblems(measured));
    s.ssh.get(victimName)?.close();
    s.ssh.delete(victimName);
  }
  return { ...result, verified: result.problems.length === 0, failover: measured, timings: log.timings };
}
