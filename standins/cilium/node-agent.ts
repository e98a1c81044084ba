// Stand-in for the Cilium agent on an emulated node (there is no Kubernetes here). It behaves, on the
// wire, as the agent of the lab's Cilium minor does (--cilium VERSION), including when it is stopped
// (SIGTERM), killed (SIGKILL) or restarted.
//  - L2 mode: one client-go leader election per service through the lease API (leader-election.ts); the
//    leader programs the ARP responder (arp-responder.ts, nftables standing for Cilium's BPF) on the
//    policy's interfaces and sends one gratuitous ARP reply per IP and interface when an entry is new.
//  - BGP mode: GoBGP (gobgpd, the library inside Cilium's BGP control plane) runs as this agent's child
//    and dies with it; SIGTERM stops it as the minor does (versions.ts).
//   tsx standins/cilium/node-agent.ts --name N --cilium 1.18.3 l2 --vip IP --ifaces eth0 --lease-url URL --lease 3000,1000,200
//   tsx standins/cilium/node-agent.ts --name N --cilium 1.18.3 bgp --gobgpd-conf FILE --advertise IP[,IP]
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import {
  addEntry,
  deleteEntry,
  flushEntries,
  type ResponderIface,
  responderTable,
  stampLiveness,
} from './arp-responder.ts';
import { httpLeaseClient, LeaderElector } from './leader-election.ts';
import { behaviour } from './versions.ts';

const exec = promisify(execFile);
const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

// nft reads its script from a pipe: one transaction per call. It dies with the agent (setpriv
// --pdeathsig): a killed agent writes nothing more to its datapath, so a liveness stamp still on its way
// from a slow nft cannot land after the kill and keep the dead node answering past the lease duration.
function nftInput(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('setpriv', ['--pdeathsig', 'KILL', 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`nft exited ${code} on: ${script.split('\n')[0]}`)),
    );
    p.stdin.end(`${script}\n`);
  });
}
const nftLogged = (script: string) => nftInput(script).catch((err: Error) => log(err.message));

interface L2Options {
  readonly name: string;
  readonly vip: string;
  readonly ifaces: readonly string[];
  readonly leaseUrl: string;
  readonly durationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly release: ReturnType<typeof behaviour>['leaseRelease'];
}

function macOf(iface: string): string {
  return readFileSync(`/sys/class/net/${iface}/address`, 'utf8').trim();
}

/** cilium/cilium pkg/l2announcer/l2announcer.go + pkg/datapath/l2responder/l2responder.go. */
async function runL2(o: L2Options, signal: AbortSignal): Promise<void> {
  const ifaces: ResponderIface[] = o.ifaces.map((name) => ({ name, mac: macOf(name) }));
  // Agent start: the datapath tables exist (or are created), the full reconciliation removes entries no
  // lease backs yet, and the liveness stamp starts ticking (pkg/datapath/loader: agent liveness, 1 s).
  await nftInput([responderTable(ifaces), flushEntries(ifaces), stampLiveness(ifaces, o.durationMs)].join('\n'));
  const liveness = setInterval(() => void nftLogged(stampLiveness(ifaces, o.durationMs)), 1000);
  signal.addEventListener('abort', () => clearInterval(liveness), { once: true });

  const programmed = new Set<string>();
  const client = httpLeaseClient(o.leaseUrl);
  while (!signal.aborted) {
    // RunOrDie starts a fresh elector; after losing the lease the node is a candidate again.
    const elector = new LeaderElector({
      identity: o.name,
      leaseDurationMs: o.durationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      release: o.release,
      client,
    });
    if (!(await elector.acquire(signal))) break;
    log(`${o.name}: leading ${o.vip}`);
    for (const i of ifaces) {
      // garpOnNewEntry(): a gratuitous ARP *reply*, broadcast, once, only when the (IP, interface) entry is
      // new (pkg/datapath/gneigh/gneigh.go SendArp: arp.OperationReply, target MAC broadcast, target IP = IP).
      if (programmed.has(i.name)) continue;
      await exec('arping', ['-q', '-U', '-P', '-c', '1', '-w', '0', '-i', i.name, '-S', o.vip, o.vip]).catch(
        () => undefined,
      );
      await nftInput(addEntry(i.name, o.vip));
      programmed.add(i.name);
    }
    const end = await elector.renew(signal);
    // ReleaseOnCancel: release() runs whenever renew() returns; only a leader that still holds it releases.
    const released = await elector.release();
    if (end === 'cancelled') {
      // The agent is exiting: its BPF entries stay and answer until the liveness stamp is older than the lease.
      // A release the API refused (a renewal the cancel cut short moved the resourceVersion) or that timed
      // out leaves the lease to expire, as client-go's "Failed to release lock" does.
      log(`${o.name}: stopping, ${released ? 'lease released' : 'lease not released: it expires instead'}`);
      break;
    }
    log(`${o.name}: lost the lease of ${o.vip}`);
    for (const i of ifaces) await nftLogged(deleteEntry(i.name, o.vip));
    programmed.clear();
  }
}

