// A host the toolkit runs commands on: the emulated router over SSH or in its namespace, a Proxmox VM
// over SSH. Verification is written once against this interface.
import { LabError } from '../../lab/errors.ts';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface Host {
  readonly name: string;
  /** Runs a shell command line (built with `sh`/`quote` of shell.ts); a non-zero exit is a value, not an exception. */
  exec(command: string, options?: { input?: string }): Promise<ExecResult>;
}

/** Runs and insists on success: the error names the host, the command and what it printed. */
export async function run(host: Host, command: string, options?: { input?: string }): Promise<string> {
  const r = await host.exec(command, options);
  if (r.code !== 0) {
    throw new LabError(
      'E_EXEC',
      `${host.name}: \`${command}\` exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  return r.stdout;
}
