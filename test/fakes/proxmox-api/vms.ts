// The fake API's answers for calls that touch a VM, taken from a real VM (test/fakes/vms): its real
// qemu-guest-agent through the agent socket, its real QEMU through QMP. The fake still checks every
// request and answer against the API description. Upstream: proxmox/qemu-server (master 9.2.6, e6352be)
//  - src/PVE/API2/Qemu/Agent.pm: `register_command` answers `{ result => <agent answer> }` after
//    assert_agent_available (agent running or "QEMU guest agent is not running"); `file-read` opens,
//    reads in 1 MiB chunks (guest-file-read buf-b64, decoded), closes, answers `{content, bytes-read}`
//    plus `truncated` when EOF was not reached;
//  - src/PVE/API2/Qemu.pm vm_status / `vmstatus`: status running|stopped, qmpstatus from query-status;
//  - vm_stop: QMP `quit` (a hard stop), vm_start: the QEMU process; both answer a task's UPID;
//  - vm_shutdown: _do_vm_stop with $shutdown (src/PVE/QemuServer.pm): `guest-shutdown` through the agent
//    when it answers (our VMs have agent=1), else QMP `system_powerdown` (ACPI); a `qmshutdown` task;
//  - vm_config: the config and its digest; update_vm (PUT) on a running VM hot-applies a net whose only
//    change is link_down: vmconfig_update_net → qemu_set_link_status, QMP `set_link` on the device
//    `netN` (print_netdevice_full gives the NIC that id, as test/fakes/vms/qemu.ts does). Nothing else of
//    a config changes here: the stand-ins refuse it rather than pretend;
//  - a handler that dies (an agent or monitor command that failed) is answered 500 with its message
//    (pve-http-server: the API server turns the exception into the status line).
import type { VmLab } from '../vms/lab.ts';
import { findVm, startVm, stopVm, vmPid } from '../vms/lab.ts';
import { qga, qmp } from '../vms/qemu.ts';
import { vmNics } from '../../../lab/vm-network.ts';
import { configDigest, type Handler, type Handlers, parseNet, printedNet, PveFailure, storedNet } from './fake.ts';

const MAX_READ = 16 * 1024 * 1024;
const upid = (node: string, type: string, vmid: string) =>
  `UPID:${node}:${process.pid.toString(16).toUpperCase().padStart(8, '0')}:00000000:${Math.floor(Date.now() / 1000)
    .toString(16)
    .toUpperCase()}:${type}:${vmid}:root@pam!lab:`;

/** Any failure as the API server answers it: 500 and the message. */
const asFailure = (err: unknown): never => {
  throw err instanceof PveFailure ? err : new PveFailure(500, (err as Error).message.replace(/[\r\n]+/g, ' '));
};

