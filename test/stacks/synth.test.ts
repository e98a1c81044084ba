import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { allHosts, type LabPlan } from '../../lab/plan.ts';
import { buildApp, synthPrivately } from '../../stacks/app.ts';
import { BaseStack, IMAGE_DOWNLOAD_TIMEOUT_S } from '../../stacks/base.ts';
import { AGENT_TIMEOUT, VmsStack } from '../../stacks/vms.ts';
import { labPlan } from '../helpers/labs.ts';
import { checkTerraformJson, loadProviderSchema } from '../helpers/provider-schema.ts';
import { sharedFile } from '../helpers/shared.ts';

const SOURCE = 'registry.terraform.io/bpg/proxmox';
const schemaFile = sharedFile('provider-schemas/proxmox@0.111.1.json');
const schema = schemaFile ? loadProviderSchema(schemaFile, SOURCE) : undefined;

function synth(plan: LabPlan): { base: Record<string, any>; vms: Record<string, any> } {
  const app = Testing.app();
  return {
    base: JSON.parse(Testing.synth(new BaseStack(app, 'base', { plan }))),
    vms: JSON.parse(Testing.synth(new VmsStack(app, 'vms', { plan }))),
  };
}

const LABS: [string, LabPlan][] = [
  ['default (3 control planes)', labPlan()],
  ['1 node', labPlan({ kubernetes: { controlPlanes: 1, workers: 0 } })],
  [
    '5 nodes over 2 Proxmox nodes',
    labPlan({
      kubernetes: { controlPlanes: 3, workers: 2 },
      proxmox: { nodes: ['pve1', 'pve2'] },
      network: { ports: ['eno1.42'] },
    }),
  ],
];

describe.each(LABS)('stacks for the %s lab', (_, plan) => {
  const { base, vms } = synth(plan);
  const vm = vms.resource.proxmox_virtual_environment_vm as Record<string, any>;
  const hosts = allHosts(plan);

  it('should create one VM per host with its VM ID, node, tags and stop_on_destroy', () => {
    expect(Object.keys(vm).sort()).toEqual(hosts.map((h) => h.name).sort());
    for (const h of hosts) {
      expect(vm[h.name]).toMatchObject({
        vm_id: h.vmId,
        node_name: h.proxmoxNode,
        stop_on_destroy: true,
        agent: { enabled: true },
      });
      expect(vm[h.name].tags).toEqual(['cilium-lab', `lab-${plan.name}`, h.role]);
    }
  });

  it('should put the router on uplink and lab bridge, the nodes on the lab bridge with the router as gateway', () => {
    expect(vm[plan.router.name].network_device.map((n: any) => n.bridge)).toEqual(['vmbr0', 'vmbr42']);
    expect(vm[plan.router.name].initialization.ip_config).toEqual([
      { ipv4: { address: 'dhcp' } },
      { ipv4: { address: '10.42.0.1/24' } },
    ]);
    for (const n of plan.nodes) {
      expect(vm[n.name].network_device).toEqual([{ bridge: 'vmbr42', mac_address: n.lanMac, model: 'virtio' }]);
      expect(vm[n.name].initialization.ip_config).toEqual([
        { ipv4: { address: `${n.lanIp}/24`, gateway: '10.42.0.1' } },
      ]);
      expect(vm[n.name].initialization.user_data_file_id).toBe(
        `\${proxmox_virtual_environment_file.${n.name}-user-data.id}`,
      );
    }
  });

  it('should give every NIC its planned MAC (the verification knows the nodes without their agent)', () => {
    const macs = hosts.flatMap((h) => vm[h.name].network_device.map((n: any) => n.mac_address));
    expect(macs).toEqual([plan.router.wanMac, plan.router.lanMac, ...plan.nodes.map((n) => n.lanMac)]);
    for (const mac of macs) expect(mac).toMatch(/^02(:[0-9A-F]{2}){5}$/);
    expect(new Set(macs).size).toBe(macs.length);
  });

  it('should boot the nodes after the router, whose NAT their package installs need, and bound the agent wait', () => {
    expect(vm[plan.router.name].depends_on).toBeUndefined();
    for (const n of plan.nodes)
      expect(vm[n.name].depends_on).toEqual([`proxmox_virtual_environment_vm.${plan.router.name}`]);
    // bpg/proxmox 0.111.1 waits 15m by default (proxmoxtf/resource/vm/vm.go dvAgentTimeout).
    for (const h of hosts)
      expect(vm[h.name].agent).toEqual({ enabled: true, timeout: AGENT_TIMEOUT, wait_for_ip: { ipv4: true } });
  });

  it('should give the image download more than the provider default of 600 s', () => {
    // bpg/proxmox 0.111.1 docs/resources/virtual_environment_download_file.md: "upload_timeout … Default is 600 (10min)".
    for (const f of Object.values(base.resource.proxmox_virtual_environment_download_file) as any[])
      expect(f.upload_timeout).toBe(IMAGE_DOWNLOAD_TIMEOUT_S);
    expect(IMAGE_DOWNLOAD_TIMEOUT_S).toBeGreaterThan(600);
  });

  it('should create the bridge and image once per Proxmox node used', () => {
    const pve = [...new Set(hosts.map((h) => h.proxmoxNode))];
    expect(
      Object.values(base.resource.proxmox_virtual_environment_network_linux_bridge).map((b: any) => b.node_name),
    ).toEqual(pve);
    expect(
      Object.values(base.resource.proxmox_virtual_environment_download_file).map((f: any) => [
        f.node_name,
        f.content_type,
      ]),
    ).toEqual(pve.map((p) => [p, 'import']));
  });

  it('should output every host with name, VM ID and addresses', () => {
    expect(vms.output.hosts.value.map((h: any) => [h.name, h.lan_ip])).toEqual(hosts.map((h) => [h.name, h.lanIp]));
    expect(vms.output.hosts.value[0].ipv4_addresses).toBe(
      `\${proxmox_virtual_environment_vm.${plan.router.name}.ipv4_addresses}`,
    );
  });

  it.skipIf(!schema)('should conform to the bpg/proxmox 0.111.1 schema', () => {
    expect(checkTerraformJson(base, schema!, 'proxmox')).toEqual([]);
    expect(checkTerraformJson(vms, schema!, 'proxmox')).toEqual([]);
  });
});

