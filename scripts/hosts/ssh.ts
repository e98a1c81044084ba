// A host over SSH (node-ssh), with its host key pinned: a different key is refused, never accepted.
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { LabError } from '../../lab/errors.ts';
import { waitFor } from '../lib/wait.ts';
import type { ExecResult, Host } from './host.ts';

export interface SshTarget {
  readonly name: string;
  readonly address: string;
  readonly port?: number;
  readonly username: string;
  readonly privateKeyPath: string;
  /** The host's public key line ("ssh-ed25519 AAAA… comment"), as pinned in known_hosts. */
  readonly hostKey: string;
}

export interface SshHost extends Host {
  /** A TCP stream to address:port opened from this host (to reach hosts behind it). */
  forward(address: string, port: number): Promise<Duplex>;
  /** Still connected: a host that powered off or rebooted ended its connection. */
  connected(): boolean;
  close(): void;
}

/** The raw key blob of an OpenSSH public key line, as ssh2 hands it to hostVerifier. */
export function keyBlob(line: string): Buffer {
  const b64 = line.trim().split(/\s+/)[1];
  if (!b64) throw new LabError('E_SSH', `not an OpenSSH public key: ${line.slice(0, 40)}`);
  return Buffer.from(b64, 'base64');
}

/**
 * Retries while sshd cannot be reached (a booting VM, a starting daemon); a wrong host key, a refused
 * key or a missing key file end the wait at once: waiting does not heal them. cloud-init writes the
 * authorized keys before sshd starts (cloud-init systemd/cloud-init-network.service.tmpl,
 * `Before=sshd.service`), so a refusal is not "not yet".
 */
export function connectSshWhenUp(
  target: SshTarget,
  timeoutMs: number,
  intervalMs: number,
  via?: SshHost,
): Promise<SshHost> {
  const heals = (err: unknown) => err instanceof LabError && err.code === 'E_SSH';
  return waitFor(
    `SSH to ${target.name} (${target.address})`,
    timeoutMs,
    () => connectSsh(target, 10_000, via),
    intervalMs,
    heals,
  );
}

function readPrivateKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new LabError(
      'E_SSH_KEY',
      `cannot read the SSH key ${path}: ${(err as Error).message}`,
      'the lab command makes it when it brings the lab up: run npm run lab:l2 (or lab:bgp) again',
      err,
    );
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/** Connects directly, or through `via` (a jump host, as the Proxmox nodes are reached through the router). */
export async function connectSsh(target: SshTarget, timeoutMs = 10_000, via?: SshHost): Promise<SshHost> {
  const ssh = new NodeSSH();
  const pinned = keyBlob(target.hostKey);
  const privateKey = readPrivateKey(target.privateKeyPath);
  let mismatch = false;
  // The stream under the session is ours (a TCP socket, or a channel through `via`), so close() can end it.
  let sock: Duplex | undefined;
  try {
    sock = via
      ? await via.forward(target.address, target.port ?? 22)
      : await tcpConnect(target.address, target.port ?? 22, timeoutMs);
    await ssh.connect({
      sock,
      username: target.username,
      privateKey,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        mismatch = !key.equals(pinned);
        return !mismatch;
      },
    } as Parameters<NodeSSH['connect']>[0]);
  } catch (err) {
    // A failed attempt (sshd still starting) must not keep its socket or forwarded channel open: a
    // command with one left cannot exit.
    ssh.dispose();
    sock?.destroy();
    if (mismatch)
      throw new LabError(
        'E_HOSTKEY',
        `${target.name} (${target.address}) presented a host key that is not the pinned one`,
        'if the host was rebuilt, run npm run lab:teardown and start again',
      );
    // ssh2 1.17 lib/client.js marks the end of every offered method with this level.
    if ((err as { level?: string }).level === 'client-authentication') {
      throw new LabError(
        'E_SSH_AUTH',
        `${target.name} (${target.address}) refused the key ${target.privateKeyPath} for ${target.username}`,
        `the VM's authorized keys come from its cloud-init: is ${target.privateKeyPath}.pub among them (ssh.user ${target.username})?`,
        err,
      );
    }
    throw new LabError(
      'E_SSH',
      `cannot reach ${target.name} over SSH at ${target.address}: ${(err as Error).message}`,
      undefined,
      err,
    );
  }
  return {
    name: target.name,
    async exec(command, options): Promise<ExecResult> {
      const r = await ssh.execCommand(command, { stdin: options?.input });
      return { stdout: r.stdout, stderr: r.stderr, code: r.code ?? 1 };
    },
    forward: (address, port) =>
      new Promise<Duplex>((resolve, reject) => {
        ssh.connection!.forwardOut('127.0.0.1', 0, address, port, (err: Error | undefined, stream: Duplex) =>
          err
            ? reject(new LabError('E_SSH', `${target.name} cannot reach ${address}:${port}: ${err.message}`))
            : resolve(stream),
        );
      }),
    connected: () => ssh.isConnected(),
    close: () => {
      // dispose() ends the session politely and waits for the peer's FIN; a VM powered off right
      // after never sends one, and the socket would hold the process for minutes (ssh2's own
      // destroy() does nothing once the socket is half-closed): ours goes 2 s later.
      ssh.dispose();
      setTimeout(() => sock.destroy(), 2000).unref();
    },
  };
}
