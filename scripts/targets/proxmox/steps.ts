// The Proxmox run as an ordered list of steps: where each runs, the exact commands, and how it
// executes (shell on lab hosts, a local command, API calls, or a named action with the typed step
// context). The dry run prints this list; the executor (run.ts) is a loop over the same list, and a
// test runs it against recording hosts and API to prove that what runs is what is printed. Every step
// is idempotent: after Ctrl-C the same command resumes.
import { allHosts, type LabPlan, type Mode, usedProxmoxNodes } from '../../../lab/plan.ts';
import { PINS } from '../../../lab/pins.ts';
import {
  BGP_SECRET_NAMESPACE,
  bgpSecretName,
  ciliumResources,
  l2LeaseName,
  type Manifest,
} from '../../../templates/cilium.ts';
import { DEMO, serviceIp } from '../../../templates/demo.ts';
import { frrApplyCommands } from '../../../templates/frr.ts';
import { k3sInstallPlan } from '../../../templates/k3s.ts';
import { failoverProbe, timedProbeLoop } from '../../verify/failover.ts';
import { arpCommand, bgpSummaryCommand, routeCommand } from '../../verify/router.ts';
import { probeLoop } from '../../verify/traffic.ts';
import { announcementCommands, frrDaemonsCommand } from '../../verify/verify.ts';
import { giveUpMs } from '../../verify/bounds.ts';
import {
  converge,
  HOST_KEY_FILE,
  outputs,
  runFailoverStep,
  runPreflight,
  runVerify,
  TERRAFORM_VERSION,
} from './actions.ts';
import { type CallName, CALLS } from './calls.ts';
import type { StepContext } from './context.ts';
import type { Input, PrintedCommand, PrintedStep } from '../steps.ts';
import { quote, sh } from '../../../templates/shell.ts';
import { AGENT_WAIT_MS, CONVERGE_MS, NODES_REGISTER_S, proxmoxTimings } from './timings.ts';

export interface ApiCall {
  readonly call: CallName;
  /** The lab host whose VM fills {node} and {vmid}. */
  readonly vm?: string;
  readonly params?: Readonly<Record<string, string>>;
}

export interface StepCommand extends PrintedCommand {
  readonly api?: ApiCall;
  /** The host it runs on, in a step that spans several (actions). */
  readonly on?: string;
  /** Its output holds a secret (the kubeconfig): kept out of the step log. */
  readonly secretOutput?: boolean;
  /** What the run does with its output (an API call's: the JSON answer). */
  readonly then?: (out: string, ctx: StepContext) => void | Promise<void>;
}

export type Exec =
  /** Every command on each host, hosts in order. */
  | { readonly kind: 'shell'; readonly hosts: readonly string[] }
  | { readonly kind: 'local' }
  /** Every command an API call; with `waitMs`, each is retried until it answers, that long from the step's start. */
  | { readonly kind: 'api'; readonly waitMs?: number; readonly unanswered?: string }
  /** A named action: it runs the commands listed (the test holds it to them). */
  | { readonly kind: 'action'; readonly name: string; readonly run: (ctx: StepContext) => Promise<void> };

export interface Step extends PrintedStep {
  readonly exec: Exec;
  readonly commands: readonly StepCommand[];
}

export interface StepOptions {
  readonly failover: boolean;
  /** --failover-node, already resolved to a node name. */
  readonly failoverNode?: string;
  /** Where rendered files are, relative to the project (.lab/<name>/render/<mode>). */
  readonly renderDir: string;
  readonly stateDir: string;
  /** HTTP requests of the verification. */
  readonly requests: number;
}

const REMOTE = '~/lab';
const kubectl = 'sudo k3s kubectl';
/**
 * Lists the registered nodes once every node of the plan is among them, or after NODES_REGISTER_S: k3s
 * signals ready before its kubelet has registered the Node (k3s-io/k3s pkg/cli/server/server.go), so a
 * count right after the last join can come up short. The action names what is missing.
 */
