// A VM the way Proxmox VE runs one, for the lab's VM stand-ins: the QEMU command line, and the two
// sockets Proxmox talks to it through (QMP monitor, guest agent).
//
// The command line follows proxmox/qemu-server (master 9.2.6, e6352be) `config_to_command` for what our
// stack creates (stacks/vms.ts): test src/test/cfg2cmd/simple-virtio-blk.conf.cmd for the virtio0 disk
// with an iothread, `qga-minimal` for the agent channel, src/PVE/QemuServer/PCI.pm `get_pci_addr_map`
// for the slots (virtio0 0xa, qga0 0x8, net0 0x12, net1 0x13), `print_netdevice_full` for the NICs,
// and the cloud-init drive on ide2 as a cdrom. Differences, each for a reason:
//  - TCG, not KVM: nested guests make no progress on this machine;
//  - the image's kernel and initrd are passed directly (-kernel), as the image has no bootloader, and
//    the kernel skips its crypto self-tests (slow under TCG);
//  - the serial console goes to a file (Proxmox: a socket) so a failed boot can be read;
//  - no -no-shutdown: a guest poweroff ends QEMU, which is what qmeventd makes of it on Proxmox.
import { createConnection } from 'node:net';
import { randomInt } from 'node:crypto';

export interface VmSpec {
  readonly vmid: number;
  readonly name: string;
  readonly memoryMiB: number;
  readonly disk: string;
  readonly seed: string;
  readonly kernel: string;
  readonly initrd: string;
  /** One per netN, in order: its tap device (on its bridge) and MAC. */
  readonly nics: readonly { readonly tap: string; readonly mac: string }[];
  /** Where the QMP and agent sockets, the pid file and the console log go. */
  readonly runDir: string;
}

export const vmFiles = (runDir: string, vmid: number) => ({
  qmp: `${runDir}/${vmid}.qmp`,
  qga: `${runDir}/${vmid}.qga`,
  pid: `${runDir}/${vmid}.pid`,
  console: `${runDir}/${vmid}.console.log`,
});

export function qemuArgs(vm: VmSpec): string[] {
  const f = vmFiles(vm.runDir, vm.vmid);
  const slot = (n: number) => `0x${(0x12 + n).toString(16)}`;
  return [
    '-name',
    vm.name,
    '-chardev',
    `socket,id=qmp,path=${f.qmp},server=on,wait=off`,
    '-mon',
    'chardev=qmp,mode=control',
    '-pidfile',
    f.pid,
    '-daemonize',
    '-smp',
    '1,sockets=1,cores=1,maxcpus=1',
    '-nodefaults',
    '-display',
    'none',
    '-boot',
    'menu=on,strict=on,reboot-timeout=1000',
    // x86-64-v2-AES without KVM: qemu64 plus its flags (CPUConfig.pm), no enforce/kvm_pv_*. And
    // pclmulqdq, which every AES-NI CPU has: without it the guest kernel's AES-GCM self-test traps.
    '-cpu',
    'qemu64,+aes,+pclmulqdq,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3',
    '-m',
    String(vm.memoryMiB),
    '-object',
    'iothread,id=iothread-virtio0',
    '-global',
    'PIIX4_PM.disable_s3=1',
    '-global',
    'PIIX4_PM.disable_s4=1',
    '-device',
    'pci-bridge,id=pci.1,chassis_nr=1,bus=pci.0,addr=0x1e',
    '-device',
    'pci-bridge,id=pci.2,chassis_nr=2,bus=pci.0,addr=0x1f',
    '-device',
    'VGA,id=vga,bus=pci.0,addr=0x2',
    '-chardev',
    `file,id=serial0,path=${f.console}`,
    '-device',
    'isa-serial,chardev=serial0',
    '-chardev',
    `socket,path=${f.qga},server=on,wait=off,id=qga0`,
    '-device',
    'virtio-serial,id=qga0,bus=pci.0,addr=0x8',
    '-device',
    'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
    '-drive',
    `file=${vm.seed},if=none,id=drive-ide2,media=cdrom,format=raw,readonly=on`,
    '-device',
    'ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2',
    '-drive',
    `file=${vm.disk},if=none,id=drive-virtio0,format=qcow2,discard=unmap`,
    '-device',
    'virtio-blk-pci,drive=drive-virtio0,id=virtio0,bus=pci.0,addr=0xa,iothread=iothread-virtio0,bootindex=100',
    ...vm.nics.flatMap((n, i) => [
      '-netdev',
      `type=tap,id=net${i},ifname=${n.tap},script=no,downscript=no`,
      '-device',
      `virtio-net-pci,mac=${n.mac},netdev=net${i},bus=pci.0,addr=${slot(i)},id=net${i},rx_queue_size=1024,tx_queue_size=256`,
    ]),
    '-kernel',
    vm.kernel,
    '-initrd',
    vm.initrd,
    '-append',
    'root=LABEL=lab-root rw console=ttyS0 cryptomgr.notests',
    '-machine',
    'type=pc,accel=tcg',
  ];
}

/** One JSON request and its answer over a unix socket, skipping events and the greeting. */
function exchange(
  path: string,
  lines: object[],
  isAnswer: (msg: Record<string, unknown>, index: number) => boolean,
  timeoutMs: number,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    const answers: Record<string, unknown>[] = [];
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(answers);
    };
    sock.on('error', (e) => done(e));
    sock.on('connect', () => sock.write(`${JSON.stringify(lines[0])}\n`));
    sock.on('data', (d) => {
      // guest-sync-delimited puts 0xFF before its answer: a line boundary the reader can trust.
      buf += d.toString('latin1').replaceAll('\xff', '\n');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(Buffer.from(line, 'latin1').toString('utf8')) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (!isAnswer(msg, answers.length)) continue;
        answers.push(msg);
        if (answers.length === lines.length) return done();
        sock.write(`${JSON.stringify(lines[answers.length])}\n`);
      }
    });
  });
}

export class QmpError extends Error {
  constructor(
    readonly klass: string,
    message: string,
  ) {
    super(message);
  }
}

const unwrap = (msg: Record<string, unknown>, what: string) => {
  const err = msg.error as { class: string; desc: string } | undefined;
  if (err) throw new QmpError(err.class, `${what}: ${err.desc}`);
  return msg.return;
};

/** A QMP command (after the capabilities handshake), as PVE::QMPClient sends it. */
export async function qmp(
  runDir: string,
  vmid: number,
  execute: string,
  args?: object,
  timeoutMs = 5000,
): Promise<unknown> {
  const answers = await exchange(
    vmFiles(runDir, vmid).qmp,
    [{ execute: 'qmp_capabilities' }, { execute, ...(args ? { arguments: args } : {}) }],
    (m) => 'return' in m || 'error' in m,
    timeoutMs,
  );
  return unwrap(answers[1]!, execute);
}

/**
 * A guest agent command, preceded by guest-sync-delimited as PVE::QMPClient does (QMPClient.pm): the
 * random id it echoes tells this answer from a stale one left by an earlier, timed-out client.
 */
export async function qga(
  runDir: string,
  vmid: number,
  execute: string,
  args?: object,
  timeoutMs = 5000,
): Promise<unknown> {
  const id = randomInt(1, 2 ** 31);
  const answers = await exchange(
    vmFiles(runDir, vmid).qga,
    [
      { execute: 'guest-sync-delimited', arguments: { id } },
      { execute, ...(args ? { arguments: args } : {}) },
    ],
    (m, i) => (i === 0 ? m.return === id : 'return' in m || 'error' in m),
    timeoutMs,
  );
  return unwrap(answers[1]!, execute);
}
