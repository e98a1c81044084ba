// Starting and stopping the emulated lab's processes. Every PID goes into <runDir>/pids so teardown
// stops exactly what we started; `ip netns pids` catches anything a daemon forked inside our namespaces.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { LabError } from '../../lab/errors.ts';
import { sleep } from '../lib/wait.ts';

export function recordPid(runDir: string, pid: number, what: string): void {
  mkdirSync(runDir, { recursive: true });
  appendFileSync(join(runDir, 'pids'), `${pid} ${what}\n`);
}

/** What we started, as recorded: PID and "<namespace> <program>". */
export function recordedProcesses(runDir: string): { pid: number; what: string }[] {
  const file = join(runDir, 'pids');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ pid: Number(l.split(' ')[0]), what: l.slice(l.indexOf(' ') + 1) }));
}

export function recordedPids(runDir: string): number[] {
  return recordedProcesses(runDir).map((p) => p.pid);
}

/** Starts argv inside the namespace in the background, output to <runDir>/<log>.log; returns its PID. */
export function startIn(namespace: string, argv: string[], runDir: string, log: string): number {
  mkdirSync(runDir, { recursive: true });
  const out = openSync(join(runDir, `${log}.log`), 'a');
  // `ip netns exec` enters the namespace and execs argv, so the PID is the program's own.
  const child = spawn('ip', ['netns', 'exec', namespace, ...argv], { detached: true, stdio: ['ignore', out, out] });
  if (child.pid === undefined) throw new LabError('E_SPAWN', `could not start ${argv[0]} in ${namespace}`);
  child.unref();
  recordPid(runDir, child.pid, `${namespace} ${log}`);
  return child.pid;
}

/** Running, not merely a zombie waiting for a parent that may never reap it (ours exited long ago). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** TERM, then KILL after a grace period; returns once all are gone. */
export async function stopPids(pids: number[], graceMs = 1500): Promise<void> {
  const signal = (sig: NodeJS.Signals) =>
    pids.filter(alive).forEach((pid) => {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone already */
      }
    });
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  signal('SIGKILL');
  const hard = Date.now() + 5000;
  while (pids.some(alive)) {
    if (Date.now() > hard)
      throw new LabError(
        'E_STOP',
        `processes ${pids.filter(alive).join(', ')} survived SIGKILL`,
        'look at them with ps; teardown can be run again',
      );
    await sleep(20);
  }
}

/** Processes running inside a namespace (ours: we created it). */
export async function namespacePids(namespace: string): Promise<number[]> {
  const p = await $({ nothrow: true, quiet: true })`ip netns pids ${namespace}`;
  return p.exitCode === 0 ? p.stdout.split('\n').filter(Boolean).map(Number) : [];
}
