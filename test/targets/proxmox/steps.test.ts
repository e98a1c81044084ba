import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODES } from '../../../lab/plan.ts';
import { crdName, proxmoxSteps, staleDeletes, staleResources } from '../../../scripts/targets/proxmox/steps.ts';
import { formatSteps } from '../../../scripts/targets/steps.ts';
import { ciliumResources } from '../../../templates/cilium.ts';
import { parse } from 'yaml';
import { runScript } from '../../helpers/cli.ts';
import { dryRunHeader, resourceLines, unsetVariables } from '../../../scripts/targets/proxmox/dry-run.ts';
import { labPlan } from '../../helpers/labs.ts';
import { ROOT, sharedFile } from '../../helpers/shared.ts';

const snapshot = () =>
  existsSync(resolve(ROOT, '.lab')) ? readdirSync(resolve(ROOT, '.lab'), { recursive: true }).map(String).sort() : [];
const dryRun = (...args: string[]) =>
  runScript('scripts/lab.ts', ['--target', 'proxmox', '--dry-run', '--config', 'lab.example.yaml', ...args], {
    // The variables the run reads, unset whatever this machine has: the golden names them.
    env: Object.fromEntries(
      ['API_TOKEN', 'SSH_USERNAME', 'SSH_AGENT', 'SSH_PRIVATE_KEY', 'SSH_PASSWORD'].map((v) => [`PROXMOX_VE_${v}`, '']),
    ),
  });

describe.each(MODES)('the Proxmox dry run of the example lab, %s mode', (mode) => {
  it('should print the whole ordered plan, matching the golden file, touching nothing', () => {
    const before = snapshot();
    const r = dryRun('--mode', mode, '--failover');
    expect(r.status, r.stderr).toBe(0);
    expect(snapshot()).toEqual(before);
    const golden = resolve(ROOT, `test/fixtures/golden/dry-run-${mode}.txt`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, r.stdout);
    expect(r.stdout).toBe(readFileSync(golden, 'utf8'));
  });
});

// What the dry run states before its steps (issue 18, a user's first run): the resources per Proxmox node
// and the variables still unset, by name only.
describe('the dry run header', () => {
  const plan = labPlan({ bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } });
  it('should total the VMs per Proxmox node, as the example lab sizes them', () => {
    expect(resourceLines(plan)).toEqual([
      'On pve: 4 VMs (4200, 4201, 4202, 4203), 7 vCPUs, 13 GiB memory, 104 GiB disk.',
    ]);
    // Spread over two nodes in turn, the router on the first (lab.example.yaml, proxmox.nodes).
    const two = labPlan({ proxmox: { nodes: ['pve', 'pve2'] }, network: { ports: ['eno2'] } });
    expect(resourceLines(two)).toEqual([
      'On pve: 2 VMs (4200, 4202), 3 vCPUs, 5 GiB memory, 40 GiB disk.',
      'On pve2: 2 VMs (4201, 4203), 4 vCPUs, 8 GiB memory, 64 GiB disk.',
    ]);
  });
  it.each([
    [
      {},
      'l2',
      [
        'PROXMOX_VE_API_TOKEN',
        'PROXMOX_VE_SSH_USERNAME',
        'one of PROXMOX_VE_SSH_AGENT=true (with SSH_AUTH_SOCK), PROXMOX_VE_SSH_PRIVATE_KEY, PROXMOX_VE_SSH_PASSWORD',
      ],
    ],
    [
      { PROXMOX_VE_API_TOKEN: 't', PROXMOX_VE_SSH_USERNAME: 'root', PROXMOX_VE_SSH_AGENT: '1', SSH_AUTH_SOCK: '/s' },
      'l2',
      [],
    ],
    [
      { PROXMOX_VE_API_TOKEN: 't', PROXMOX_VE_SSH_USERNAME: 'root', PROXMOX_VE_SSH_PASSWORD: 'p' },
      'bgp',
      ['LAB_BGP_PASSWORD'],
    ],
  ] as const)('should name what is unset in %j (%s), never a value', (env, mode, unset) => {
    expect(unsetVariables(plan, mode, env)).toEqual(unset);
    const header = dryRunHeader(plan, mode, env);
    for (const value of Object.values(env)) if (value.length > 2) expect(header).not.toContain(value);
  });
});

describe('proxmoxSteps', () => {
  const plan = labPlan({ bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } });
  const opts = { failover: false, renderDir: 'r', stateDir: 's', requests: 300 };

  it('should order the run from preflight to verification, one host per step', () => {
    expect(proxmoxSteps(plan, 'bgp', opts).map((s) => s.id)).toEqual([
      'preflight',
      'render',
      'keys',
      'deploy',
      'hostkeys',
      'cloud-init',
      'k3s',
      'k3s-cp2',
      'k3s-cp3',
      'kubeconfig',
      'tools',
      'push',
      'cilium',
      'bgp-secret',
      'resources',
      'router',
      'demo',
      'converge',
      'verify',
      'kubernetes-view',
    ]);
    expect(
      proxmoxSteps(plan, 'l2', { ...opts, failover: true })
        .map((s) => s.id)
        .slice(-5),
    ).toEqual(['demo', 'converge', 'verify', 'kubernetes-view', 'failover']);
  });

  it('should pass secrets on standard input only, never in a command', () => {
    const text = formatSteps(proxmoxSteps(plan, 'bgp', opts));
    expect(text).toContain('< (the BGP password, not shown)');
    expect(text).toContain('< (the k3s token, not shown)');
    const secretCommands = proxmoxSteps(plan, 'bgp', opts)
      .flatMap((s) => s.commands)
      .filter((c) => c.input && 'secret' in c.input);
    expect(secretCommands).toHaveLength(4);
  });

  it("should remove the other mode's resources on a mode switch", () => {
    expect(staleResources(plan, 'bgp')).toEqual([
      'ciliumloadbalancerippool/cilab-l2',
      'ciliuml2announcementpolicy/cilab-l2',
    ]);
    expect(staleResources(plan, 'l2')).toEqual([
      'ciliumloadbalancerippool/cilab-bgp',
      'ciliumbgpclusterconfig/cilab',
      'ciliumbgppeerconfig/cilab-router',
      'ciliumbgpadvertisement/cilab-lb',
    ]);
  });

  it('should name the CRD of every kind it applies or removes as upstream does', () => {
    const kinds = [...new Set(MODES.flatMap((m) => ciliumResources(plan, m).map((r) => r.kind)))];
    for (const kind of kinds) {
      const file = sharedFile(`schemas/cilium/${crdName(kind).replace('.cilium.io', '')}.yaml`);
      if (!file) return;
      // ../shared/schemas/cilium: the CRDs of cilium/cilium pkg/k8s/apis/cilium.io/client/crds (SOURCE.md).
      const crd = parse(readFileSync(file, 'utf8')) as {
        metadata: { name: string };
        spec: { names: { kind: string } };
      };
      expect([crd.metadata.name, crd.spec.names.kind]).toEqual([crdName(kind), kind]);
    }
  });

  it('should delete a kind only where its CRD exists (Cilium registers the BGP CRDs only with BGP on)', () => {
    expect(staleDeletes(plan, 'l2')[1]).toBe(
      'crd=$(sudo k3s kubectl get crd ciliumbgpclusterconfigs.cilium.io --ignore-not-found -o name) && { [ -z "$crd" ] || sudo k3s kubectl delete ciliumbgpclusterconfig/cilab --ignore-not-found; }',
    );
  });
});
