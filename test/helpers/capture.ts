// Packet captures with tcpdump inside a namespace, read as a router's interface sees the wire.
import { spawn } from 'node:child_process';

export interface Capture {
  /** The packets so far, while tcpdump goes on: to wait for one before stopping. */
  lines(): string[];
  /** Stops tcpdump (after `lingerMs`, for packets still in flight) and returns its lines. */
  stop(lingerMs?: number): Promise<string[]>;
}

/** -vv continues a packet on indented lines: join them to the packet's first line. */
const packetLines = (out: string) =>
  out.split('\n').reduce<string[]>((lines, l) => {
    if (/^\s/.test(l) && lines.length) lines[lines.length - 1] += ` ${l.trim()}`;
    else if (l) lines.push(l);
    return lines;
  }, []);

/** Starts `tcpdump -l -n -e -tt -vv -i iface filter` in the namespace; resolves once it listens. */
export async function startCapture(namespace: string, iface: string, filter: string[]): Promise<Capture> {
  const p = spawn(
    'ip',
    ['netns', 'exec', namespace, 'tcpdump', '-l', '-n', '-e', '-tt', '-vv', '-i', iface, ...filter],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tcpdump on ${namespace}/${iface} did not start`)), 5000);
    p.stderr.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    // A packet's last line may still be coming: only whole lines count until the capture stops.
    lines: () => packetLines(out.slice(0, out.lastIndexOf('\n') + 1)),
    async stop(lingerMs = 300) {
      await new Promise((r) => setTimeout(r, lingerMs));
      const exited = new Promise((r) => p.on('exit', r));
      p.kill('SIGINT');
      await exited;
      return packetLines(out);
    },
  };
}

export interface ArpPacket {
  readonly t: number;
  readonly ethSrc: string;
  readonly ethDst: string;
  readonly op: 'request' | 'reply';
  /** Request: the address asked for; reply: the address answered for. */
  readonly ip: string;
  /** Reply: the MAC announced; request: the asker's IP. */
  readonly who: string;
}

/** `1700000000.123456 aa:.. > ff:.., ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Reply 10.0.0.1 is-at aa:.., length 28` */
export function parseArp(lines: readonly string[]): ArpPacket[] {
  return lines.flatMap((l): ArpPacket[] => {
    const m =
      /^(\d+\.\d+) (\S+) > (\S+), ethertype ARP.*?(Request who-has (\S+) tell (\S+)|Reply (\S+) is-at (\S+))/.exec(l);
    if (!m) return [];
    const t = Number(m[1]) * 1000;
    const base = { t, ethSrc: m[2]!, ethDst: m[3]!.replace(/,$/, '') };
    return m[5]
      ? [{ ...base, op: 'request' as const, ip: m[5], who: m[6]!.replace(/,$/, '') }]
      : [{ ...base, op: 'reply' as const, ip: m[7]!, who: m[8]!.replace(/,$/, '') }];
  });
}
