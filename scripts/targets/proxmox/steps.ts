// The Proxmox run as an ordered list of steps: where each runs and the exact commands. The dry run
// prints this list; the real run executes the same list, so the two cannot disagree. Every step is
// idempotent: after Ctrl-C the same command resumes.
import type { LabPlan, Mode } from '../../../lab/plan.ts';
import { PINS } from '../../../lab/pins.ts';
import { BGP_SECRET_NAMESPACE, bgpSecretName, ciliumResources, l2LeaseName, type Manifest } from '../../../templates/cilium.ts';
import { DEMO, serviceIp } from '../../../templates/demo.ts';
import { frrApplyCommands } from '../../../templates/frr.ts';
import { k3sInstallPlan } from '../../../templates/k3s.ts';
import { quote, sh } from '../../hosts/shell.ts';
import { CALLS } from './calls.ts';

/** Local files a command reads from its standard input; secrets are named, never shown. */
export type Input = { readonly file: string } | { readonly secret: 'k3s-token' | 'bgp-password' };

export interface Command {
  readonly run: string;
  readonly input?: Input;
}

export interface Step {
  readonly id: string;
  readonly title: string;
  /** `local`, `proxmox-api`, or a lab host's name. */
  readonly where: string;
  readonly commands: readonly Command[];
}

export interface StepOptions {
  readonly failover: boolean;
  /** Where rendered files are, relative to the project (.lab/<name>/render/<mode>). */
  readonly renderDir: string;
  readonly stateDir: string;
}

const REMOTE = '~/lab';
const kubectl = 'sudo k3s kubectl';
const api = (name: keyof typeof CALLS, detail = '') => ({ run: `${CALLS[name].method} ${CALLS[name].path}${detail}` });

/** The other mode's Cilium resources, as kubectl names: a mode switch removes them. */
export function staleResources(plan: LabPlan, mode: Mode): string[] {
  const key = (m: Manifest) => `${m.kind.toLowerCase()}/${m.metadata.name}`;
  const current = new Set(ciliumResources(plan, mode).map(key));
  return ciliumResources(plan, mode === 'l2' ? 'bgp' : 'l2').map(key).filter((k) => !current.has(k));
}