describe.skipIf(!schema)('checkTerraformJson', () => {
  const { vms } = synth(labPlan());
  const broken = structuredClone(vms);
  const router = broken.resource.proxmox_virtual_environment_vm['cilab-router'];

  it('should catch a misspelled attribute and suggest the right one', () => {
    router.stop_on_destory = true;
    expect(checkTerraformJson(broken, schema!, 'proxmox')).toEqual([
      'resource.proxmox_virtual_environment_vm.cilab-router.stop_on_destory: unknown attribute or block (did you mean stop_on_destroy?)',
    ]);
    delete router.stop_on_destory;
  });

  it('should catch a missing required attribute, a wrong type, a read-only attribute and an unknown nested key', () => {
    delete router.node_name;
    router.memory.dedicated = 'lots';
    router.ipv4_addresses = [];
    router.network_device[0].bridg = 'vmbr0';
    expect(checkTerraformJson(broken, schema!, 'proxmox').sort()).toEqual(
      [
        'resource.proxmox_virtual_environment_vm.cilab-router.ipv4_addresses: read-only attribute cannot be set',
        'resource.proxmox_virtual_environment_vm.cilab-router.memory.dedicated: expected number, got "lots"',
        'resource.proxmox_virtual_environment_vm.cilab-router.network_device[0].bridg: unknown attribute (did you mean bridge?)',
        'resource.proxmox_virtual_environment_vm.cilab-router.node_name: required attribute missing',
      ].sort(),
    );
  });
});

describe('the synthesized app', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'lab-synth-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('should write both stacks and no secret from the environment', () => {
    const marker = 'root@pam!lab=00000000-SECRET-MARKER';
    for (const name of ['PROXMOX_VE_API_TOKEN', 'PROXMOX_VE_SSH_PASSWORD', 'LAB_BGP_PASSWORD'])
      vi.stubEnv(name, marker);
    try {
      const plan = labPlan({ bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } });
      synthPrivately(buildApp(plan, outdir));
      const names = plan.stacks;
      const stacks = readdirSync(join(outdir, 'stacks')).sort();
      expect(stacks).toEqual([names.base, names.vms]);
      const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
      expect(manifest.stacks[names.vms].dependencies).toEqual([names.base]);
      for (const s of stacks)
        expect(readFileSync(join(outdir, 'stacks', s, 'cdk.tf.json'), 'utf8')).not.toContain('SECRET-MARKER');
      // Nothing in the output is readable by others (it was written 0644 before).
      const modes = readdirSync(outdir, { recursive: true, encoding: 'utf8' }).map((p) => [
        p,
        statSync(join(outdir, p)).mode & 0o777,
      ]);
      expect(modes.length).toBeGreaterThan(3);
      expect(modes.filter(([, mode]) => (mode as number) & 0o077)).toEqual([]);
      expect(statSync(outdir).mode & 0o777).toBe(0o700);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
