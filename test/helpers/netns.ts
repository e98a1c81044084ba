// Throwaway namespaces for tests: created with a unique name, removed with everything started in them.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { $ } from 'zx';
import { namespacePids, recordedPids, stopPids } from '../../scripts/hosts/daemons.ts';
import { removeIfEmpty } from '../../scripts/targets/netns/teardown.ts';

export interface Scratch {
  readonly namespace: string;
  readonly runDir: string;
  cleanup(): Promise<void>;
}

export async function scratchNamespace(tag: string): Promise<Scratch> {
  const namespace = `t${process.pid % 100000}${tag}`;
  const runDir = `/run/proxmox-cilium-lab-test/${namespace}`;
  await $`ip netns add ${namespace}`;
  await $`ip -n ${namespace} link set lo up`;
  return {
    namespace,
    runDir,
    async cleanup() {
      await stopPids([...recordedPids(runDir), ...(await namespacePids(namespace))]);
      await $({ nothrow: true })`ip netns del ${namespace}`;
      rmSync(runDir, { recursive: true, force: true });
      removeIfEmpty(dirname(runDir));
    },
  };
}