export function nodesRegisteredCommand(plan: LabPlan): string {
  const want = plan.nodes.map((n) => quote(`node/${n.name}`)).join(' ');
  // Bounded by a count of 2 s pauses, so it ends even where the clock or a tool misbehaves.
  return [
    `i=0; while :; do names=$(${kubectl} get nodes -o name); missing=0;`,
    `for n in ${want}; do printf '%s\n' "$names" | grep -qx "$n" || missing=1; done;`,
    `if [ $missing = 0 ] || [ $i -ge ${NODES_REGISTER_S / 2} ]; then break; fi; i=$((i+1)); sleep 2; done; printf '%s\n' "$names"`,
  ].join(' ');
}
const VTYSH = 'sudo vtysh';
const LAN_IFACE = 'eth1';
/** An API call as the dry run prints it: METHOD /path?params  (note). */
/** An API call as the step list prints it: `at` fills {node} and {vmid} where the plan knows them. */
const api = (
  name: CallName,
  call: Omit<ApiCall, 'call'> = {},
  note?: string,
  at: Readonly<Record<string, string | number>> = {},
): StepCommand => ({
  run: `${CALLS[name].method} ${CALLS[name].path.replace(/\{(\w+)\}/g, (whole, k: string) => String(at[k] ?? whole))}${
    call.params
      ? `?${Object.entries(call.params)
          .map(([k, v]) => `${k}=${v}`)
          .join('&')}`
      : ''
  }${note ? `  (${note})` : ''}`,
  api: { call: name, ...call },
});
const shell = (...hosts: string[]): Exec => ({ kind: 'shell', hosts });
const action = (name: string, run: (ctx: StepContext) => Promise<void>): Exec => ({ kind: 'action', name, run });

