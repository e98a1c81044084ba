// Real FRR (zebra + bgpd) inside the router namespace, each daemon with its own vty socket folder,
// fed the rendered frr.conf through vtysh exactly as written.
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../../lab/errors.ts';
import { sh } from '../../../templates/shell.ts';
import { waitFor } from '../../lib/wait.ts';
import { recordPid } from '../../hosts/daemons.ts';
import { netnsHost } from '../../hosts/netns.ts';

const FRR_BIN = '/usr/lib/frr';

export type FrrDaemon = 'zebra' | 'bgpd';

export interface FrrInstance {
  readonly namespace: string;
  /** Folder with the vty sockets and pid files; owned by the frr user. */
  readonly vtyDir: string;
}

function frrIds(): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('frr:'));
  if (!passwd)
    throw new LabError(
      'E_DEPS',
      'the frr user does not exist: FRR is not installed',
      'apt-get install frr (or npm run lab:l2 -- --install-deps)',
    );
  const [, , uid, gid] = passwd.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export function frrInstance(namespace: string, runDir: string): FrrInstance {
  return { namespace, vtyDir: join(runDir, 'frr') };
}

/** The vty folder, owned by the frr user the daemons drop to. */
export function prepareFrr(frr: FrrInstance): void {
  const { uid, gid } = frrIds();
  mkdirSync(frr.vtyDir, { recursive: true });
  chownSync(frr.vtyDir, uid, gid);
}

/** Starts one daemon, which forks into the background (-d); -f /dev/null: it starts empty, and the
 *  integrated frr.conf is loaded through vtysh after; -P 0: no TCP vty. */
export function frrDaemonCommand(frr: FrrInstance, daemon: FrrDaemon): string {
  const pidFile = join(frr.vtyDir, `${daemon}.pid`);
  return sh`${join(FRR_BIN, daemon)} -d -f /dev/null -i ${pidFile} -z ${join(frr.vtyDir, 'zserv.api')} --vty_socket ${frr.vtyDir} -P 0 -u frr -g frr`;
}

/** Once a daemon has forked: its PID recorded for teardown, its vty socket there. */
export async function frrDaemonUp(frr: FrrInstance, runDir: string, daemon: FrrDaemon): Promise<void> {
  const pidFile = join(frr.vtyDir, `${daemon}.pid`);
  const pid = await waitFor(
    `${daemon} pid file`,
    5000,
    async () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')),
  );
  recordPid(runDir, pid, `${frr.namespace} ${daemon}`);
  await waitFor(`${daemon} vty socket`, 5000, async () => existsSync(join(frr.vtyDir, `${daemon}.vty`)));
}

export async function startFrr(namespace: string, runDir: string, daemons: FrrDaemon[]): Promise<FrrInstance> {
  const frr = frrInstance(namespace, runDir);
  prepareFrr(frr);
  for (const daemon of daemons) {
    const started = await netnsHost(namespace, namespace).exec(frrDaemonCommand(frr, daemon));
    if (started.code !== 0)
      throw new LabError('E_FRR', `${daemon} did not start in ${namespace}: ${started.stderr.trim()}`);
    await frrDaemonUp(frr, runDir, daemon);
  }
  return frr;
}

/** The vtysh command line for this instance, to run inside its namespace. */
export function vtyshCommand(frr: FrrInstance, ...commands: string[]): string {
  return sh`vtysh --vty_socket ${frr.vtyDir} ${commands.flatMap((c) => ['-c', c])}`;
}

/** Loads a configuration file into the running daemons; FRR's parser reports bad lines. */
export const frrLoadCommand = (frr: FrrInstance, file: string) => sh`vtysh --vty_socket ${frr.vtyDir} -f ${file}`;

export async function loadFrrConfig(frr: FrrInstance, file: string): Promise<void> {
  const r = await netnsHost(frr.namespace, frr.namespace).exec(frrLoadCommand(frr, file));
  if (r.code !== 0) throw new LabError('E_FRR', `FRR refused ${file}: ${(r.stdout + r.stderr).trim()}`);
}
