// Commands inside a network namespace of this machine (root). zx quotes every argument.
import { $ } from 'zx';
import { parseCidr } from '../../lab/ipv4.ts';
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

/** Where labs in namespaces on this machine keep their runtime files (PIDs, sockets). */
export const RUN_ROOT = '/run/proxmox-cilium-lab';

/** A /30 in 169.254.0.0/16 per lab name, so two labs' management links do not collide. */
export function mgmtSubnet(lab: string): number {
  let h = 0;
  for (const c of lab) h = (h * 31 + c.charCodeAt(0)) % 16_381;
  return parseCidr('169.254.0.0/16').network + 4 * (64 + (h % 16_000));
}