/** The CRD that serves a Cilium kind (CiliumL2AnnouncementPolicy → ciliuml2announcementpolicies.cilium.io). */
export function crdName(kind: string): string {
  const k = kind.toLowerCase();
  return `${k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`}.cilium.io`;
}

/** The other mode's Cilium resources, as kubectl names: a mode switch removes them. */
export function staleResources(plan: LabPlan, mode: Mode): string[] {
  const key = (m: Manifest) => `${m.kind.toLowerCase()}/${m.metadata.name}`;
  const current = new Set(ciliumResources(plan, mode).map(key));
  return ciliumResources(plan, mode === 'l2' ? 'bgp' : 'l2')
    .map(key)
    .filter((k) => !current.has(k));
}

/**
 * Removing the other mode's resources, kind by kind, only where the kind's CRD exists: Cilium registers
 * the BGP CRDs only with bgpControlPlane.enabled, and kubectl delete fails on a kind the server does not
 * know, --ignore-not-found or not. A failing `get crd` (API down) still fails the step.
 */
export function staleDeletes(plan: LabPlan, mode: Mode): string[] {
  const byKind = new Map<string, string[]>();
  for (const r of staleResources(plan, mode))
    byKind.set(r.split('/')[0]!, [...(byKind.get(r.split('/')[0]!) ?? []), r]);
  const kinds = Object.fromEntries(
    ciliumResources(plan, mode === 'l2' ? 'bgp' : 'l2').map((m) => [m.kind.toLowerCase(), m.kind]),
  );
  return [...byKind].map(
    ([kind, names]) =>
      `crd=$(${kubectl} get crd ${crdName(kinds[kind]!)} --ignore-not-found -o name) && { [ -z "$crd" ] || ${kubectl} delete ${names.join(' ')} --ignore-not-found; }`,
  );
}

/**
 * Installs a release's binary unless it is there: the archive and the checksum file its release publishes
 * beside it (`ARCHIVE.sha256sum`, `HASH  ARCHIVE`: helm's Makefile `checksum` target, cilium-cli's
 * release assets) are downloaded, and `sha256sum --check` must pass before anything is unpacked.
 */
function verifiedTool(bin: string, url: string, members: string): string {
  const file = url.split('/').pop()!;
  return [
    `command -v ${bin} || ( set -e; cd "$(mktemp -d)";`,
    `curl -fsSLO ${quote(url)}; curl -fsSLO ${quote(`${url}.sha256sum`)};`,
    `sha256sum --check --strict ${quote(`${file}.sha256sum`)};`,
    `sudo tar -xzf ${quote(file)} -C /usr/local/bin ${members} )`,
  ].join(' ');
}

/** Where a lab host's VM is, as the plan puts it: what {node} and {vmid} are for its calls. */
const vmOf = (plan: LabPlan, name: string) => {
  const h = allHosts(plan).find((x) => x.name === name)!;
  return { node: h.proxmoxNode, vmid: h.vmId };
};

/** What every phase's steps are built from, worked out once. */
interface Run {
  readonly plan: LabPlan;
  readonly mode: Mode;
  readonly options: StepOptions;
  readonly cp1: string;
  readonly router: string;
  /** The router first: the nodes are reached through it. */
  readonly vms: readonly string[];
  readonly ip: string;
  vmAt(name: string): { readonly node: string; readonly vmid: number };
  /** A rendered file, as a command's standard input. */
  file(rel: string): Input;
}

function runOf(plan: LabPlan, mode: Mode, options: StepOptions): Run {
  return {
    plan,
    mode,
    options,
    cp1: plan.nodes[0]!.name,
    router: plan.router.name,
    vms: [plan.router.name, ...plan.nodes.map((n) => n.name)],
    ip: serviceIp(plan, mode),
    vmAt: (name) => vmOf(plan, name),
    file: (rel) => ({ file: `${options.renderDir}/${rel}` }),
  };
}

/** The VMs: preflight, the files and the key, the stacks deployed, host keys pinned, cloud-init done. */
function machineSteps(r: Run): Step[] {
  const { plan, mode, options, vms, vmAt } = r;
  const stacks = [plan.stacks.base, plan.stacks.vms];
  const proxmoxNodes = usedProxmoxNodes(plan);
  return [
    {
      id: 'preflight',
      title: 'preflight: Terraform here; endpoint, TLS, token privileges, nodes, datastores, bridges, VM IDs, memory',
      where: 'proxmox-api',
      exec: action('preflight', runPreflight),
      commands: [
        { run: TERRAFORM_VERSION, on: 'local' },
        api('version'),
        api('permissions'),
        api('nodes'),
        api('resources', { params: { type: 'vm' } }),
        ...proxmoxNodes.flatMap((node) => [
          api('storage', {}, undefined, { node }),
          api('network', {}, undefined, { node }),
        ]),
      ],
    },
    {
      id: 'render',
      title: `render the ${mode} files`,
      where: 'local',
      exec: { kind: 'local' },
      commands: [{ run: sh`npm run lab:render -- --mode ${mode} --out ${options.renderDir}` }],
    },
    {
      id: 'keys',
      title: "the lab's SSH key (injected into every VM by cloud-init)",
      where: 'local',
      exec: { kind: 'local' },
      commands: [
        {
          run: sh`mkdir -p -m 0700 ${`${options.stateDir}/ssh`} && { test -f ${`${options.stateDir}/ssh/id_ed25519`} || ssh-keygen -q -t ed25519 -N '' -f ${`${options.stateDir}/ssh/id_ed25519`}; }`,
        },
      ],
    },
    {
      id: 'deploy',
      title: 'deploy the stacks: lab bridge and cloud image, then router and node VMs',
      where: 'local',
      exec: { kind: 'local' },
      commands: [
        {
          run: `npm run -s gen -- --if-missing && npx cdktf deploy --auto-approve --outputs-file ${quote(`${options.stateDir}/outputs.json`)} --outputs-file-include-sensitive-outputs=false ${stacks.map(quote).join(' ')}`,
        },
      ],
    },
    {
      id: 'hostkeys',
      title: 'pin SSH host keys, read through the guest agent (never trust on first use)',
      where: 'proxmox-api',
      exec: {
        kind: 'api',
        waitMs: AGENT_WAIT_MS,
        unanswered:
          'its guest agent is not running. Likely cause: the VM could not install qemu-guest-agent at first boot (the nodes reach the packages only through the router, whose NAT must be up first). Look at the VM console in Proxmox (cloud-init output), or run `qm guest cmd VMID ping` on the Proxmox node',
      },
      commands: [
        // The router's WAN address, where its host key is pinned, from its agent: the deploy's outputs
        // lack it when the agent answered after the provider stopped waiting for it.
        ...(plan.config.router.wan.mode === 'dhcp'
          ? [
              {
                ...api(
                  'agentNetwork',
                  { vm: plan.router.name },
                  `${plan.router.name}: its WAN address`,
                  vmAt(plan.router.name),
                ),
                then: outputs.routerInterfaces,
              },
            ]
          : []),
        ...vms.map((h) => ({
          ...api('agentFileRead', { vm: h, params: { file: HOST_KEY_FILE } }, h, vmAt(h)),
          then: outputs.hostKey(h),
        })),
      ],
    },
    {
      id: 'cloud-init',
      title: 'wait for cloud-init on every VM (router first: the nodes are reached through it)',
      where: vms.join(', '),
      exec: shell(...vms),
      commands: [{ run: 'cloud-init status --wait' }],
    },
  ];
}
/** k3s on every node, the kubeconfig, helm and the cilium CLI. */
function kubernetesSteps(r: Run): Step[] {
  const { plan, options, cp1 } = r;
  return [
    ...k3sInstallPlan(plan)
      .slice(0, -1)
      .map((s, i): Step => ({
        id: i === 0 ? 'k3s' : `k3s-${s.host.slice(plan.name.length + 1)}`,
        title: s.title,
        where: s.host,
        exec: shell(s.host),
        commands: [
          {
            run: `systemctl is-active --quiet k3s k3s-agent || { IFS= read -r K3S_TOKEN; ${s.command}; }`,
            input: { secret: 'k3s-token' },
          },
        ],
      })),
    {
      id: 'kubeconfig',
      title: `kubeconfig to ${options.stateDir}/kubeconfig, server https://${plan.apiServer}:6443`,
      where: cp1,
      exec: shell(cp1),
      commands: [
        { run: k3sInstallPlan(plan).at(-1)!.command, secretOutput: true, then: outputs.kubeconfig },
        { run: nodesRegisteredCommand(plan), then: outputs.nodesRegistered },
      ],
    },
    {
      id: 'tools',
      title: `helm ${PINS.helm} and cilium CLI ${PINS.ciliumCli} on ${cp1}`,
      where: cp1,
      exec: shell(cp1),
      commands: [
        {
          run: verifiedTool(
            'helm',
            `https://get.helm.sh/helm-${PINS.helm}-linux-amd64.tar.gz`,
            '--strip-components=1 linux-amd64/helm',
          ),
        },
        {
          run: verifiedTool(
            'cilium',
            `https://github.com/cilium/cilium-cli/releases/download/${PINS.ciliumCli}/cilium-linux-amd64.tar.gz`,
            'cilium',
          ),
        },
      ],
    },
  ];
}
/** Cilium in the mode: its values, the BGP password Secret, the mode's resources (the other mode's removed). */
function ciliumSteps(r: Run): Step[] {
  const { plan, mode, cp1, file } = r;
  const other: Mode = mode === 'l2' ? 'bgp' : 'l2';
  const push = (rel: string, name = rel.split('/').pop()!): StepCommand => ({
    run: `mkdir -p ${REMOTE} && cat > ${REMOTE}/${quote(name)}`,
    input: file(rel),
  });
  const crds = ciliumResources(plan, mode).map((m) => `crd/${crdName(m.kind)}`);
  return [
    {
      id: 'push',
      title: 'push the rendered Cilium values, resources and demo',
      where: cp1,
      exec: shell(cp1),
      commands: [push('cilium/values.yaml'), push('cilium/resources.yaml'), push('demo/echo.yaml')],
    },
    {
      id: 'cilium',
      title: `Cilium ${plan.config.cilium.version} (${mode} mode): helm upgrade --install, then restart and wait for agents and operator`,
      where: cp1,
      exec: shell(cp1),
      commands: [
        {
          run: sh`sudo helm --kubeconfig /etc/rancher/k3s/k3s.yaml repo add cilium ${PINS.ciliumChartRepo} --force-update`,
        },
        {
          run: `sudo helm --kubeconfig /etc/rancher/k3s/k3s.yaml upgrade --install cilium cilium/cilium --version ${quote(plan.config.cilium.version)} --namespace kube-system --values ${REMOTE}/values.yaml --wait --timeout 10m`,
        },
        // New values change only the ConfigMap (rollOutCiliumPods, operator.rollOutPods default false), and
        // agent and operator read L2/BGP settings at start: restart both, or a mode switch never happens.
        { run: `${kubectl} -n kube-system rollout restart daemonset/cilium deployment/cilium-operator` },
        { run: `${kubectl} -n kube-system rollout status daemonset/cilium --timeout=10m` },
        { run: `${kubectl} -n kube-system rollout status deployment/cilium-operator --timeout=10m` },
        { run: 'sudo cilium --kubeconfig /etc/rancher/k3s/k3s.yaml status --wait --wait-duration 10m' },
        { run: `${kubectl} wait --for=condition=Ready node --all --timeout=5m` },
      ],
    },
    ...(mode === 'bgp' && plan.config.bgp.passwordEnv
      ? [
          {
            id: 'bgp-secret',
            title: `BGP password Secret ${bgpSecretName(plan)} from $${plan.config.bgp.passwordEnv} (standard input, never a command line)`,
            where: cp1,
            exec: shell(cp1),
            commands: [
              // Server-side apply with a field manager of our own: a client-side apply would copy the whole
              // Secret, password included, into its last-applied-configuration annotation (kubectl
              // pkg/cmd/apply/apply.go); the annotate drops one an earlier client-side apply left.
              {
                run: `${kubectl} -n ${BGP_SECRET_NAMESPACE} create secret generic ${quote(bgpSecretName(plan))} --from-file=password=/dev/stdin --dry-run=client -o yaml | ${kubectl} apply --server-side --field-manager=proxmox-cilium-lab -f -`,
                input: { secret: 'bgp-password' } as Input,
              },
              {
                run: `${kubectl} -n ${BGP_SECRET_NAMESPACE} annotate secret ${quote(bgpSecretName(plan))} kubectl.kubernetes.io/last-applied-configuration-`,
              },
            ],
          },
        ]
      : []),
    {
      id: 'resources',
      title: `${mode === 'l2' ? 'LB pool and L2 announcement policy' : 'LB pool and BGP peering'}; the ${other} ones removed (mode switch)`,
      where: cp1,
      exec: shell(cp1),
      commands: [
        ...staleDeletes(plan, mode).map((run) => ({ run })),
        // The operator registers the CRDs as it starts: apply only once the API server serves them. A wait
        // for a condition fails at once on a CRD that does not exist yet (kubernetes/kubernetes#83242):
        // wait for it to be created first (kubectl wait --for=create, pkg/cmd/wait/wait.go, in k3s 1.33's kubectl).
        { run: `${kubectl} wait --for=create ${[...new Set(crds)].join(' ')} --timeout=5m` },
        { run: `${kubectl} wait --for=condition=Established ${[...new Set(crds)].join(' ')} --timeout=5m` },
        { run: `${kubectl} apply -f ${REMOTE}/resources.yaml` },
      ],
    },
  ];
}
/** The router's FRR for the mode, and the demo service. */
function serviceSteps(r: Run): Step[] {
  const { mode, cp1, router, ip, file } = r;
  return [
    {
      id: 'router',
      title:
        mode === 'bgp'
          ? 'router: the BGP frr.conf, bgpd on, FRR restarted'
          : 'router: frr.conf without BGP (the router needs no configuration)',
      where: router,
      exec: shell(router),
      commands: [
        { run: 'sudo install -o frr -g frr -m 0640 /dev/stdin /etc/frr/frr.conf', input: file('router/frr.conf') },
        ...frrApplyCommands(mode).map((c) => ({ run: `sudo ${c}` })),
      ],
    },
    {
      id: 'demo',
      title: `demo echo service at ${ip}:${DEMO.port}`,
      where: cp1,
      exec: shell(cp1),
      commands: [
        {
          run: `${kubectl} -n ${quote(DEMO.namespace)} delete ${quote(`${mode === 'bgp' ? 'deployment' : 'daemonset'}/${DEMO.name}`)} --ignore-not-found`,
        },
        { run: `${kubectl} apply -f ${REMOTE}/echo.yaml` },
        {
          run: `${kubectl} -n ${quote(DEMO.namespace)} rollout status ${quote(`${mode === 'bgp' ? 'daemonset' : 'deployment'}/${DEMO.name}`)} --timeout=5m`,
        },
      ],
    },
  ];
}
/** The announcement awaited, the verification from the router, and Kubernetes' own view. */
function checkSteps(r: Run): Step[] {
  const { plan, mode, options, cp1, router, ip } = r;
  return [
    {
      id: 'converge',
      title:
        mode === 'bgp'
          ? 'wait for BGP: every session Established, one nexthop per node (FRR was restarted)'
          : `wait for the announcement: ${ip} answers from the router`,
      where: router,
      exec: action('converge', converge),
      commands: announcementCommands(plan, mode, VTYSH).map((run) => ({ run })),
      until: `${mode === 'bgp' ? `${plan.nodes.length} sessions Established and ${plan.nodes.length} nexthops` : 'the service answers'}, at most ${CONVERGE_MS[mode] / 1000} s`,
    },
    {
      id: 'verify',
      title: `verify from the router: ${options.requests} requests to ${ip}; ${mode === 'l2' ? 'neighbour entry = the holder' : 'every peer Established, one nexthop per node'}`,
      where: router,
      exec: action('verify', runVerify),
      commands: [
        { run: probeLoop(ip, DEMO.port, options.requests, giveUpMs(plan, mode)) },
        ...(mode === 'l2'
          ? [{ run: arpCommand(ip, LAN_IFACE) }]
          : [{ run: bgpSummaryCommand(VTYSH) }, { run: routeCommand(ip) }]),
        { run: frrDaemonsCommand(VTYSH) },
      ],
    },
    {
      id: 'kubernetes-view',
      title:
        mode === 'l2'
          ? `Kubernetes view: the holder of lease ${l2LeaseName(DEMO.namespace, DEMO.name)} is the node whose MAC the router holds`
          : 'Kubernetes view: cilium bgp peers, every session established',
      where: cp1,
      exec: shell(cp1),
      commands: [
        mode === 'l2'
          ? {
              run: `${kubectl} -n kube-system get lease ${quote(l2LeaseName(DEMO.namespace, DEMO.name))} -o jsonpath='{.spec.holderIdentity}'`,
              then: outputs.leaseHolder,
            }
          : { run: 'sudo cilium --kubeconfig /etc/rancher/k3s/k3s.yaml bgp peers', then: outputs.bgpPeers },
      ],
    },
  ];
}
/** --failover: a node stopped through the API while the router probes, started again after. */
function failoverSteps(r: Run): Step[] {
  const { plan, mode, options, router, ip, vmAt } = r;
  if (!options.failover) return [];
  const victim =
    plan.nodes.find((n) => n.name === options.failoverNode) ?? (mode === 'bgp' ? plan.nodes.at(-1) : undefined);
  return [
    {
      id: 'failover',
      title: `failover: stop ${victim?.name ?? 'the L2 holder'} through the Proxmox API, probe every 100 ms from the router, start it again`,
      where: `${router}, proxmox-api`,
      exec: action('failover', (ctx) => runFailoverStep(ctx, options.failoverNode)),
      commands: [
        // L2 without --failover-node: the holder is known only then, from the router's ARP entry.
        ...(victim ? [] : [{ run: arpCommand(ip, LAN_IFACE), on: router }]),
        { run: timedProbeLoop(failoverProbe(plan, mode, proxmoxTimings(plan), ip)), on: router },
        victim ? api('vmStop', { vm: victim.name }, victim.name, vmAt(victim.name)) : api('vmStop', {}, 'the holder'),
        // L2: the node the router sends to afterwards, from its ARP entry (the echo names the backend).
        ...(mode === 'l2' ? [{ run: arpCommand(ip, LAN_IFACE), on: router }] : []),
        victim ? api('vmStart', { vm: victim.name }, victim.name, vmAt(victim.name)) : api('vmStart', {}, 'the holder'),
      ],
    },
  ];
}

export function proxmoxSteps(plan: LabPlan, mode: Mode, options: StepOptions): Step[] {
  const r = runOf(plan, mode, options);
  return [machineSteps, kubernetesSteps, ciliumSteps, serviceSteps, checkSteps, failoverSteps].flatMap((phase) =>
    phase(r),
  );
}
