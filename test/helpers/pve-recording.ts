// The Proxmox run's step context against recording hosts and the fake Proxmox API: every command and API
// call is recorded in order; the hosts answer in the shapes of iproute2, FRR 8, k3s and the echo pod.
import { createHash } from 'node:crypto';
import { allHosts, type LabPlan, type Mode } from '../../lab/plan.ts';
import type { ExecResult, Host } from '../../scripts/hosts/host.ts';
import { createApi, type ProxmoxApi } from '../../scripts/targets/proxmox/api.ts';
import { CALLS } from '../../scripts/targets/proxmox/calls.ts';
import type { StepContext } from '../../scripts/targets/proxmox/context.ts';
import type { GuestInterface } from '../../scripts/targets/proxmox/guest-network.ts';
import type { FakeProxmox } from '../fakes/proxmox-api/fake.ts';
import { TOKEN } from './pve.ts';
import { proxmoxTimings } from '../../scripts/targets/proxmox/timings.ts';

export const PASSWORD = 'st-bgp-secret-value';
export const K3S_TOKEN = 'st-k3s-token-value';
export const KUBECONFIG =
  'apiVersion: v1\nusers:\n- name: default\n  user:\n    client-key-data: U1QtS1VCRUNPTkZJRy1LRVk=\n';
/** The MAC the recorded router sees for a node: 52:54:00:00:00:0a for the first. */
export const macOf = (plan: LabPlan, name: string) =>
  `52:54:00:00:00:${(10 + plan.nodes.findIndex((n) => n.name === name)).toString(16)}`;
export const query = (params?: Record<string, string | number>) =>
  params && Object.keys(params).length
    ? `?${Object.entries(params)
        .map(([k, v]) => `${k}=${v}`)
        .join('&')}`
    : '';
