// Brings up the emulated lab: namespaces and links from the topology, the router with real FRR, nftables
// and sshd, and the nodes with their Cilium stand-ins (GoBGP in BGP mode, the announcer in L2 mode).
import { demoLeaseUrl } from '../../../standins/cilium/lease-api.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { LabError } from '../../../lab/errors.ts';
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import { bgpSecretName, ciliumResources } from '../../../templates/cilium.ts';
import { demoManifests, serviceIp } from '../../../templates/demo.ts';
import { gobgpSettings, gobgpToml } from '../../../standins/cilium/gobgp.ts';
import { noEchoTable } from '../../../standins/cilium/arp-responder.ts';
import { ciliumMinor } from '../../../standins/cilium/versions.ts';
import { type Host, run } from '../../hosts/host.ts';
import { netnsHost } from '../../hosts/netns.ts';
import { sh } from '../../../templates/shell.ts';
import { connectSshWhenUp, type SshHost } from '../../hosts/ssh.ts';
import type { Logger } from '../../lib/log.ts';
import { labStateDir, ROOT } from '../../../lab/load.ts';
import { routerSecrets, writeRender } from '../../lib/render-files.ts';
import type { VerifyTarget } from '../../verify/verify.ts';
import { startIn } from '../../hosts/daemons.ts';
import { gobgpAnnouncing, startAgent } from './faults.ts';
import { type FrrInstance, loadFrrConfig, startFrr, vtyshCommand } from './frr.ts';
import { networkBatches, nodeSysctls } from './network.ts';
import { labKeys } from './ssh-keys.ts';
import { damage, isUp, teardownNetns } from './teardown.ts';
import { type Topology, topology } from './topology.ts';
import { NETNS_TIMINGS } from './timings.ts';

export interface NetnsLab {
  readonly topology: Topology;
  readonly target: VerifyTarget;
  readonly router: SshHost;
  /** The router's FRR and the configuration file it was loaded from (a router restart reloads it). */
  readonly frr: { readonly instance: FrrInstance; readonly daemons: ('zebra' | 'bgpd')[]; readonly config: string };
  /** Takes a node off the LAN, as a failed VM or cable would. */
  fail(node: string): Promise<void>;
  restore(node: string): Promise<void>;
}

async function ipBatch(lines: string[], namespace?: string): Promise<void> {
  const r = await $({
    nothrow: true,
    quiet: true,
    input: `${lines.join('\n')}\n`,
  })`ip ${namespace ? ['-n', namespace] : []} -batch -`;
  if (r.exitCode !== 0)
    throw new LabError('E_NETNS', `ip -batch${namespace ? ` in ${namespace}` : ''} failed: ${r.stderr.trim()}`);
}

async function sysctls(host: Host, values: Record<string, string>): Promise<void> {
  await run(host, sh`sysctl -q -w ${Object.entries(values).map(([k, v]) => `${k}=${v}`)}`);
}

/** node --import tsx: one process per stand-in, without tsx's extra wrapper process. */
function standin(file: string, args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', join(ROOT, 'standins/cilium', file), ...args];
}

