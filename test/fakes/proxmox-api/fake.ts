// A fake Proxmox VE API for tests, over real HTTPS: it answers only paths and methods that the API
// description has, checks each request's parameters against it, and checks every answer it gives
// against the description's return schema, so its shapes cannot drift from the real API's.
import { createHash } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PRIVILEGES_ONLY_IN, pve8 } from './pve8.ts';
import { conformance, type PveApiSchema } from './schema.ts';

export interface PveScenario {
  /** The one valid token, `user@realm!id=secret`. */
  token: string;
  /** pve-manager's version, e.g. 9.1.3 or 8.4.1: below 9 the fake answers as 8.4 (pve8.ts), from 9 as 9.1.3. */
  version: string;
  nodes: { node: string; status: 'online' | 'offline' | 'unknown'; mem: number; maxmem: number }[];
  storage: Record<
    string,
    { storage: string; type: string; content: string; enabled: number; active: number; shared?: number }[]
  >;
  network: Record<string, { iface: string; type: string; comments?: string; active?: number; cidr?: string }[]>;
  vms: {
    vmid: number;
    node: string;
    name: string;
    tags?: string;
    status: 'running' | 'stopped';
    /** Its configuration as GET …/config answers it (net0, agent, …); PUT …/config changes it. */
    config?: Record<string, string>;
  }[];
  permissions: Record<string, Record<string, number>>;
  /** Files the guest agent can read, by VM ID and path; a VM without an entry has no agent running. */
  guestFiles: Record<number, Record<string, string>>;
  /** What each VM's agent answers to guest-network-get-interfaces (qemu qga/qapi-schema.json). */
  guestNetwork: Record<number, unknown[]>;
}

export interface FakeRequest {
  method: string;
  template: string;
  path: string;
  params: Record<string, string>;
}

