// Puts the Kubernetes stand-in on a PATH: `k3s` (k3s kubectl …), `helm`, `cilium`, and a `sudo` that
// runs its command as is. Returns the environment for a local Host and a reader of the stand-in's state.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../../../lab/load.ts';
import type { KubeState } from './kubectl.ts';

export interface KubeStandin {
  readonly env: Record<string, string>;
  state(): KubeState;
}

export function installKubeStandin(
  dir: string,
  extraShims: Record<string, string> = {},
  nodes: KubeState['nodes'] = {},
): KubeStandin {
  const bin = join(dir, 'bin');
  const home = join(dir, 'home');
  const stateFile = join(dir, 'kube-state.json');
  mkdirSync(bin, { recursive: true });
  mkdirSync(home, { recursive: true });
  // Plain JavaScript, started without tsx: a test calls it dozens of times. It lives under node_modules
  // so that its `yaml` import resolves.
  const cache = join(ROOT, 'node_modules/.cache/proxmox-cilium-lab');
  mkdirSync(cache, { recursive: true });
  const js = join(cache, 'kubectl.mjs');
  const source = readFileSync(join(ROOT, 'test/fakes/kubernetes/kubectl.ts'), 'utf8');
  writeFileSync(
    js,
    ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
      .outputText,
  );
  const run = `exec "${process.execPath}" "${js}"`;
  const shims: Record<string, string> = {
    k3s: `${run} "$@"`,
    helm: `${run} helm "$@"`,
    cilium: `${run} cilium "$@"`,
    sudo: 'exec "$@"',
    ...extraShims,
  };
  for (const [name, body] of Object.entries(shims)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const empty: KubeState = { release: null, running: null, crds: [], objects: {}, nodes, calls: [] };
  writeFileSync(stateFile, JSON.stringify(empty));
  return {
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: home, K8S_STANDIN_STATE: stateFile },
    state: () => JSON.parse(readFileSync(stateFile, 'utf8')) as KubeState,
  };
}