export async function provisionNetns(plan: LabPlan, mode: Mode, log: Logger): Promise<NetnsLab> {
  const t = topology(plan);
  // The stand-ins model particular Cilium minors: refuse others before building anything.
  ciliumMinor(plan.config.cilium.version);
  const state = labStateDir(plan.name, 'netns');
  if ((await isUp(t)) || existsSync(t.runDir)) {
    // A rerun repairs by rebuilding: whatever broke, the new lab is whole; what could not be removed is named.
    const found = await damage(t);
    log.note(
      `lab ${plan.name} is already here${found.length ? ` but damaged (${found.join('; ')})` : ''}: rebuilding it`,
    );
    try {
      await teardownNetns(plan);
    } catch (err) {
      throw new LabError(
        'E_REPAIR',
        `cannot repair lab ${plan.name}: ${(err as Error).message}`,
        (err as LabError).hint,
      );
    }
  }
  const collision = (
    await $({ nothrow: true, quiet: true })`ip -4 -o addr show to ${`${t.mgmt.hostIp}/30`}`
  ).stdout.trim();
  if (collision)
    throw new LabError(
      'E_NETNS',
      `the management subnet of lab ${plan.name} (${t.mgmt.hostIp}/30) is in use: ${collision}`,
      'rename the lab (name in lab.yaml)',
    );

  const files = await log.step('render', `render ${mode} files`, async () => {
    mkdirSync(state, { recursive: true });
    writeFileSync(
      join(state, 'state.json'),
      JSON.stringify({ lab: plan.name, mode, startedAt: new Date().toISOString() }, null, 2),
    );
    const out = join(state, mode);
    writeRender(plan, mode, out, routerSecrets(plan));
    return {
      frr: join(out, 'router/frr.conf'),
      sysctl: join(out, 'router/sysctl.conf'),
      nft: join(out, 'router/nftables.conf'),
    };
  });

  const routerNs = netnsHost(t.router.name, t.router.namespace);
  const client = netnsHost(t.client.name, t.client.namespace);
  const nodeHost = (n: (typeof t.nodes)[number]) => netnsHost(n.name, n.namespace);

  await log.step('network', `namespaces and links: router, ${t.nodes.length} nodes, client, LAN bridge`, async () => {
    const batches = networkBatches(t, plan);
    await ipBatch(batches.host);
    await Promise.all(Object.entries(batches.namespaces).map(([ns, lines]) => ipBatch(lines, ns)));
    // The very files the Proxmox router gets: sysctls (forwarding, ECMP hash, arp_accept) and NAT.
    await run(routerNs, sh`sysctl -q -p ${files.sysctl}`);
    await run(routerNs, sh`nft -f ${files.nft}`);
    await Promise.all(t.nodes.map((n) => sysctls(nodeHost(n), nodeSysctls(t))));
  });

  const keys = labKeys(state, t.router.mgmtIp);
  const daemons: ('zebra' | 'bgpd')[] = mode === 'bgp' ? ['zebra', 'bgpd'] : ['zebra'];
  const frr = await log.step(
    'router',
    `router: FRR (${mode === 'bgp' ? 'zebra + bgpd' : 'zebra, no BGP'}), sshd${mode === 'l2' ? ', lease API' : ''}`,
    async () => {
      const instance = await startFrr(t.router.namespace, t.runDir, daemons);
      await loadFrrConfig(instance, files.frr);
      mkdirSync('/run/sshd', { recursive: true });
      writeFileSync(keys.sshdConfig, keys.sshdConfigText(t.runDir));
      startIn(t.router.namespace, ['/usr/sbin/sshd', '-D', '-e', '-f', keys.sshdConfig], t.runDir, 'sshd');
      if (mode === 'l2')
        startIn(
          t.router.namespace,
          standin('lease-api.ts', ['--listen', `${t.router.lanIp}:${t.leasePort}`]),
          t.runDir,
          'lease-api',
        );
      return instance;
    },
  );

  await log.step(
    'nodes',
    `nodes: echo${mode === 'bgp' ? ' + GoBGP' : ' + L2 announcer'} on ${t.nodes.length} nodes (Cilium stand-ins)`,
    async () => {
      const vip = serviceIp(plan, mode);
      const docs = [...ciliumResources(plan, mode), ...demoManifests(plan, mode)];
      const password = routerSecrets(plan).bgpPassword;
      const secrets = password ? { [bgpSecretName(plan)]: password } : {};
      const lease = plan.l2.leaseMs;
      await Promise.all(
        t.nodes.map(async (n) => {
          const h = nodeHost(n);
          // Cilium's datapath accepts service traffic on every node and never answers ping for it; the
          // stand-in holds the IP on lo (silent for ARP: arp_ignore=1) and drops echo requests to it.
          await run(h, sh`ip addr add ${`${vip}/32`} dev lo`);
          await run(h, 'nft -f -', { input: `${noEchoTable([vip])}\n` });
          startIn(
            n.namespace,
            [process.execPath, '--import', 'tsx', join(ROOT, 'standins/echo-pod.ts'), '--name', n.name],
            t.runDir,
            `echo-${n.name}`,
          );
          let agent: string[];
          if (mode === 'l2') {
            const leaseUrl = demoLeaseUrl(t.router.lanIp, t.leasePort);
            agent = [
              'l2',
              '--vip',
              vip,
              '--ifaces',
              t.nodeIface,
              '--lease-url',
              leaseUrl,
              '--lease',
              `${lease.duration},${lease.renewDeadline},${lease.retryPeriod}`,
            ];
          } else {
            const settings = gobgpSettings(docs, n.lanIp, secrets);
            const conf = join(state, mode, `gobgpd-${n.name}.toml`);
            writeFileSync(conf, gobgpToml(settings), { mode: 0o600 });
            agent = ['bgp', '--gobgpd-conf', conf, '--advertise', settings.advertise.join(',')];
          }
          const pid = startAgent(
            t.runDir,
            n.namespace,
            n.name,
            standin('node-agent.ts', ['--name', n.name, '--cilium', plan.config.cilium.version, ...agent]),
          );
          // As long as the agent gives its gobgpd (a minute), plus more in a larger lab: a hundred agents
          // start at once on two cores. An agent that dies ends the wait at once.
          if (mode === 'bgp') await gobgpAnnouncing(h, vip, 60_000 + 300 * t.nodes.length, pid);
        }),
      );
    },
  );

  const router = await log.step('ssh', `SSH to the router at ${t.router.mgmtIp} (host key pinned)`, () =>
    connectSshWhenUp(
      {
        name: t.router.name,
        address: t.router.mgmtIp,
        username: 'root',
        privateKeyPath: keys.clientKey,
        hostKey: readFileSync(keys.hostKeyPub, 'utf8'),
      },
      10_000,
      200,
    ),
  );

  const nodeMacs = Object.fromEntries(
    await Promise.all(
      t.nodes.map(
        async (n) =>
          [
            JSON.parse(await run(nodeHost(n), sh`ip -j link show ${t.nodeIface}`))[0].address.toLowerCase(),
            n.name,
          ] as const,
      ),
    ),
  );
  // The cable is pulled at the switch: the node's own link loses carrier but keeps its routes, as a
  // VM whose host port goes dark does.
  const lanSwitch = netnsHost(t.lanNamespace, t.lanNamespace);
  const setPort = (state: 'up' | 'down') => async (name: string) => {
    const n = t.nodes.find((x) => x.name === name);
    if (!n) throw new LabError('E_USAGE', `no node ${name} in lab ${plan.name}`);
    await run(lanSwitch, sh`ip link set ${n.bridgePort} ${state}`);
  };
  return {
    topology: t,
    router,
    frr: { instance: frr, daemons, config: files.frr },
    target: {
      kind: 'netns',
      timings: NETNS_TIMINGS,
      router: { host: router, vtysh: vtyshCommand(frr), lanIface: t.lanIface },
      client,
      nodeMacs,
      echoOnEntry: true,
    },
    fail: setPort('down'),
    restore: setPort('up'),
  };
}
