// Stand-in for the Kubernetes API server's Lease objects (coordination.k8s.io/v1), which Cilium's L2
// announcer elects its leaders through. It keeps what the API server guarantees and nothing more: a lease
// is created once (POST, 409 AlreadyExists after), read (GET, 404 when absent) and replaced only by an
// update that names the resourceVersion it read (PUT, 409 Conflict otherwise). The election itself runs
// in the agents (leader-election.ts), as in client-go. It runs on the emulated router and is reached over
// the lab LAN, so a node that loses its link loses the API server, as a Cilium agent does.
//   tsx standins/cilium/lease-api.ts --listen 10.42.0.1:6443        GET|POST|PUT /leases/<name>
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { l2LeaseName } from '../../templates/cilium.ts';
import { DEMO } from '../../templates/demo.ts';
import type { LeaseSpec, StoredLease } from './leader-election.ts';

export type LeaseStore = Map<string, StoredLease>;

/** Where the demo service's Lease lives on this API (the name Cilium gives it, templates/cilium.ts). */
export const demoLeaseUrl = (routerIp: string, port: number) =>
  `http://${routerIp}:${port}/leases/${l2LeaseName(DEMO.namespace, DEMO.name)}`;

/** Who a Lease names as holder: spec.holderIdentity, empty once released (client-go leaderelection.release). */
export const leaseHolderOf = (json: string): string | undefined =>
  (JSON.parse(json) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity || undefined;

/** One request against the store: the status and body the API server would answer. */
export function leaseRequest(
  store: LeaseStore,
  method: string,
  name: string,
  body: { metadata?: { resourceVersion?: string }; spec?: LeaseSpec },
  version: () => string,
): { status: number; value: unknown } {
  const current = store.get(name);
  if (method === 'GET')
    return current ? { status: 200, value: current } : { status: 404, value: { reason: 'NotFound' } };
  if (!body.spec) return { status: 400, value: { reason: 'BadRequest', message: 'spec is required' } };
  if (method === 'POST') {
    if (current) return { status: 409, value: { reason: 'AlreadyExists' } };
  } else if (method === 'PUT') {
    if (!current) return { status: 404, value: { reason: 'NotFound' } };
    if (body.metadata?.resourceVersion !== current.metadata.resourceVersion)
      return { status: 409, value: { reason: 'Conflict' } };
  } else {
    return { status: 405, value: { reason: 'MethodNotAllowed' } };
  }
  const lease = { metadata: { name, resourceVersion: version() }, spec: body.spec };
  store.set(name, lease);
  return { status: method === 'POST' ? 201 : 200, value: lease };
}

function serve(listen: string): void {
  const store: LeaseStore = new Map();
  let rv = 0;
  const [host, port] = listen.split(':');
  createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/leases\//, ''));
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      let parsed = {};
      try {
        parsed = body ? JSON.parse(body) : {};
      } catch {
        /* answered as a request without spec */
      }
      const before = store.get(name)?.spec;
      const { status, value } = leaseRequest(store, req.method ?? 'GET', name, parsed, () => String(++rv));
      const after = store.get(name)?.spec;
      // A line per change of hands or duration (not per renewal): the record of who held what, when.
      if (
        after &&
        (after.holderIdentity !== before?.holderIdentity || after.leaseDurationSeconds !== before?.leaseDurationSeconds)
      ) {
        console.log(JSON.stringify({ at: new Date().toISOString(), lease: name, ...after }));
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    });
  }).listen(Number(port), host, () => console.log(`lease API on ${listen}`));
}

// Run directly (tsx), or bundled into lease-api.mjs for the VM stand-ins (test/vms/standins.ts).
if (/lease-api\.m?[jt]s$/.test(process.argv[1] ?? '')) {
  const { values } = parseArgs({ options: { listen: { type: 'string' } } });
  if (!values.listen) throw new Error('--listen HOST:PORT is required');
  serve(values.listen);
}
