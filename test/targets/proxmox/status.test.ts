// lab:status on Proxmox: the API side against the fake Proxmox API (test/fakes/proxmox-api), the
// Kubernetes side against the kubectl stand-in (test/fakes/kubernetes); nothing is changed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { labStateDir } from '../../../lab/load.ts';
import { formatProxmoxStatus } from '../../../scripts/targets/proxmox/status.ts';
import { createApi } from '../../../scripts/targets/proxmox/api.ts';
import { kubernetesStatus, proxmoxStatus } from '../../../scripts/targets/proxmox/status.ts';
import { kubectlHost } from '../../fakes/kubernetes/kubectl-get.ts';
import { type FakeProxmox, startFakeProxmox } from '../../fakes/proxmox-api/fake.ts';
import { loadPveSchema } from '../../fakes/proxmox-api/schema.ts';
import { labPlan } from '../../helpers/labs.ts';
import { goodScenario, selfSignedCert, TOKEN } from '../../helpers/pve.ts';
import { sharedFile } from '../../helpers/shared.ts';
import { allHosts } from '../../../lab/plan.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');
const plan = labPlan({ name: 'kst' });
let fake: FakeProxmox | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
afterAll(() => rmSync(labStateDir(plan.name), { recursive: true, force: true }));

describe.skipIf(!schemaFile)('proxmoxStatus against the fake Proxmox API', () => {
  it('should report stacks, VMs, agents and cloud-init, through GET calls only', async () => {
    mkdirSync(labStateDir(plan.name), { recursive: true });
    // Terraform state v4 (hashicorp/terraform internal/states/statefile/version4.go): the base stack
    // holds its resources; the VM stack was destroyed, which leaves an empty resources list.
    const state = (resources: unknown[]) =>
      JSON.stringify({
        version: 4,
        terraform_version: '1.11.0',
        serial: 7,
        lineage: '5d1c7c1e-0000-4000-8000-000000000000',
        outputs: {},
        resources,
        check_results: null,
      });
    const resource = (type: string, name: string) => ({
      mode: 'managed',
      type,
      name,
      provider: 'provider["registry.terraform.io/bpg/proxmox"]',
      instances: [{ schema_version: 0, attributes: { id: name } }],
    });
    writeFileSync(
      labStateDir(plan.name, `${plan.stacks.base}.tfstate`),
      state([
        resource('proxmox_virtual_environment_network_linux_bridge', 'lan'),
        resource('proxmox_virtual_environment_download_file', 'image'),
      ]),
    );
    writeFileSync(labStateDir(plan.name, `${plan.stacks.vms}.tfstate`), state([]));

    const scenario = goodScenario(plan);
    const [router, cp1, cp2] = allHosts(plan);
    scenario.vms.push(
      { vmid: router!.vmId, node: 'pve', name: router!.name, status: 'running', tags: plan.tags.join(';') },
      { vmid: cp1!.vmId, node: 'pve', name: cp1!.name, status: 'running', tags: plan.tags.join(';') },
      { vmid: cp2!.vmId, node: 'pve', name: cp2!.name, status: 'stopped', tags: plan.tags.join(';') },
    );
    // The router's agent answers and cloud-init finished; cp1's agent answers, cloud-init still runs.
    scenario.guestFiles = {
      [router!.vmId]: {
        '/etc/hostname': `${router!.name}\n`,
        '/var/lib/cloud/instance/boot-finished': '1732600000.12 - Thu, 26 Nov 2026 11:00:00 +0000 - v. 22.4.2\n',
      },
      [cp1!.vmId]: { '/etc/hostname': `${cp1!.name}\n` },
    };
    fake = await startFakeProxmox(loadPveSchema(schemaFile!), scenario, selfSignedCert());
    const s = await proxmoxStatus(plan, createApi({ endpoint: fake.url, insecure: true, token: TOKEN }));

    expect(s.stacks).toEqual([
      { name: 'kst-base', deployed: true, resources: 2 },
      { name: 'kst-vms', deployed: false, resources: 0 },
    ]);
    expect(s.vms.map((v) => [v.name, v.state, v.agent, v.cloudInit])).toEqual([
      ['kst-router', 'running', true, true],
      ['kst-cp1', 'running', true, false],
      ['kst-cp2', 'stopped', null, null],
      ['kst-cp3', 'absent', null, null],
    ]);
    expect(s.kubernetes).toEqual({ reachable: false, why: expect.stringContaining('no pinned host keys') });
    // Read-only: nothing but GETs reached the API.
    expect(fake.requests.map((r) => r.method)).toEqual(fake.requests.map(() => 'GET'));
    const text = formatProxmoxStatus(s);
    expect(text).toContain('kst-cp1 (4201 on pve): running, agent answering, cloud-init not done');
    expect(text).toContain('kst-cp3 (4203 on pve): absent');
    expect(text).toContain('stacks         kst-base deployed (2 resources), kst-vms not deployed');
  });
});

describe('kubernetesStatus', () => {
  it('should count Ready nodes and ready Cilium agents, and name the applied mode from its pool', async () => {
    const cp1 = kubectlHost('kst-cp1', {
      nodes: { 'kst-cp1': 'True', 'kst-cp2': 'True', 'kst-cp3': 'Unknown' },
      cilium: { desired: 3, ready: 2 },
      pools: ['kst-l2'],
    });
    const k = await kubernetesStatus(plan, cp1);
    expect(k).toEqual({
      reachable: true,
      nodes: [
        { name: 'kst-cp1', ready: true },
        { name: 'kst-cp2', ready: true },
        { name: 'kst-cp3', ready: false },
      ],
      cilium: { desired: 3, ready: 2 },
      mode: 'l2',
    });
    expect(formatProxmoxStatus({ stacks: [], vms: [], kubernetes: k })).toContain(
      '2 of 3 nodes Ready (not: kst-cp3)\nCilium         2 of 3 agents ready; mode l2',
    );
  });

  it('should say Cilium is not installed before its DaemonSet and CRDs exist', async () => {
    const k = await kubernetesStatus(plan, kubectlHost('kst-cp1', { nodes: { 'kst-cp1': 'False' } }));
    expect(k).toMatchObject({ cilium: null, mode: null });
  });
});
