// Real FRR (zebra + bgpd) inside the router namespace, each daemon with its own vty socket folder,
// fed the rendered frr.conf through vtysh exactly as written.
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { LabError } from '../../../lab/errors.ts';
import { sh } from '../../../templates/shell.ts';
import { waitFor } from '../../lib/wait.ts';
import { recordPid } from '../../hosts/daemons.ts';

const FRR_BIN = '/usr/lib/frr';

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

export async function startFrr(namespace: string, runDir: string, daemons: ('zebra' | 'bgpd')[]): Promise<FrrInstance> {
  const { uid, gid } = frrIds();
  const vtyDir = join(runDir, 'frr');
  mkdirSync(vtyDir, { recursive: true });
  chownSync(vtyDir, uid, gid);
  for (const daemon of daemons) {
    const pidFile = join(vtyDir, `${daemon}.pid`);
    // -f /dev/null: start empty, then load the integrated frr.conf through vtysh; -P 0: no TCP vty.
    const args = [
      '-d',
      '-f',
      '/dev/null',
      '-i',
      pidFile,
      '-z',
      join(vtyDir, 'zserv.api'),
      '--vty_socket',
      vtyDir,
      '-P',
      '0',
      '-u',
      'frr',
      '-g',
      'frr',
    ];
    const started = await $({
      nothrow: true,
      quiet: true,
    })`ip netns exec ${namespace} ${join(FRR_BIN, daemon)} ${args}`;
    if (started.exitCode !== 0)
      throw new LabError('E_FRR', `${daemon} did not start in ${namespace}: ${started.stderr.trim()}`);
    const pid = await waitFor(
      `${daemon} pid file`,
      5000,
      async () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')),
    );
    recordPid(runDir, pid, `${namespace} ${daemon}`);
    await waitFor(`${daemon} vty socket`, 5000, async () => existsSync(join(vtyDir, `${daemon}.vty`)));
  }
  return { namespace, vtyDir };
}

/** The vtysh command line for this instance, to run inside its namespace. */
export function vtyshCommand(frr: FrrInstance, ...commands: string[]): string {
  return sh`vtysh --vty_socket ${frr.vtyDir} ${commands.flatMap((c) => ['-c', c])}`;
}

/** Loads a configuration file into the running daemons; FRR's parser reports bad lines. */
export async function loadFrrConfig(frr: FrrInstance, file: string): Promise<void> {
  const r = await $({
    nothrow: true,
    quiet: true,
  })`ip netns exec ${frr.namespace} vtysh --vty_socket ${frr.vtyDir} -f ${file}`;
  if (r.exitCode !== 0) throw new LabError('E_FRR', `FRR refused ${file}: ${(r.stdout + r.stderr).trim()}`);
}