export interface FakeProxmox {
  readonly url: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

/** An error answer of the API, as Proxmox sends it: a status and a message. */
export class PveFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Handler = (values: Record<string, string>, params: Record<string, string>, s: PveScenario) => unknown;
/** Answers keyed by `METHOD /template` that take the place of the scenario's (from real VMs: vms.ts). */
export type Handlers = Readonly<Record<string, Handler>>;

const upid = (node: string, type: string, vmid: string) =>
  `UPID:${node}:00001234:00005678:6740A1B2:${type}:${vmid}:root@pam!lab:`;

const HANDLERS: Record<string, Handler> = {
  'GET /version': (_, __, s) => ({
    version: s.version,
    release: s.version.split('.').slice(0, 2).join('.'),
    repoid: '0123abcd',
  }),
  'GET /access/permissions': (_, __, s) => s.permissions,
  'GET /nodes': (_, __, s) => s.nodes.map((n) => ({ ...n, id: `node/${n.node}`, type: 'node', maxcpu: 8 })),
  'GET /nodes/{node}/storage': (v, _, s) => s.storage[v.node!] ?? [],
  'GET /nodes/{node}/network': (v, _, s) => s.network[v.node!] ?? [],
  'GET /cluster/resources': (_, p, s) =>
    !p.type || p.type === 'vm'
      ? s.vms.map((vm) => ({
          id: `qemu/${vm.vmid}`,
          type: 'qemu',
          vmid: vm.vmid,
          node: vm.node,
          name: vm.name,
          status: vm.status,
          ...(vm.tags ? { tags: vm.tags } : {}),
        }))
      : [],
  'GET /nodes/{node}/qemu/{vmid}/status/current': (v, _, s) => {
    const vm = s.vms.find((x) => String(x.vmid) === v.vmid);
    return vm ? { vmid: vm.vmid, status: vm.status, name: vm.name, ha: { managed: 0 } } : undefined;
  },
  'POST /nodes/{node}/qemu/{vmid}/status/stop': (v, _, s) => power(s, v, 'stopped', 'qmstop'),
  // vm_shutdown (src/PVE/API2/Qemu.pm) forks a `qmshutdown` task and answers its UPID; the VM is off
  // when the guest has shut down (here at once).
  'POST /nodes/{node}/qemu/{vmid}/status/shutdown': (v, _, s) => power(s, v, 'stopped', 'qmshutdown'),
  // vm_config (src/PVE/API2/Qemu.pm): the current config's keys as stored (a net as print_net writes it:
  // `virtio=<MAC>,bridge=<bridge>,firewall=0`) plus `digest`, the SHA1 of the config file.
  'GET /nodes/{node}/qemu/{vmid}/config': (v, _, s) => {
    const vm = findVm(s, v);
    return vm && { name: vm.name, ...vm.config, digest: configDigest(vm.config) };
  },
  // update_vm (PUT: synchronous, answers null): refuses a config changed since `digest` was read
  // (PVE::Tools::assert_if_modified: "detected modified configuration - file changed by other user? Try
  // again."), deletes the `delete` keys, writes the others; a running VM gets them hot-applied
  // (vmconfig_hotplug_pending; a net's link_down through QMP set_link, src/PVE/QemuServer.pm).
  'PUT /nodes/{node}/qemu/{vmid}/config': (v, p, s) => {
    const vm = findVm(s, v);
    if (!vm) return undefined;
    if (p.digest && p.digest !== configDigest(vm.config))
      throw new PveFailure(500, 'detected modified configuration - file changed by other user? Try again.');
    const { node: _n, vmid: _v, digest: _d, delete: del, skiplock: _s, ...set } = p;
    const config = { ...vm.config, ...set };
    for (const k of del?.split(/[,;\s]+/).filter(Boolean) ?? []) delete config[k];
    vm.config = config;
    return null;
  },
  'POST /nodes/{node}/qemu/{vmid}/status/start': (v, _, s) => power(s, v, 'running', 'qmstart'),
  'GET /nodes/{node}/tasks/{upid}/status': (v) => ({
    upid: v.upid,
    id: v.upid!.split(':')[6],
    node: v.node,
    pid: 4660,
    pstart: 22136,
    starttime: 1_732_600_000,
    type: v.upid!.split(':')[5],
    user: 'root@pam!lab',
    status: 'stopped',
    exitstatus: 'OK',
  }),
  // register_command (src/PVE/API2/Qemu/Agent.pm): the agent's answer as `{ result }`, once
  // assert_agent_available has found the agent running.
  'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces': (v, _, s) => {
    if (!s.guestFiles[Number(v.vmid)]) throw new PveFailure(500, 'QEMU guest agent is not running');
    const result = s.guestNetwork[Number(v.vmid)];
    return result && { result };
  },
  'GET /nodes/{node}/qemu/{vmid}/agent/file-read': (v, p, s) => {
    // A VM without a running agent: qemu-server PVE/QemuServer/Agent.pm (assert_agent_available) dies
    // with this message, which the API server answers as 500.
    if (!s.guestFiles[Number(v.vmid)]) throw new PveFailure(500, 'QEMU guest agent is not running');
    const content = s.guestFiles[Number(v.vmid)]?.[p.file!];
    return content === undefined ? undefined : { content };
  },
};

const findVm = (s: PveScenario, v: Record<string, string>) =>
  s.vms.find((x) => String(x.vmid) === v.vmid && x.node === v.node);

/**
 * A NIC as qemu-server stores what the provider created (bpg/proxmox 0.111.1 sends model, MAC, bridge and
 * firewall=0; src/PVE/QemuServer/Network.pm print_net writes the model as the key of the MAC).
 */
export const storedNet = (nic: { readonly mac: string; readonly bridge: string }) =>
  `virtio=${nic.mac},bridge=${nic.bridge},firewall=0`;

/**
 * A net property string read as qemu-server reads it (src/PVE/QemuServer/Network.pm: $net_fmt through
 * parse_property_string): comma-separated key=value, `link_down` a JSONSchema boolean (1/0, on/off,
 * yes/no, true/false). Written here from that source, not from our client's linkDownNet.
 */
export function parseNet(net: string): { readonly props: ReadonlyMap<string, string>; readonly linkDown: boolean } {
  const props = new Map<string, string>();
  for (const item of net.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new PveFailure(400, `invalid format - missing key in comma-separated list property`);
    props.set(item.slice(0, eq), item.slice(eq + 1));
  }
  const flag = props.get('link_down');
  props.delete('link_down');
  if (flag !== undefined && !/^(1|0|on|off|yes|no|true|false)$/i.test(flag))
    throw new PveFailure(400, `link_down: type check ('boolean') failed - got '${flag}'`);
  return { props, linkDown: flag !== undefined && /^(1|on|yes|true)$/i.test(flag) };
}

/** The net string as the config answers it: print_net keeps link_down=1 only while the link is down. */
export const printedNet = (net: string, linkDown: boolean) =>
  [...[...parseNet(net).props].map(([k, v]) => `${k}=${v}`), ...(linkDown ? ['link_down=1'] : [])].join(',');

/** The config's digest: qemu-server answers the SHA1 of the config file (here: of its lines). */
export const configDigest = (config: Record<string, string> = {}) =>
  createHash('sha1')
    .update(
      Object.entries(config)
        .map(([k, v]) => `${k}: ${v}\n`)
        .join(''),
    )
    .digest('hex');

function power(
  s: PveScenario,
  v: Record<string, string>,
  status: 'running' | 'stopped',
  type: string,
): string | undefined {
  const vm = findVm(s, v);
  if (!vm) return undefined;
  vm.status = status;
  return upid(v.node!, type, v.vmid!);
}

const before9 = (s: PveScenario) => Number(s.version.split('.')[0]) < 9;

/** Privileges the scenario grants that its release does not have: a real host could never answer so. */
function foreignPrivileges(s: PveScenario): string[] {
  const other = PRIVILEGES_ONLY_IN[before9(s) ? 9 : 8];
  return [
    ...new Set(Object.values(s.permissions).flatMap((privs) => Object.keys(privs).filter((p) => other.includes(p)))),
  ];
}

/**
 * How pve-http-server reads a request before any API code sees it (proxmox/pve-http-server
 * src/PVE/APIServer/AnyEvent.pm, libpve-http-server-perl 5.2.1+ as in PVE 8.4 and 9): process_header()
 * refuses an unknown method and any Transfer-Encoding (a body is read only by its Content-Length);
 * authenticate_and_handle_request() takes a body only on PUT and POST, of at most $limit_max_post
 * (512 KiB since "fix #6230"), form-encoded or JSON. Its error() answers the message as the status line
 * and as a plain-text body.
 */
const KNOWN_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const LIMIT_MAX_POST = 512 * 1024;
export function framingError(
  method: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): { status: number; message: string } | undefined {
  if (!KNOWN_METHODS.includes(method)) return { status: 501, message: `method '${method}' not available` };
  const te = headers['transfer-encoding'];
  if (typeof te === 'string' && te.toLowerCase() === 'chunked')
    return { status: 501, message: 'chunked transfer encoding not supported' };
  if (te) return { status: 501, message: `Unknown transfer encoding '${String(te)}'` };
  const len = Number(headers['content-length'] ?? 0);
  if (!len) return undefined;
  if (method !== 'PUT' && method !== 'POST')
    return { status: 501, message: `Unexpected content for method '${method}'` };
  if (len > LIMIT_MAX_POST) return { status: 501, message: 'for data too large' };
  const ctype = headers['content-type'];
  // parse_content_type(): the media type before any parameter, as sent.
  const ct = typeof ctype === 'string' ? ctype.split(';')[0]!.trim() : undefined;
  if (ct && ct !== 'application/x-www-form-urlencoded' && ct !== 'application/json')
    return { status: 506, message: `upload 'Content-Type '${String(ctype)}' not implemented` };
  return undefined;
}

/** The body's parameters: form-encoded, or a JSON object (both as the API server decodes them). */
function bodyParams(body: string, ctype: string | undefined): [string, string][] {
  if (!body) return [];
  if (ctype?.startsWith('application/json'))
    return Object.entries(JSON.parse(body) as Record<string, unknown>).map(([k, v]) => [k, String(v)]);
  return [...new URLSearchParams(body)];
}

export async function startFakeProxmox(
  description: PveApiSchema,
  scenario: PveScenario,
  tls: { key: string; cert: string },
  handlers: Handlers = {},
): Promise<FakeProxmox> {
  const schema = before9(scenario) ? pve8(description) : description;
  const requests: FakeRequest[] = [];
  const server = createServer(tls, (req, res) => {
    const refused = framingError(req.method ?? '', req.headers);
    if (refused) {
      req.resume();
      res.writeHead(refused.status, refused.message).end(refused.message);
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', async () => {
      const reply = (status: number, data: unknown, message?: string) =>
        res
          .writeHead(status, message ?? '', { 'content-type': 'application/json;charset=UTF-8' })
          .end(JSON.stringify(status < 400 ? { data } : { data: null, message }));
      const url = new URL(req.url ?? '/', 'https://fake');
      const path = url.pathname.replace(/^\/api2\/json/, '');
      const method = req.method ?? 'GET';
      const params = Object.fromEntries([...url.searchParams, ...bodyParams(body, req.headers['content-type'])]);
      const hit = schema.match(path);
      const info = hit && schema.method(hit.template, method);
      if (!hit || !info) return reply(501, null, `Method '${method} ${path}' not implemented`);
      requests.push({ method, template: hit.template, path, params });
      if (req.headers.authorization !== `PVEAPIToken=${scenario.token}`)
        return reply(401, null, 'authentication failure');
      const all = { ...hit.values, ...params };
      const missing = Object.entries(info.parameters?.properties ?? {})
        .filter(([k, p]) => !p.optional && all[k] === undefined)
        .map(([k]) => k);
      const bad = conformance(
        Object.fromEntries(
          Object.entries(all).map(([k, v]) => [
            k,
            info.parameters?.properties?.[k]?.type === 'integer' && /^\d+$/.test(v) ? Number(v) : v,
          ]),
        ),
        info.parameters,
      );
      if (missing.length || bad.length)
        return reply(
          400,
          null,
          `Parameter verification failed: ${[...missing.map((m) => `${m}: property is missing`), ...bad].join('; ')}`,
        );
      const handler = handlers[`${method} ${hit.template}`] ?? HANDLERS[`${method} ${hit.template}`];
      if (!handler) return reply(501, null, `the fake has no answer for ${method} ${hit.template}`);
      let data: unknown;
      try {
        data = await handler(hit.values, params, scenario);
      } catch (err) {
        if (err instanceof PveFailure) return reply(err.status, null, err.message);
        throw err;
      }
      if (data === undefined) return reply(404, null, 'not found');
      const foreign = hit.template === '/access/permissions' ? foreignPrivileges(scenario) : [];
      if (foreign.length)
        return reply(
          500,
          null,
          `fake answer departs from Proxmox VE ${scenario.version}: it has no ${foreign.join(', ')}`,
        );
      const drift = conformance(data, info.returns);
      if (drift.length) return reply(500, null, `fake answer departs from the API description: ${drift.join('; ')}`);
      reply(200, data);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