export const digest = (s: string) =>
  `${Buffer.byteLength(s)} bytes ${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;
/** What a lab host answers: shapes of iproute2 (`ip -j`), FRR 8 (`show bgp … summary json`), the echo pod. */
function answer(
  plan: LabPlan,
  name: string,
  command: string,
  o: { bgpDownFor: number; polls: { n: number }; holder: { i: number } },
): ExecResult {
  const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', code: 0 });
  const nodes = plan.nodes.map((n) => n.name);
  const echo = (i: number) => `node=${nodes[i % nodes.length]} pod=echo-${i}`;
  // `terraform version -json` (Terraform 1.11.4 here: terraform_version, platform, provider_selections, terraform_outdated).
  if (command === 'terraform version -json')
    return ok(
      `${JSON.stringify({ terraform_version: '1.11.4', platform: 'linux_amd64', provider_selections: {}, terraform_outdated: true }, null, 2)}\n`,
    );
  // `kubectl get nodes -o name` (the registration wait prints its last answer): one `node/NAME` a line.
  if (command.includes('get nodes -o name')) return ok(plan.nodes.map((n) => `node/${n.name}\n`).join(''));
  if (command.startsWith('i=0; since=0; while'))
    return ok(
      Array.from(
        { length: Number(/-lt (\d+)/.exec(command)![1]) },
        (_, i) => `ok ${echo(command.includes(plan.l2.serviceIp) ? 0 : i)}`,
      ).join('\n'),
    );
  if (command.startsWith('end=$(('))
    return ok(
      [
        `1000 ok ${echo(0)}`,
        '1100 fail',
        '1200 fail',
        ...Array.from({ length: 20 }, (_, i) => `${1300 + 100 * i} ok ${echo(1)}`),
      ].join('\n'),
    );
  if (command.startsWith('ip -j neigh show'))
    return ok(
      JSON.stringify([
        { dst: plan.l2.serviceIp, dev: 'eth1', lladdr: macOf(plan, nodes[o.holder.i]!), state: ['REACHABLE'] },
      ]),
    );
  if (command.includes('show bgp ipv4 unicast summary json')) {
    const state = o.polls.n++ < o.bgpDownFor ? 'Active' : 'Established';
    return ok(
      JSON.stringify({
        routerId: plan.router.lanIp,
        as: plan.config.bgp.routerAsn,
        peers: Object.fromEntries(plan.nodes.map((n) => [n.lanIp, { remoteAs: plan.config.bgp.nodeAsn, state }])),
      }),
    );
  }
  // vtysh's `show daemons` (FRR vtysh/vtysh.c, vtysh_show_daemons): each running daemon's name after a space.
  if (command.endsWith("-c 'show daemons'")) return ok(' zebra bgpd staticd\n');
  if (command.startsWith('ip -j route show'))
    return ok(
      JSON.stringify([
        {
          dst: plan.bgp.serviceIp,
          protocol: 'bgp',
          nexthops: plan.nodes.map((n) => ({ gateway: n.lanIp, dev: 'eth1' })),
        },
      ]),
    );
  if (command.startsWith('sudo sed') && command.endsWith('/etc/rancher/k3s/k3s.yaml')) return ok(KUBECONFIG);
  // What each program prints about its version: k3s (`k3s --version`, first line), cilium-cli 0.19
  // (cilium-cli/cli/version.go), FRR 8.4's zebra, the Debian 12 cloud kernel.
  if (command.startsWith('k3s --version')) return ok('k3s version v1.33.5+k3s1 (0a6f5b8c)\n');
  if (command.endsWith('k3s.yaml version'))
    return ok(
      'cilium-cli: v0.19.7 compiled with go1.25.1 on linux/amd64\ncilium image (default): v1.18.2\ncilium image (stable): v1.20.0\ncilium image (running): 1.20.0\n',
    );
  if (command.startsWith('/usr/lib/frr/zebra --version')) return ok('zebra version 8.4.4\n');
  if (command === 'uname -r') return ok('6.1.0-40-cloud-amd64\n');
  if (command.includes('get lease')) return ok(nodes[0]!);
  if (command.includes('bgp peers'))
    return ok(
      [
        'Node   Local AS   Peer AS   Peer Address   Session State   Uptime',
        ...plan.nodes.map((n) => `${n.name}   65001   65000   ${plan.router.lanIp}   established   1m`),
      ].join('\n'),
    );
  return ok('');
}

export interface Recording {
  events: string[];
  fake: FakeProxmox;
  /** What the run was told of the router's interfaces (the hostkeys step, from its guest agent). */
  routerInterfaces: GuestInterface[];
}

export function recordingContext(
  plan: LabPlan,
  mode: Mode,
  rec: Recording,
  o: { bgpDownFor?: number; failOn?: RegExp } = {},
): StepContext {
  const nodes = plan.nodes.map((n) => n.name);
  const polls = { n: 0 };
  // The L2 holder: once it is stopped, the next node takes the lease and its gratuitous ARP moves the router's entry.
  const holder = { i: 0 };
  const host = (name: string): Host => ({
    name,
    async exec(command, options) {
      rec.events.push(`${name}: ${command}${options?.input !== undefined ? ` < ${digest(options.input)}` : ''}`);
      if (o.failOn?.test(command))
        return {
          stdout: 'Get "https://10.42.0.11:6443/": dial tcp 10.42.0.11:6443: connect: connection refused\n',
          stderr:
            'error: the server could not find the requested resource\nThe connection to the server 10.42.0.11:6443 was refused - did you specify the right host or port?',
          code: 1,
        };
      return answer(plan, name, command, { bgpDownFor: o.bgpDownFor ?? 0, polls, holder });
    },
  });
  const real = createApi({ endpoint: rec.fake.url, insecure: true, token: TOKEN });
  const api: ProxmoxApi = {
    call(name, path, params) {
      rec.events.push(
        `api: ${CALLS[name].method} ${CALLS[name].path}${query(params)}${path?.vmid ? ` @${path.vmid}` : ''}`,
      );
      if (name === 'vmStop') holder.i = 1;
      return real.call(name, path, params);
    },
  };
  const vmOf = (name: string) => allHosts(plan).find((h) => h.name === name)!;
  const secrets = { 'k3s-token': K3S_TOKEN, 'bgp-password': PASSWORD };
  const pinned = new Map<string, string>();
  return {
    plan,
    mode,
    requests: 6,
    api,
    local: host('local'),
    host: async (name) => {
      if (!pinned.has(name)) throw new Error(`${name} reached before its host key was pinned`);
      return host(name);
    },
    vm: (name) => ({ node: vmOf(name).proxmoxNode, vmid: vmOf(name).vmId }),
    secret: (name) => secrets[name],
    pinHostKey: (name, key) => void pinned.set(name, key),
    routerInterfaces: (interfaces) => void rec.routerInterfaces.push(...interfaces),
    saveState: () => {},
    verifyTarget: async () => ({
      kind: 'proxmox',
      timings: proxmoxTimings(plan),
      router: { host: host(plan.router.name), vtysh: 'sudo vtysh', lanIface: 'eth1' },
      nodeMacs: Object.fromEntries(nodes.map((n) => [macOf(plan, n), n])),
    }),
    note: () => {},
    results: { findings: [], failover: null },
  };
}
