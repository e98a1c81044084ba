// Per-lab SSH material for the emulated router: the toolkit's client key, the router's host key, and
// the pinned known_hosts line. Generated once per lab; teardown removes them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export interface LabKeys {
  readonly clientKey: string;
  readonly hostKey: string;
  readonly hostKeyPub: string;
  readonly knownHosts: string;
  readonly sshdConfig: string;
  sshdConfigText(runDir: string): string;
}

function keygen(path: string, comment: string): void {
  if (!existsSync(path)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

/** Where the lab's SSH material is, under its state folder. */
const sshDir = (stateDir: string) => join(stateDir, 'ssh');

/** The router's sshd configuration, as sshd is started with it. */
export const sshdConfigPath = (stateDir: string) => join(sshDir(stateDir), 'sshd_config');

export function labKeys(stateDir: string, routerAddress: string): LabKeys {
  const dir = sshDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = {
    clientKey: join(dir, 'id_ed25519'),
    hostKey: join(dir, 'ssh_host_ed25519_key'),
    hostKeyPub: join(dir, 'ssh_host_ed25519_key.pub'),
    knownHosts: join(dir, 'known_hosts'),
    sshdConfig: sshdConfigPath(stateDir),
  };
  keygen(keys.clientKey, 'proxmox-cilium-lab');
  keygen(keys.hostKey, 'router');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${keys.clientKey}.pub`), { mode: 0o600 });
  // For people: ssh -o UserKnownHostsFile=<this> -i id_ed25519 root@<router> checks the same pinned key.
  writeFileSync(
    keys.knownHosts,
    `${routerAddress} ${readFileSync(keys.hostKeyPub, 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`,
  );
  return {
    ...keys,
    sshdConfigText: (runDir) =>
      [
        `ListenAddress ${routerAddress}`,
        `HostKey ${keys.hostKey}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(runDir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The key files live in the project's folder, whose modes sshd would otherwise judge.
        'StrictModes no',
        '',
      ].join('\n'),
  };
}