/** `vmLab` is read at each call: the fake can start before the VMs are prepared. */
export function vmHandlers(vmLab: () => VmLab): Handlers {
  // One client at a time on a VM's agent socket, as qemu-server holds a lock per VM.
  const queues = new Map<number, Promise<unknown>>();
  const serial = <T>(vmid: number, fn: () => Promise<T>): Promise<T> => {
    const next = (queues.get(vmid) ?? Promise.resolve()).catch(() => undefined).then(fn);
    queues.set(vmid, next);
    return next;
  };
  const running = (vmid: number) => {
    const lab = vmLab();
    findVm(lab, vmid);
    if (!vmPid(lab, vmid)) throw new PveFailure(500, `VM ${vmid} not running`);
  };
  const agent = (vmid: number, execute: string, args?: object) =>
    serial(vmid, async () => {
      running(vmid);
      const { runDir } = vmLab();
      await qga(runDir, vmid, 'guest-ping', undefined, 3000).catch(() => {
        throw new PveFailure(500, 'QEMU guest agent is not running');
      });
      return qga(runDir, vmid, execute, args);
    });

  // The links pulled (`<vmid>/netN`), as the VM's config would now say link_down=1.
  const down = new Set<string>();
  const config = (vmid: number): Record<string, string> => {
    const vm = findVm(vmLab(), vmid);
    return {
      agent: 'enabled=1,fstrim_cloned_disks=0,type=virtio',
      ...Object.fromEntries(
        vmNics(vmLab().plan, vm.host).map((n, i) => [`net${i}`, printedNet(storedNet(n), down.has(`${vmid}/net${i}`))]),
      ),
    };
  };

  const handlers: Record<string, Handler> = {
    'GET /nodes/{node}/qemu/{vmid}/config': (v) => {
      const c = config(Number(v.vmid));
      return { name: findVm(vmLab(), Number(v.vmid)).host.name, ...c, digest: configDigest(c) };
    },
    'PUT /nodes/{node}/qemu/{vmid}/config': async (v, p) => {
      const vmid = Number(v.vmid);
      const current = config(vmid);
      if (p.digest && p.digest !== configDigest(current))
        throw new PveFailure(500, 'detected modified configuration - file changed by other user? Try again.');
      running(vmid);
      const { node: _node, vmid: _vmid, digest: _digest, ...set } = p;
      for (const [key, value] of Object.entries(set)) {
        const now = current[key];
        const asked = /^net\d+$/.test(key) && now !== undefined ? parseNet(value) : undefined;
        if (!asked || printedNet(value, false) !== printedNet(now!, false))
          throw new PveFailure(500, `the VM stand-ins change only a net's link_down, not ${key}=${value}`);
        const pulled = asked.linkDown;
        if (pulled === down.has(`${vmid}/${key}`)) continue;
        await qmp(vmLab().runDir, vmid, 'set_link', { name: key, up: !pulled });
        if (pulled) down.add(`${vmid}/${key}`);
        else down.delete(`${vmid}/${key}`);
      }
      return null;
    },
    'POST /nodes/{node}/qemu/{vmid}/status/shutdown': async (v) => {
      const vmid = Number(v.vmid);
      running(vmid);
      const { runDir } = vmLab();
      const agentUp = await serial(vmid, () => qga(runDir, vmid, 'guest-ping', undefined, 3000)).then(
        () => true,
        () => false,
      );
      if (!agentUp) await qmp(runDir, vmid, 'system_powerdown');
      else
        // qemu-ga answers guest-shutdown only when it fails (qga/qapi-schema.json): silence is success.
        await serial(vmid, () => qga(runDir, vmid, 'guest-shutdown', undefined, 3000)).catch((err: Error) => {
          if (!err.message.startsWith('no answer')) throw err;
        });
      return upid(v.node!, 'qmshutdown', v.vmid!);
    },
    'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces': async (v) => ({
      result: await agent(Number(v.vmid), 'guest-network-get-interfaces'),
    }),
    'GET /nodes/{node}/qemu/{vmid}/agent/file-read': async (v, p) => {
      const vmid = Number(v.vmid);
      const count = p.count ? Number(p.count) : MAX_READ;
      return serial(vmid, async () => {
        running(vmid);
        const handle = await qga(vmLab().runDir, vmid, 'guest-file-open', { path: p.file });
        let content = Buffer.alloc(0);
        let eof = false;
        try {
          while (content.length < count && !eof) {
            const r = (await qga(vmLab().runDir, vmid, 'guest-file-read', {
              handle,
              count: Math.min(1024 * 1024, count - content.length),
            })) as { count: number; 'buf-b64': string; eof: boolean };
            content = Buffer.concat([content, Buffer.from(r['buf-b64'], 'base64')]);
            eof = r.eof;
          }
        } finally {
          await qga(vmLab().runDir, vmid, 'guest-file-close', { handle });
        }
        return {
          content: p.decode === '0' ? content.toString('base64') : content.toString('utf8'),
          'bytes-read': content.length,
          ...(eof ? {} : { truncated: 1 }),
        };
      });
    },
    'GET /nodes/{node}/qemu/{vmid}/status/current': async (v) => {
      const vm = findVm(vmLab(), Number(v.vmid));
      const pid = vmPid(vmLab(), vm.spec.vmid);
      const qmpstatus = pid
        ? ((await qmp(vmLab().runDir, vm.spec.vmid, 'query-status')) as { status: string }).status
        : 'stopped';
      return {
        vmid: vm.spec.vmid,
        name: vm.host.name,
        status: pid ? 'running' : 'stopped',
        qmpstatus,
        ...(pid ? { pid } : {}),
        agent: 1,
        ha: { managed: 0 },
      };
    },
    'POST /nodes/{node}/qemu/{vmid}/status/stop': async (v) => {
      await stopVm(vmLab(), Number(v.vmid));
      return upid(v.node!, 'qmstop', v.vmid!);
    },
    'POST /nodes/{node}/qemu/{vmid}/status/start': async (v) => {
      startVm(vmLab(), Number(v.vmid));
      return upid(v.node!, 'qmstart', v.vmid!);
    },
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([k, h]) => [k, (v, p, sc) => Promise.resolve(h(v, p, sc)).catch(asFailure)]),
  );
}