export function proxmoxSteps(plan: LabPlan, mode: Mode, o: StepOptions): Step[] {
  const cp1 = plan.nodes[0]!.name;
  const router = plan.router.name;
  const other: Mode = mode === 'l2' ? 'bgp' : 'l2';
  const ip = serviceIp(plan, mode);
  const stacks = [plan.stacks.base, plan.stacks.vms];
  const file = (rel: string) => ({ file: `${o.renderDir}/${rel}` });
  const push = (rel: string, name = rel.split('/').pop()!) => ({ run: `mkdir -p ${REMOTE} && cat > ${REMOTE}/${quote(name)}`, input: file(rel) });
  const steps: Step[] = [
    {
      id: 'preflight',
      title: 'preflight: endpoint, TLS, token privileges, nodes, datastores, bridges, VM IDs, memory',
      where: 'proxmox-api',
      commands: [api('version'), api('permissions'), api('nodes'), api('resources', '?type=vm'), api('storage'), api('network')],
    },
    { id: 'render', title: `render the ${mode} files`, where: 'local', commands: [{ run: sh`npm run lab:render -- --mode ${mode} --out ${o.renderDir}` }] },
    {
      id: 'keys',
      title: "the lab's SSH key (injected into every VM by cloud-init)",
      where: 'local',
      commands: [{ run: sh`test -f ${`${o.stateDir}/ssh/id_ed25519`} || ssh-keygen -q -t ed25519 -N '' -f ${`${o.stateDir}/ssh/id_ed25519`}` }],
    },
    {
      id: 'deploy',
      title: 'deploy the stacks: lab bridge and cloud image, then router and node VMs',
      where: 'local',
      commands: [{ run: `npm run -s gen -- --if-missing && npx cdktf deploy --auto-approve --outputs-file ${quote(`${o.stateDir}/outputs.json`)} --outputs-file-include-sensitive-outputs=false ${stacks.map(quote).join(' ')}` }],
    },
    {
      id: 'hostkeys',
      title: 'pin SSH host keys, read through the guest agent (never trust on first use)',
      where: 'proxmox-api',
      commands: [router, ...plan.nodes.map((n) => n.name)].map((h) => api('agentFileRead', `?file=/etc/ssh/ssh_host_ed25519_key.pub  (${h})`)),
    },
    {
      id: 'cloud-init',
      title: 'wait for cloud-init on every VM (router first: the nodes are reached through it)',
      where: `${router}, ${plan.nodes.map((n) => n.name).join(', ')}`,
      commands: [{ run: 'cloud-init status --wait' }],
    },
    ...k3sInstallPlan(plan)
      .slice(0, -1)
      .map((s, i) => ({
        id: i === 0 ? 'k3s' : `k3s-${s.host.slice(plan.name.length + 1)}`,
        title: s.title,
        where: s.host,
        commands: [{ run: `systemctl is-active --quiet k3s k3s-agent || { IFS= read -r K3S_TOKEN; ${s.command}; }`, input: { secret: 'k3s-token' } as Input }],
      })),
    {
      id: 'kubeconfig',
      title: `kubeconfig to ${o.stateDir}/kubeconfig, server https://${plan.apiServer}:6443`,
      where: cp1,
      commands: [{ run: k3sInstallPlan(plan).at(-1)!.command }, { run: `${kubectl} get nodes -o name | wc -l   # ${plan.nodes.length} registered` }],
    },
    {
      id: 'tools',
      title: `helm ${PINS.helm} and cilium CLI ${PINS.ciliumCli} on ${cp1}`,
      where: cp1,
      commands: [
        { run: `command -v helm || curl -fsSL https://get.helm.sh/helm-${PINS.helm}-linux-amd64.tar.gz | sudo tar -xz -C /usr/local/bin --strip-components=1 linux-amd64/helm` },
        { run: `command -v cilium || curl -fsSL https://github.com/cilium/cilium-cli/releases/download/${PINS.ciliumCli}/cilium-linux-amd64.tar.gz | sudo tar -xz -C /usr/local/bin cilium` },
      ],
    },
    {
      id: 'push',
      title: 'push the rendered Cilium values, resources and demo',
      where: cp1,
      commands: [push('cilium/values.yaml'), push('cilium/resources.yaml'), push('demo/echo.yaml')],
    },
    {
      id: 'cilium',
      title: `Cilium ${plan.config.cilium.version} (${mode} mode): helm upgrade --install, then wait for agents and operator`,
      where: cp1,
      commands: [
        { run: sh`sudo helm --kubeconfig /etc/rancher/k3s/k3s.yaml repo add cilium ${PINS.ciliumChartRepo} --force-update` },
        { run: `sudo helm --kubeconfig /etc/rancher/k3s/k3s.yaml upgrade --install cilium cilium/cilium --version ${quote(plan.config.cilium.version)} --namespace kube-system --values ${REMOTE}/values.yaml --wait --timeout 10m` },
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
            commands: [{ run: `${kubectl} -n ${BGP_SECRET_NAMESPACE} create secret generic ${quote(bgpSecretName(plan))} --from-file=password=/dev/stdin --dry-run=client -o yaml | ${kubectl} apply -f -`, input: { secret: 'bgp-password' } as Input }],
          },
        ]
      : []),
    {
      id: 'resources',
      title: `${mode === 'l2' ? 'LB pool and L2 announcement policy' : 'LB pool and BGP peering'}; the ${other} ones removed (mode switch)`,
      where: cp1,
      commands: [{ run: `${kubectl} delete ${staleResources(plan, mode).map(quote).join(' ')} --ignore-not-found` }, { run: `${kubectl} apply -f ${REMOTE}/resources.yaml` }],
    },
    {
      id: 'router',
      title: mode === 'bgp' ? 'router: the BGP frr.conf, bgpd on, FRR restarted' : 'router: frr.conf without BGP (the router needs no configuration)',
      where: router,
      commands: [{ run: 'sudo install -o frr -g frr -m 0640 /dev/stdin /etc/frr/frr.conf', input: file('router/frr.conf') }, ...frrApplyCommands(mode).map((c) => ({ run: `sudo ${c}` }))],
    },
    {
      id: 'demo',
      title: `demo echo service at ${ip}:${DEMO.port}`,
      where: cp1,
      commands: [
        { run: `${kubectl} -n ${quote(DEMO.namespace)} delete ${quote(`${mode === 'bgp' ? 'deployment' : 'daemonset'}/${DEMO.name}`)} --ignore-not-found` },
        { run: `${kubectl} apply -f ${REMOTE}/echo.yaml` },
        { run: `${kubectl} -n ${quote(DEMO.namespace)} rollout status ${quote(`${mode === 'bgp' ? 'daemonset' : 'deployment'}/${DEMO.name}`)} --timeout=5m` },
      ],
    },
    {
      id: 'verify',
      title: `verify from the router: 300 requests to ${ip}; ${mode === 'l2' ? 'neighbour entry = the holder' : 'every peer Established, one nexthop per node'}`,
      where: router,
      commands: [
        { run: `curl -s --max-time 2 ${quote(`http://${ip}:${DEMO.port}/`)}   (× 300, a new connection each)` },
        mode === 'l2' ? { run: sh`ip -j neigh show to ${ip} dev eth1` } : { run: "sudo vtysh -c 'show bgp ipv4 unicast summary json'" },
        ...(mode === 'bgp' ? [{ run: sh`ip -j route show ${ip}` }] : []),
      ],
    },
    {
      id: 'kubernetes-view',
      title: mode === 'l2' ? `Kubernetes view: the holder of lease ${l2LeaseName(DEMO.namespace, DEMO.name)} is the node whose MAC the router holds` : 'Kubernetes view: cilium bgp peers, every session established',
      where: cp1,
      commands: [
        mode === 'l2'
          ? { run: `${kubectl} -n kube-system get lease ${quote(l2LeaseName(DEMO.namespace, DEMO.name))} -o jsonpath='{.spec.holderIdentity}'` }
          : { run: 'sudo cilium --kubeconfig /etc/rancher/k3s/k3s.yaml bgp peers' },
      ],
    },
  ];
  if (o.failover) {
    steps.push({
      id: 'failover',
      title: `failover: stop ${mode === 'l2' ? 'the L2 holder' : plan.nodes.at(-1)!.name} through the Proxmox API, probe every 100 ms from the router, start it again`,
      where: 'proxmox-api',
      commands: [api('vmStop', mode === 'l2' ? '  (the holder)' : `  (${plan.nodes.at(-1)!.vmId})`), { run: `curl every 100 ms on ${router}` }, api('vmStart')],
    });
  }
  return steps;
}

function describeInput(input: Input): string {
  return 'file' in input ? ` < ${input.file}` : ` < (${input.secret === 'k3s-token' ? 'the k3s token' : 'the BGP password'}, not shown)`;
}

export function formatSteps(steps: readonly Step[]): string {
  return steps
    .map((s, i) => [`${String(i + 1).padStart(2)}. ${s.title}`, `    on ${s.where}`, ...s.commands.map((c) => `    $ ${c.run}${c.input ? describeInput(c.input) : ''}`)].join('\n'))
    .join('\n\n');
}
