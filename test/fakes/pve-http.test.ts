// How the fake Proxmox API reads a request, as pve-http-server does (proxmox/pve-http-server
// src/PVE/APIServer/AnyEvent.pm, 5.2.1+: PVE 8.4 and 9): no chunked bodies, no other transfer encoding, a
// body only on PUT/POST, at most 512 KiB, form-encoded or JSON; the error as the status line. And our API
// client's POST and PUT, which went out chunked until they sent their Content-Length, get through.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../scripts/targets/proxmox/api.ts';
import { type FakeProxmox, startFakeProxmox } from './proxmox-api/fake.ts';
import { loadPveSchema } from './proxmox-api/schema.ts';
import { labPlan } from '../helpers/labs.ts';
import { goodScenario, selfSignedCert, TOKEN } from '../helpers/pve.ts';
import { sharedFile } from '../helpers/shared.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');
const plan = labPlan({ name: 'i18http' });

interface Raw {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Written with req.write(): Node sends it chunked unless a Content-Length is set. */
  write?: string;
}

describe.skipIf(!schemaFile)('the fake Proxmox API reads requests as pve-http-server does', () => {
  let fake: FakeProxmox;
  beforeAll(async () => {
    const scenario = goodScenario(plan);
    scenario.vms = [{ vmid: plan.nodes[0]!.vmId, node: 'pve', name: plan.nodes[0]!.name, status: 'running' }];
    fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, selfSignedCert());
  });
  afterAll(() => fake.close());

  const raw = (r: Raw) =>
    new Promise<{ status: number; message: string; body: string }>((resolve, reject) => {
      const req = request(
        new URL(`/api2/json${r.path}`, fake.url),
        {
          method: r.method,
          rejectUnauthorized: false,
          headers: { Authorization: `PVEAPIToken=${TOKEN}`, ...r.headers },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '', body }));
        },
      );
      req.on('error', reject);
      if (r.write !== undefined) req.write(r.write);
      req.end();
    });
  const stop = `/nodes/pve/qemu/${plan.nodes[0]!.vmId}/status/stop`;

  it.each([
    [
      'a chunked body (process_header)',
      { method: 'POST', path: stop, write: 'timeout=10' },
      501,
      'chunked transfer encoding not supported',
    ],
    [
      'another transfer encoding',
      { method: 'POST', path: stop, headers: { 'Transfer-Encoding': 'gzip, chunked' }, write: 'x' },
      501,
      "Unknown transfer encoding 'gzip, chunked'",
    ],
    [
      'a body on GET (authenticate_and_handle_request)',
      { method: 'GET', path: '/version', headers: { 'Content-Length': '3' }, write: 'a=b' },
      501,
      "Unexpected content for method 'GET'",
    ],
    [
      'a body over $limit_max_post (512 KiB)',
      {
        method: 'POST',
        path: stop,
        headers: { 'Content-Length': String(512 * 1024 + 1) },
        write: 'x'.repeat(512 * 1024 + 1),
      },
      501,
      'for data too large',
    ],
    [
      'a content type it does not parse',
      { method: 'POST', path: stop, headers: { 'Content-Type': 'text/plain', 'Content-Length': '2' }, write: 'ab' },
      506,
      "upload 'Content-Type 'text/plain' not implemented",
    ],
  ] as const)('should refuse %s', async (_, r, status, message) => {
    const answer = await raw(r);
    expect(answer).toEqual({ status, message, body: message });
    expect(fake.requests.map((x) => x.path)).not.toContain(r.path === stop ? stop : '/version');
  });

  it('should take a form-encoded or JSON body sent with its Content-Length', async () => {
    const bodies = [
      ['application/x-www-form-urlencoded', 'timeout=10'],
      ['application/json', JSON.stringify({ timeout: 10 })],
    ] as const;
    for (const [type, body] of bodies) {
      const headers = { 'Content-Type': type, 'Content-Length': String(body.length) };
      expect(await raw({ method: 'POST', path: stop, headers, write: body })).toMatchObject({ status: 200 });
    }
    expect(fake.requests.filter((x) => x.path === stop).map((x) => x.params)).toEqual([
      { timeout: '10' },
      { timeout: '10' },
    ]);
  });

  it("should let our client's POST and PUT through: they carry a Content-Length, never chunked", async () => {
    const api = createApi({ endpoint: fake.url, insecure: true, token: TOKEN });
    const vmid = plan.nodes[0]!.vmId;
    await expect(api.call('vmStop', { node: 'pve', vmid })).resolves.toMatch(/^UPID:pve:.*:qmstop:/);
    await expect(
      api.call('vmConfigSet', { node: 'pve', vmid }, { net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0,link_down=1' }),
    ).resolves.toBeNull();
  });
});
