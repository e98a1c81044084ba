// The fake API's answers for real VMs (test/fakes/proxmox-api/vms.ts), for lab:compare's faults, against
// stand-in QMP and guest-agent sockets that record what they are sent: no QEMU here. qemu-server 9.2.6
// (e6352be): a net whose only change is link_down becomes QMP `set_link` on the device netN
// (src/PVE/QemuServer.pm vmconfig_update_net → qemu_set_link_status); a shutdown is `guest-shutdown`
// through a running agent, else `system_powerdown` (_do_vm_stop with $shutdown).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allHosts } from '../../lab/plan.ts';
import { vmNics } from '../../lab/vm-network.ts';
import { linkDownNet, proxmoxSession } from '../../scripts/targets/proxmox/compare.ts';
import { createApi } from '../../scripts/targets/proxmox/api.ts';
import { type FakeProxmox, startFakeProxmox, storedNet } from './proxmox-api/fake.ts';
import { loadPveSchema } from './proxmox-api/schema.ts';
import { vmHandlers } from './proxmox-api/vms.ts';
import { describeVmLab } from './vms/lab.ts';
import { vmFiles } from './vms/qemu.ts';
import { labPlan } from '../helpers/labs.ts';
import { goodScenario, selfSignedCert, TOKEN, UNREAD_IMAGE } from '../helpers/pve.ts';
import { recordingContext } from '../helpers/pve-recording.ts';
import { sharedFile } from '../helpers/shared.ts';

const schemaFile = sharedFile('schemas/proxmox/pve-api-9.1.3.json');
const plan = labPlan({ name: 'i9vmapi' });
const [cp1, cp2] = plan.nodes as [(typeof plan.nodes)[number], (typeof plan.nodes)[number]];

/**
 * A unix socket speaking QMP (a greeting, then `{"return": {}}` to each command) or the guest agent's
 * protocol (guest-sync-delimited echoes its id after 0xFF; guest-shutdown is never answered, as qemu-ga
 * answers it only on failure: qemu qga/qapi-schema.json). Every command is recorded.
 */
function socketStandIn(path: string, kind: 'qmp' | 'qga', seen: object[]): Promise<Server> {
  const server = createServer((sock) => {
    if (kind === 'qmp') sock.write(`${JSON.stringify({ QMP: { version: {}, capabilities: [] } })}\n`);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = JSON.parse(buf.slice(0, nl)) as { execute: string; arguments?: { id?: number } };
        buf = buf.slice(nl + 1);
        seen.push(cmd);
        if (cmd.execute === 'guest-sync-delimited')
          sock.write(
            Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ return: cmd.arguments!.id })}\n`)]),
          );
        else if (cmd.execute !== 'guest-shutdown') sock.write(`${JSON.stringify({ return: {} })}\n`);
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((r) => server.listen(path, () => r(server)));
}

describe.skipIf(!schemaFile)("the VM stand-ins' answers to lab:compare's faults", { timeout: 30_000 }, () => {
  const runDir = mkdtempSync(join(tmpdir(), 'lab-vmapi-'));
  const lab = { ...describeVmLab(plan, UNREAD_IMAGE), runDir };
  const qmp: object[] = [];
  const qga: object[] = [];
  const qmp2: object[] = [];
  const servers: Server[] = [];
  let fake: FakeProxmox;
  beforeAll(async () => {
    // cp1's QEMU "runs": its pid file names a live process (this one), its sockets answer.
    const files = vmFiles(runDir, cp1.vmId);
    writeFileSync(files.pid, String(process.pid));
    servers.push(await socketStandIn(files.qmp, 'qmp', qmp), await socketStandIn(files.qga, 'qga', qga));
    // cp2 runs without a guest agent: only its QMP socket answers.
    writeFileSync(vmFiles(runDir, cp2.vmId).pid, String(process.pid));
    servers.push(await socketStandIn(vmFiles(runDir, cp2.vmId).qmp, 'qmp', qmp2));
    fake = await startFakeProxmox(
      loadPveSchema(schemaFile!),
      goodScenario(plan),
      selfSignedCert(),
      vmHandlers(() => lab),
    );
  });
  afterAll(async () => {
    await fake?.close();
    for (const s of servers) s.close();
    rmSync(runDir, { recursive: true, force: true });
  });
  const api = () => createApi({ endpoint: fake.url, insecure: true, token: TOKEN });
  const at = { node: cp1.proxmoxNode, vmid: cp1.vmId };
  const net0 = storedNet(vmNics(plan, cp1)[0]!);

  it("should pull and plug net0 through QMP set_link when lab:compare's link loss rewrites it", async () => {
    const rec = { events: [], fake, routerInterfaces: [] };
    const ctx = recordingContext(plan, 'bgp', rec);
    for (const h of allHosts(plan)) ctx.pinHostKey(h.name, 'ssh-ed25519 AAAA');
    const s = await proxmoxSession(ctx, plan, 'bgp');
    await s.apply('link-loss', cp1.name);
    expect((await api().call<{ net0: string }>('vmConfig', at)).net0).toBe(`${net0},link_down=1`);
    await s.restore('link-loss', cp1.name);
    expect((await api().call<{ net0: string }>('vmConfig', at)).net0).toBe(net0);
    expect(qmp.filter((c) => (c as { execute: string }).execute === 'set_link')).toEqual([
      { execute: 'set_link', arguments: { name: 'net0', up: false } },
      { execute: 'set_link', arguments: { name: 'net0', up: true } },
    ]);
  });

  it('should refuse a config change that is not a link: the stand-ins cannot apply it', async () => {
    const { digest } = await api().call<{ digest: string }>('vmConfig', at);
    const moved = linkDownNet(net0, false).replace(/bridge=[^,]+/, 'bridge=vmbr9');
    await expect(api().call('vmConfigSet', at, { net0: moved, digest })).rejects.toThrow(/500/);
  });

  it('should shut down through the guest agent, which answers guest-shutdown with silence', async () => {
    const upid = await api().call<string>('vmShutdown', at);
    expect(upid).toMatch(new RegExp(`^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]+:qmshutdown:${cp1.vmId}:`));
    expect(qga.map((c) => (c as { execute: string }).execute)).toEqual([
      'guest-sync-delimited',
      'guest-ping',
      'guest-sync-delimited',
      'guest-shutdown',
    ]);
  });

  it('should shut down by ACPI (QMP system_powerdown) where no guest agent answers', async () => {
    await api().call('vmShutdown', { node: cp2.proxmoxNode, vmid: cp2.vmId });
    expect(qmp2.map((c) => (c as { execute: string }).execute)).toEqual(['qmp_capabilities', 'system_powerdown']);
  });
});
