// Stand-in for a Cilium agent on an emulated node (there is no Kubernetes here).
//  - Serves the demo echo on port 80, answering with its own node name, as the echo pod does.
//  - L2 mode: Cilium's announcer semantics. Leader election through the lease API; the holder puts the
//    service IP on its LAN interface, so the real Linux ARP stack answers for it, and sends gratuitous
//    ARP on takeover; the others stay silent (arp_ignore=1 / arp_announce=2). A holder that cannot
//    renew within renewDeadline withdraws.
//  - BGP mode: nothing here; GoBGP advertises the service IP (see gobgp.ts).
//   tsx standins/cilium/node-agent.ts --name cilab-cp1 [--vip IP --iface eth0 --lease-url URL --lease 3000,1000,200]
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { echoText } from '../../templates/demo.ts';

const exec = promisify(execFile);

function serveEcho(name: string, port: number): void {
  createServer((_, res) => res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(`${echoText(name, `standin-${name}`)}\n`)).listen(port, '0.0.0.0');
}

interface Announcer {
  name: string;
  vip: string;
  iface: string;
  leaseUrl: string;
  durationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

async function renew(a: Announcer): Promise<boolean> {
  try {
    const res = await fetch(a.leaseUrl, {
      method: 'POST',
      body: JSON.stringify({ holder: a.name, durationMs: a.durationMs }),
      signal: AbortSignal.timeout(Math.max(a.retryPeriodMs, 100)),
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function announce(a: Announcer): Promise<void> {
  await exec('ip', ['addr', 'replace', `${a.vip}/32`, 'dev', a.iface]);
  // Unsolicited ARP: the router's entry moves to this MAC at once instead of when it next asks.
  await exec('arping', ['-q', '-U', '-c', '1', '-w', '1', '-i', a.iface, '-S', a.vip, a.vip]).catch(() => undefined);
  console.log(`${new Date().toISOString()} ${a.name}: holder of ${a.vip}, announcing`);
}

async function withdraw(a: Announcer): Promise<void> {
  await exec('ip', ['addr', 'del', `${a.vip}/32`, 'dev', a.iface]).catch(() => undefined);
  console.log(`${new Date().toISOString()} ${a.name}: lost the lease, silent`);
}

async function runAnnouncer(a: Announcer): Promise<void> {
  let announcing = false;
  let lastRenew = 0;
  const stop = async () => {
    if (announcing) await withdraw(a);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (;;) {
    const started = Date.now();
    if (await renew(a)) {
      lastRenew = Date.now();
      if (!announcing) {
        announcing = true;
        await announce(a);
      }
    } else if (announcing && Date.now() - lastRenew > a.renewDeadlineMs) {
      announcing = false;
      await withdraw(a);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, a.retryPeriodMs - (Date.now() - started))));
  }
}

const { values } = parseArgs({
  options: { name: { type: 'string' }, port: { type: 'string', default: '80' }, vip: { type: 'string' }, iface: { type: 'string' }, 'lease-url': { type: 'string' }, lease: { type: 'string' } },
});
if (!values.name) throw new Error('--name is required');
serveEcho(values.name, Number(values.port));
if (values.vip) {
  const [durationMs, renewDeadlineMs, retryPeriodMs] = (values.lease ?? '3000,1000,200').split(',').map(Number) as [number, number, number];
  void runAnnouncer({ name: values.name, vip: values.vip, iface: values.iface ?? 'eth0', leaseUrl: values['lease-url']!, durationMs, renewDeadlineMs, retryPeriodMs });
}
