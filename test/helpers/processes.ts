// Processes seen from outside, through /proc: which one runs in a namespace, and when it started.
import { readFileSync } from 'node:fs';
import { namespacePids } from '../../scripts/hosts/daemons.ts';

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // gone between the listing and the read
  }
};

/** The PID of the program named `comm` running in the namespace, if one is. */
export async function pidOf(namespace: string, comm: string): Promise<number | undefined> {
  return (await namespacePids(namespace)).find((pid) => read(`/proc/${pid}/comm`).trim() === comm);
}

/** When the process started, in epoch ms: proc(5) /proc/PID/stat field 22, clock ticks since boot (USER_HZ 100). */
export function processStart(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const bootMs = Date.now() - Number(read('/proc/uptime').split(' ')[0]) * 1000;
  return bootMs + ticks * 10;
}
