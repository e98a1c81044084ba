// Commands inside a network namespace of this machine (root). zx quotes every argument.
import { $ } from 'zx';
import type { ExecResult, Host } from './host.ts';

export function netnsHost(name: string, namespace: string): Host {
  return {
    name,
    async exec(command, options): Promise<ExecResult> {
      const p = await $({
        nothrow: true,
        quiet: true,
        input: options?.input,
      })`ip netns exec ${namespace} sh -c ${command}`;
      return { stdout: p.stdout, stderr: p.stderr, code: p.exitCode ?? 1 };
    },
  };
}