interface BgpOptions {
  readonly conf: string;
  readonly advertise: readonly string[];
  readonly stop: ReturnType<typeof behaviour>['bgpStop'];
}

/**
 * The gobgp CLI, which gives its gRPC dial one second (osrg/gobgp cmd/gobgp/common.go newClient: WithBlock,
 * a 1 s timeout); on a loaded machine that dial can time out before any request is sent, so only that
 * failure is tried again, for up to 10 s.
 */
async function gobgp(...args: string[]): Promise<{ stdout: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await exec('gobgp', ['-u', '127.0.0.1', ...args]);
    } catch (err) {
      const dialFailed = /deadline exceeded/.test(String((err as { stderr?: string }).stderr));
      if (!dialFailed || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** GoBGP inside the agent: started with the agent, dying with it (setpriv --pdeathsig KILL). */
async function runBgp(o: BgpOptions, signal: AbortSignal): Promise<void> {
  // -r: the R bit (LocalRestarting) on graceful-restart peers, which defers our routes until the peer's
  // End-of-RIB; Cilium sets it on every start (pkg/bgpv1/gobgp/server.go setPeerGracefulRestart).
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      'gobgpd',
      '-f',
      o.conf,
      '-t',
      'toml',
      '--api-hosts',
      '127.0.0.1:50051',
      '--pprof-disable',
      '-p',
      '-r',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // A hundred agents may start at once on two cores: give gobgpd up to a minute to answer.
  for (
    let i = 0;
    i < 600 &&
    // The CLI itself, not gobgp(): here a dial that fails means gobgpd is not up yet, which this loop waits out.
    !(await exec('gobgp', ['-u', '127.0.0.1', 'global']).then(
      () => true,
      () => false,
    ));
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  for (const ip of o.advertise) await gobgp('global', 'rib', 'add', '-a', 'ipv4', `${ip}/32`);
  log('gobgpd up, routes added');
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  if (o.stop === 'stop-allow-gr') {
    // StopBgp{AllowGracefulRestart: true}: Cease/Peer De-configured only to peers without graceful restart
    // negotiated (gobgp neighbor del sends exactly that: deleteNeighbor(CEASE, PEER_DECONFIGURED)).
    const peers = JSON.parse((await gobgp('neighbor', '-j')).stdout) as any[];
    const ceased: string[] = [];
    for (const p of peers) {
      const address: string = p.state?.neighbor_address ?? p.conf?.neighbor_address;
      // GoBGP's isGracefulRestartEnabled(): the capability advertised and received (gobgp neighbor ADDR lists it).
      // Unreadable is not "no graceful restart": a failure here ends the agent with the error.
      const detail = (await gobgp('neighbor', address)).stdout;
      const grNegotiated = /graceful-restart:\s*advertised and received/.test(detail);
      if (
        !grNegotiated &&
        (await gobgp('neighbor', 'del', address).then(
          () => true,
          () => false,
        ))
      )
        ceased.push(address);
    }
    // The NOTIFICATION leaves from GoBGP's session goroutine: wait until those sessions have closed.
    const open = async () =>
      (
        await Promise.all(
          ceased.map(async (a) =>
            (await exec('ss', ['-Htn', 'state', 'established', 'dst', a, 'dport', '=', ':179'])).stdout.trim(),
          ),
        )
      ).some(Boolean);
    for (let i = 0; i < 40 && (await open()); i++) await new Promise((r) => setTimeout(r, 50));
  }
  // Either way the process ends without GoBGP's Stop: the kernel closes the TCP sessions (FIN).
  child.kill('SIGKILL');
  await exited;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    cilium: { type: 'string' },
    vip: { type: 'string' },
    ifaces: { type: 'string' },
    'lease-url': { type: 'string' },
    lease: { type: 'string' },
    'gobgpd-conf': { type: 'string' },
    advertise: { type: 'string' },
  },
});
if (!values.name || !values.cilium) throw new Error('--name and --cilium are required');
const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => controller.abort());
const mode = positionals[0];
const running =
  mode === 'l2'
    ? (() => {
        const [durationMs, renewDeadlineMs, retryPeriodMs] = (values.lease ?? '15000,5000,2000')
          .split(',')
          .map(Number) as [number, number, number];
        return runL2(
          {
            name: values.name!,
            vip: values.vip!,
            ifaces: (values.ifaces ?? 'eth0').split(','),
            leaseUrl: values['lease-url']!,
            durationMs,
            renewDeadlineMs,
            retryPeriodMs,
            release: behaviour(values.cilium!).leaseRelease,
          },
          controller.signal,
        );
      })()
    : mode === 'bgp'
      ? runBgp(
          {
            conf: values['gobgpd-conf']!,
            advertise: (values.advertise ?? '').split(',').filter(Boolean),
            stop: behaviour(values.cilium).bgpStop,
          },
          controller.signal,
        )
      : Promise.reject(new Error('mode l2 or bgp is required'));
running.then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
