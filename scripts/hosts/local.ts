// This machine as a Host: the Proxmox run's local commands (render, ssh-keygen, cdktf deploy) run in
// the project folder. Output is captured for the step log and, for long commands, shown as progress.
import { spawn } from 'node:child_process';
import { ROOT } from '../../lab/load.ts';
import type { ExecResult, Host } from './host.ts';

export interface LocalOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Where to echo output as it comes (stderr keeps stdout free for --json). */
  readonly progress?: NodeJS.WritableStream;
}

export function localHost(local: LocalOptions = {}): Host {
  return {
    name: 'local',
    exec: (command, options) =>
      new Promise<ExecResult>((resolve) => {
        const child = spawn('sh', ['-c', command], {
          cwd: ROOT,
          env: { ...process.env, CHECKPOINT_DISABLE: '1', ...local.env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), local.progress?.write(c)));
        child.stderr.on('data', (c: Buffer) => ((stderr += c.toString()), local.progress?.write(c)));
        child.on('error', (err) => resolve({ stdout, stderr: `${stderr}${err.message}`, code: 127 }));
        child.on('close', (code) => resolve({ stdout, stderr, code: code ?? 1 }));
        child.stdin.end(options?.input ?? '');
      }),
  };
}
