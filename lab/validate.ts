// Rules that span several fields of lab.yaml. Each finding names the field, the value and the fix.
import type { FieldIssue } from './errors.ts';
import { durationMs } from './duration.ts';
import {
  type Cidr,
  contains,
  formatCidr,
  formatIp,
  isUsableHost,
  lastAddress,
  overlaps,
  parseCidr,
  parseIp,
  size,
} from './ipv4.ts';
import { FRR_MULTIPATH_MAX, MAX_NODES, PINS } from './pins.ts';
import type { LabConfig } from './schema.ts';

export function nodeCount(config: LabConfig): number {
  return config.kubernetes.controlPlanes + config.kubernetes.workers;
}

/** "1.20.0" → "1.20"; "v1.33.5+k3s1" → "1.33". */
export function minorOf(version: string): string {
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

/** Equal-cost paths the router installs for a service: one per node, up to bgp.maximumPaths and FRR's ceiling. */
export function ecmpPaths(config: LabConfig): number {
  return Math.min(nodeCount(config), config.bgp.maximumPaths ?? FRR_MULTIPATH_MAX);
}

const OVERLAP_FIX: Record<string, string> = {
  'l2.pool': 'pick a block inside the LAN that no other network uses',
  'router.wan.address': 'the LAN must be a network of its own: change network.cidr or the WAN address',
  'bgp.pool': 'pick a block routed only through the lab',
  'kubernetes.podCidr': 'cluster-internal networks must be used nowhere else: pick another private block',
  'kubernetes.serviceCidr': 'cluster-internal networks must be used nowhere else: pick another private block',
};

/** Where a suggested block is looked for, first the default, per field: the first that overlaps nothing is offered. */
const FREE_BLOCKS: Record<string, (i: number) => string> = {
  'bgp.pool': (i) => `172.31.${(42 + i) % 256}.0/28`,
  'kubernetes.podCidr': (i) => `10.${(244 + i) % 256}.0.0/16`,
  'kubernetes.serviceCidr': (i) => `10.${(96 + i) % 256}.0.0/16`,
};

function freeBlock(field: string, taken: readonly Cidr[]): string | undefined {
  const candidate = FREE_BLOCKS[field];
  if (!candidate) return undefined;
  for (let i = 0; i < 256; i++) {
    const text = candidate(i);
    if (!taken.some((t) => overlaps(t, parseCidr(text)))) return text;
  }
  return undefined;
}

/** The highest /28 (or smaller, for a small LAN) inside the LAN clear of its broadcast address and of every host. */
function freeL2Pool(lan: Cidr, hosts: readonly number[], taken: readonly Cidr[]): string | undefined {
  for (let prefix = Math.max(28, lan.prefix + 1); prefix <= 32; prefix++) {
    const step = 2 ** (32 - prefix);
    for (let network = lastAddress(lan) + 1 - 2 * step; network > lan.network; network -= step) {
      const pool = { network, prefix };
      if (!hosts.some((ip) => contains(pool, ip)) && !taken.some((t) => overlaps(t, pool))) return formatCidr(pool);
    }
  }
  return undefined;
}

const eg = (fix: string, example: string | number | undefined) =>
  example === undefined ? fix : `${fix}, e.g. ${example}`;

const issue = (path: string, value: unknown, problem: string, fix: string): FieldIssue => ({
  path,
  value,
  problem,
  fix,
});

/** What the rules read, worked out once from the config. */
interface Derived {
  readonly config: LabConfig;
  readonly lan: Cidr;
  readonly count: number;
  readonly routerIp: number;
  readonly nodeIps: readonly number[];
  readonly hostIps: readonly number[];
  /** Every network of the lab, by field; only the L2 pool lives inside the LAN, by design. */
  readonly networks: readonly (readonly [field: string, text: string])[];
  /** The networks a field's block must stay clear of. */
  othersThan(field: string): Cidr[];
  /** A free L2 pool to offer. */
  l2Example(): string | undefined;
  /** A router host clear of the nodes, and a first node host whose run of nodes fits beside the router. */
  readonly freeRouterHost: number | undefined;
  readonly freeFirstNode: number | undefined;
}

function derive(config: LabConfig): Derived {
  const lan = parseCidr(config.network.cidr);
  const count = nodeCount(config);
  const routerIp = lan.network + config.network.routerHost;
  const nodeIps = Array.from({ length: count }, (_, i) => lan.network + config.network.firstNodeHost + i);
  const hostIps = [routerIp, ...nodeIps];
  const networks: [string, string][] = [
    ['network.cidr', config.network.cidr],
    ['l2.pool', config.l2.pool],
    ...(config.router.wan.mode === 'static'
      ? [['router.wan.address', config.router.wan.address] as [string, string]]
      : []),
    ['bgp.pool', config.bgp.pool],
    ['kubernetes.podCidr', config.kubernetes.podCidr],
    ['kubernetes.serviceCidr', config.kubernetes.serviceCidr],
  ];
  const othersThan = (field: string) =>
    networks
      .filter(([f]) => f !== field && !(field === 'l2.pool' && f === 'network.cidr'))
      .map(([, t]) => parseCidr(t, false));
  const fits = (first: number) =>
    isUsableHost(lan, lan.network + first) &&
    isUsableHost(lan, lan.network + first + count - 1) &&
    (routerIp < lan.network + first || routerIp >= lan.network + first + count);
  return {
    config,
    lan,
    count,
    routerIp,
    nodeIps,
    hostIps,
    networks,
    othersThan,
    l2Example: () => freeL2Pool(lan, hostIps, othersThan('l2.pool')),
    freeRouterHost: [1, ...Array.from({ length: size(lan) - 2 }, (_, i) => i + 1)].find(
      (h) => isUsableHost(lan, lan.network + h) && !nodeIps.includes(lan.network + h),
    ),
    freeFirstNode: [11, config.network.routerHost + 1, 1].find(fits),
  };
}

type Rule = (d: Derived) => FieldIssue[];

const lanSize: Rule = ({ config, lan }) =>
  lan.prefix > 29
    ? [
        issue(
          'network.cidr',
          config.network.cidr,
          'LAN too small',
          eg('use a /24 (at most /29)', `${formatIp(lan.network - (lan.network % 256))}/24`),
        ),
      ]
    : [];

const routerHostUsable: Rule = ({ config, lan, routerIp, freeRouterHost }) =>
  isUsableHost(lan, routerIp)
    ? []
    : [
        issue(
          'network.routerHost',
          config.network.routerHost,
          `router address ${formatIp(routerIp)} is not a usable host of ${config.network.cidr}`,
          eg(`use a host number from 1 to ${size(lan) - 2}`, freeRouterHost),
        ),
      ];

const nodesInsideLan: Rule = ({ config, lan, count, nodeIps, freeFirstNode }) => {
  const lastNode = nodeIps.at(-1);
  return lastNode === undefined || isUsableHost(lan, lastNode)
    ? []
    : [
        issue(
          'network.firstNodeHost',
          config.network.firstNodeHost,
          `${count} nodes from host ${config.network.firstNodeHost} end at ${formatIp(lastNode)}, outside ${config.network.cidr}`,
          eg(`lower firstNodeHost to at most ${size(lan) - 1 - count} or widen network.cidr`, freeFirstNode),
        ),
      ];
};

const routerNotANode: Rule = ({ config, routerIp, nodeIps, freeRouterHost }) =>
  nodeIps.includes(routerIp)
    ? [
        issue(
          'network.routerHost',
          config.network.routerHost,
          `router address ${formatIp(routerIp)} is also a node address`,
          eg(`move routerHost below ${config.network.firstNodeHost} or firstNodeHost above it`, freeRouterHost),
        ),
      ]
    : [];

const l2PoolInLan: Rule = ({ config, lan, hostIps, l2Example }) => {
  const l2 = parseCidr(config.l2.pool);
  const pool = config.l2.pool;
  if (!contains(lan, l2.network) || !contains(lan, l2.network + size(l2) - 1))
    return [
      issue(
        'l2.pool',
        pool,
        `L2 pool is not inside the LAN ${config.network.cidr}`,
        eg('ARP only reaches the LAN: pick a block inside it, clear of the hosts', l2Example()),
      ),
    ];
  const clash = hostIps.find((ip) => contains(l2, ip));
  const edge = l2.network === lan.network || l2.network + size(l2) - 1 === lan.network + size(lan) - 1;
  return [
    ...(clash === undefined
      ? []
      : [
          issue(
            'l2.pool',
            pool,
            `L2 pool holds host address ${formatIp(clash)}`,
            eg('move the pool clear of the router and node addresses', l2Example()),
          ),
        ]),
    ...(edge
      ? [
          issue(
            'l2.pool',
            pool,
            `L2 pool includes the LAN's network or broadcast address`,
            eg('keep the pool strictly inside the LAN', l2Example()),
          ),
        ]
      : []),
  ];
};

const networksApart: Rule = ({ networks, othersThan, l2Example }) =>
  networks.flatMap(([field, text], j) => {
    const clash = networks
      .slice(0, j)
      .find(
        ([other, otherText]) =>
          !(other === 'network.cidr' && field === 'l2.pool') &&
          overlaps(parseCidr(text, false), parseCidr(otherText, false)),
      );
    return clash
      ? [
          issue(
            field,
            text,
            `overlaps ${clash[0]} (${clash[1]})`,
            eg(OVERLAP_FIX[field]!, field === 'l2.pool' ? l2Example() : freeBlock(field, othersThan(field))),
          ),
        ]
      : [];
  });

// k3s gives every node a /24 of the pod network (--node-cidr-mask-size 24).
const podRoom: Rule = ({ config, count }) => {
  const pods = parseCidr(config.kubernetes.podCidr);
  if (!(pods.prefix > 24 || 2 ** (24 - pods.prefix) < count)) return [];
  const prefix = Math.min(16, 24 - Math.ceil(Math.log2(Math.max(count, 1))));
  return [
    issue(
      'kubernetes.podCidr',
      config.kubernetes.podCidr,
      `room for ${pods.prefix > 24 ? 0 : 2 ** (24 - pods.prefix)} of the ${count} nodes' /24s`,
      eg(
        'k3s gives each node a /24: widen the pod network',
        `${formatIp(pods.network - (pods.network % 2 ** (32 - prefix)))}/${prefix}`,
      ),
    ),
  ];
};

// Kubernetes takes a service network of at most 2^20 addresses (/12); k3s puts CoreDNS on its 10th address.
const serviceSize: Rule = ({ config }) => {
  const services = parseCidr(config.kubernetes.serviceCidr);
  const field = 'kubernetes.serviceCidr';
  if (services.prefix < 12)
    return [
      issue(
        field,
        config.kubernetes.serviceCidr,
        'larger than Kubernetes allows (/12)',
        eg('use a /12 to /28', `${formatIp(services.network)}/16`),
      ),
    ];
  if (services.prefix > 28)
    return [
      issue(
        field,
        config.kubernetes.serviceCidr,
        'too small for the cluster DNS at its 10th address',
        eg('use a /12 to /28', `${formatIp(services.network - (services.network % 65536))}/16`),
      ),
    ];
  return [];
};

const nodeLimit: Rule = ({ config, count }) =>
  count > MAX_NODES
    ? [
        issue(
          'kubernetes.workers',
          config.kubernetes.workers,
          `${count} nodes in all, above ${MAX_NODES}`,
          eg(`a lab holds ${MAX_NODES} nodes: lower workers`, MAX_NODES - config.kubernetes.controlPlanes),
        ),
      ]
    : [];

const staticWan: Rule = ({ config }) => {
  const w = config.router.wan;
  if (w.mode !== 'static') return [];
  const wan = parseCidr(w.address, false);
  const wanIp = parseIp(w.address.split('/')[0]!);
  const gw = parseIp(w.gateway);
  const gwExample = formatIp(wan.network + (wanIp === wan.network + 1 ? 2 : 1));
  return [
    ...(isUsableHost(wan, wanIp)
      ? []
      : [
          issue(
            'router.wan.address',
            w.address,
            'not a usable host address',
            'avoid the network and broadcast addresses',
          ),
        ]),
    ...(!contains(wan, gw)
      ? [
          issue(
            'router.wan.gateway',
            w.gateway,
            `gateway is outside the WAN subnet ${formatCidr(wan)}`,
            eg('give the gateway of your home network', gwExample),
          ),
        ]
      : gw === wanIp
        ? [
            issue(
              'router.wan.gateway',
              w.gateway,
              'gateway equals the WAN address',
              eg('give the upstream router, not the lab router', gwExample),
            ),
          ]
        : []),
  ];
};

const bridgeNotUplink: Rule = ({ config }) =>
  config.proxmox.uplinkBridge === config.network.bridge
    ? [
        issue(
          'network.bridge',
          config.network.bridge,
          'lab bridge is the uplink bridge',
          eg('use a bridge of its own for the lab LAN', config.proxmox.uplinkBridge === 'vmbr42' ? 'vmbr43' : 'vmbr42'),
        ),
      ]
    : [];

const portsSpanNodes: Rule = ({ config }) =>
  config.proxmox.nodes.length > 1 && config.network.ports.length === 0
    ? [
        issue(
          'network.ports',
          config.network.ports,
          `VMs are spread over ${config.proxmox.nodes.length} Proxmox nodes but the lab bridge has no port`,
          eg(
            'a port-less bridge stays inside one node: give a NIC or VLAN interface that links the nodes, or list one Proxmox node',
            '[eno2]',
          ),
        ),
      ]
    : [];

const bridgesNotPorts: Rule = ({ config }) => {
  const bridges = [config.network.bridge, config.proxmox.uplinkBridge];
  const nics = [...new Set(config.network.ports.filter((x) => !bridges.includes(x)))].join(', ') || 'eno2';
  return config.network.ports
    .filter((p) => bridges.includes(p))
    .map((p) =>
      issue(
        'network.ports',
        p,
        'a bridge cannot be a port of the lab bridge',
        eg('name the NIC or VLAN interface that links the Proxmox nodes', `[${nics}]`),
      ),
    );
};

const once = (list: readonly string[]) => `[${[...new Set(list)].join(', ')}]`;

const listedOnce: Rule = ({ config }) => [
  ...dupes(config.proxmox.nodes).map((n) =>
    issue('proxmox.nodes', n, 'node listed twice', eg('list each Proxmox node once', once(config.proxmox.nodes))),
  ),
  ...dupes(config.network.ports).map((n) =>
    issue('network.ports', n, 'port listed twice', eg('list each port once', once(config.network.ports))),
  ),
  ...dupes(config.network.dns).map((d) =>
    issue('network.dns', d, 'server listed twice', eg('list each server once', once(config.network.dns))),
  ),
  // The same key with another comment is the same key: compare type and key material.
  ...dupes(config.ssh.authorizedKeys.map((k) => k.split(' ').slice(0, 2).join(' '))).map((k) =>
    issue('ssh.authorizedKeys', `${k.slice(0, 40)}…`, 'key listed twice', 'list each key once'),
  ),
];

const vmIdsFit: Rule = ({ config, count }) => {
  const lastId = config.proxmox.vmIdBase + count;
  return lastId > 999_999_999
    ? [issue('proxmox.vmIdBase', config.proxmox.vmIdBase, `VM IDs would run to ${lastId}`, eg('lower vmIdBase', 4200))]
    : [];
};

const ebgpAsns: Rule = ({ config }) =>
  config.bgp.routerAsn === config.bgp.nodeAsn
    ? [
        issue(
          'bgp.nodeAsn',
          config.bgp.nodeAsn,
          'nodes share the router ASN',
          eg(
            'the lab peers over eBGP: give router and nodes different ASNs',
            config.bgp.routerAsn === 65001 ? 65000 : 65001,
          ),
        ),
      ]
    : [];

const keepaliveThird: Rule = ({ config }) => {
  const { keepalive, hold } = config.bgp.timers;
  return keepalive * 3 > hold
    ? [
        issue(
          'bgp.timers.keepalive',
          keepalive,
          `keepalive is more than a third of hold (${hold} s)`,
          eg('use at most a third of hold, or raise hold', Math.floor(hold / 3)),
        ),
      ]
    : [];
};

// client-go's leader election (which Cilium's L2 announcer uses) refuses leaseDuration <= renewDeadline
// and renewDeadline <= JitterFactor (1.2) x retryPeriod (k8s.io/client-go tools/leaderelection NewLeaderElector).
const leaseOrder: Rule = ({ config }) => {
  const lease = config.l2.lease;
  const [d, r, p] = [durationMs(lease.duration), durationMs(lease.renewDeadline), durationMs(lease.retryPeriod)];
  const rFixed = d > r ? r : Math.floor(d / 2);
  const pFixed = rFixed > 1.2 * p ? p : Math.floor(rFixed / 3);
  const ms = (n: number) => (n >= 100 ? `${n}ms` : undefined);
  const rule = 'keep duration > renewDeadline > 1.2 × retryPeriod, as 3s > 1s > 200ms';
  return [
    ...(d > r
      ? []
      : [
          issue(
            'l2.lease.renewDeadline',
            lease.renewDeadline,
            `renewDeadline is not shorter than duration (${lease.duration})`,
            eg(rule, ms(rFixed)),
          ),
        ]),
    ...(r > 1.2 * p
      ? []
      : [
          issue(
            'l2.lease.retryPeriod',
            lease.retryPeriod,
            `renewDeadline (${lease.renewDeadline}) is not above 1.2 × retryPeriod`,
            eg(rule, ms(pFixed)),
          ),
        ]),
  ];
};

const maintainedCilium: Rule = ({ config }) => {
  const minor = minorOf(config.cilium.version);
  return (PINS.ciliumMinors as readonly string[]).includes(minor)
    ? []
    : [
        issue(
          'cilium.version',
          config.cilium.version,
          `Cilium ${minor} is not a maintained release (supported: ${PINS.ciliumMinors.join(', ')})`,
          `use a release of ${PINS.ciliumMinors.join(', ')}, e.g. ${PINS.cilium}`,
        ),
      ];
};

/** Every rule across fields, by name, in the order its findings are listed. */
export const CROSS_FIELD_RULES: Readonly<Record<string, Rule>> = {
  'the LAN holds the lab': lanSize,
  'the router is a host of the LAN': routerHostUsable,
  'the nodes are hosts of the LAN': nodesInsideLan,
  'the router is no node': routerNotANode,
  'the L2 pool is inside the LAN, clear of the hosts': l2PoolInLan,
  'the networks stand apart': networksApart,
  'the pod network has a /24 per node': podRoom,
  'the service network is /12 to /28': serviceSize,
  'at most MAX_NODES nodes': nodeLimit,
  'a static WAN address and gateway fit': staticWan,
  'the lab bridge is not the uplink': bridgeNotUplink,
  'a lab over several Proxmox nodes has a bridge port': portsSpanNodes,
  'no bridge is a port': bridgesNotPorts,
  'each list item once': listedOnce,
  'VM IDs fit': vmIdsFit,
  'router and nodes differ in ASN (eBGP)': ebgpAsns,
  'keepalive at most a third of hold': keepaliveThird,
  "the lease's durations as client-go wants them": leaseOrder,
  'a maintained Cilium minor': maintainedCilium,
};

export function crossFieldIssues(config: LabConfig): FieldIssue[] {
  const d = derive(config);
  return Object.values(CROSS_FIELD_RULES).flatMap((rule) => rule(d));
}

/** Items seen before, in one pass (validation stays linear in the size of the file). */
function dupes<T>(items: readonly T[]): T[] {
  const seen = new Set<T>();
  return items.filter((item) => seen.has(item) || !seen.add(item));
}
