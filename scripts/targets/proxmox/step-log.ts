// One log file per step, .lab/<name>/logs/NN-<step>.log: every command with its host, standard input
// (its size only: secrets travel there), exit code and output; every API call and its answer. Known
// secret values are masked as a second line of defence. It also remembers the last command, so a
// failure can say what failed.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExecResult, Host } from '../../hosts/host.ts';
import type { ProxmoxApi } from './api.ts';

export interface LastCommand {
  host: string;
  command: string;
  result?: ExecResult;
  /** An API call's error. */
  error?: string;
}

export interface StepLog {
  readonly file: string;
  mask(text: string): string;
  last?: LastCommand;
  host(h: Host, opts?: { secretOutput?: (command: string) => boolean }): Host;
  api(api: ProxmoxApi): ProxmoxApi;
  write(text: string): void;
}

export function openStepLog(file: string, header: string, secrets: () => string[]): StepLog {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${header}\n`, { mode: 0o600 });
  const mask = (text: string) =>
    secrets()
      .filter((s) => s.length >= 4)
      .reduce((t, s) => t.replaceAll(s, '(secret)'), text);
  const write = (text: string) => appendFileSync(file, `${mask(text)}\n`);
  const log: StepLog = {
    file,
    mask,
    write,
    host: (h, opts) => ({
      name: h.name,
      async exec(command, options) {
        log.last = { host: h.name, command };
        write(
          `\n[${new Date().toISOString()}] on ${h.name}\n$ ${command}${options?.input !== undefined ? `\n< standard input: ${Buffer.byteLength(options.input)} bytes (not logged)` : ''}`,
        );
        const r = await h.exec(command, options);
        log.last.result = r;
        const hidden = opts?.secretOutput?.(command);
        write(
          `exit ${r.code}${r.stdout ? `\n--- stdout\n${hidden ? '(not logged: it holds credentials)' : r.stdout.trimEnd()}` : ''}${r.stderr ? `\n--- stderr\n${r.stderr.trimEnd()}` : ''}`,
        );
        return r;
      },
    }),
    api: (a) => ({
      async call(name, path, params) {
        const what = `${name} ${JSON.stringify(path ?? {})}${params ? ` ${JSON.stringify(params)}` : ''}`;
        log.last = { host: 'proxmox-api', command: what };
        write(`\n[${new Date().toISOString()}] proxmox-api ${what}`);
        try {
          const answer = await a.call(name, path, params);
          write(`answer ${JSON.stringify(answer).slice(0, 2000)}`);
          return answer as never;
        } catch (err) {
          log.last.error = (err as Error).message;
          write(`error ${log.last.error}`);
          throw err;
        }
      },
    }),
  };
  return log;
}
