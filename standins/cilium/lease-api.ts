// Stand-in for the Kubernetes Lease API that Cilium's L2 announcer elects its leader through. It runs on
// the emulated router and is reached over the lab LAN, so a node that loses its link loses its lease,
// as a Cilium agent that cannot reach the API server does.
//   tsx standins/cilium/lease-api.ts --listen 10.42.0.1:6443
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

export interface Lease {
  holder: string;
  renewedAt: number;
  durationMs: number;
  /** How often the lease changed hands, like Lease.spec.leaseTransitions. */
  transitions: number;
}

/** client-go's rule: the holder renews; anyone takes a lease whose duration has passed since its renewal. */
export function tryAcquire(current: Lease | undefined, holder: string, durationMs: number, now: number): { lease: Lease; granted: boolean } {
  if (!current || current.holder === holder || now - current.renewedAt > current.durationMs) {
    const transitions = (current?.transitions ?? 0) + (current && current.holder !== holder ? 1 : 0);
    return { lease: { holder, renewedAt: now, durationMs, transitions }, granted: true };
  }
  return { lease: current, granted: false };
}

function serve(listen: string): void {
  const leases = new Map<string, Lease>();
  const [host, port] = listen.split(':');
  createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/leases\//, ''));
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const reply = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method === 'GET') return reply(leases.has(name) ? 200 : 404, leases.get(name) ?? { error: 'no such lease' });
      try {
        const { holder, durationMs } = JSON.parse(body) as { holder: string; durationMs: number };
        const { lease, granted } = tryAcquire(leases.get(name), holder, durationMs, Date.now());
        leases.set(name, lease);
        reply(granted ? 200 : 409, lease);
      } catch (err) {
        reply(400, { error: String(err) });
      }
    });
  }).listen(Number(port), host, () => console.log(`lease API on ${listen}`));
}

// Run directly (tsx), or bundled into lease-api.mjs for the VM stand-ins (test/vms/standins.ts).
if (/lease-api\.m?[jt]s$/.test(process.argv[1] ?? '')) {
  const { values } = parseArgs({ options: { listen: { type: 'string' } } });
  if (!values.listen) throw new Error('--listen HOST:PORT is required');
  serve(values.listen);
}
