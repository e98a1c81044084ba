// Which target a command acts on: --target, else Proxmox when lab.yaml exists, else the emulated lab.
import { basename } from 'node:path';
import { configPath, EXAMPLE_CONFIG } from '../../lab/load.ts';

export const TARGETS = ['netns', 'proxmox'] as const;
export type TargetKind = (typeof TARGETS)[number];

/** --target, else Proxmox when lab.yaml exists, else the emulated lab. */
export function chooseTarget(
  explicit: TargetKind | undefined,
  config: string | undefined,
): { target: TargetKind; why: string } {
  if (explicit) return { target: explicit, why: `--target ${explicit}` };
  const { file, isExample } = configPath(config);
  return isExample
    ? {
        target: 'netns',
        why: `no lab.yaml: running the emulated lab in network namespaces (copy ${EXAMPLE_CONFIG} to lab.yaml to target Proxmox)`,
      }
    : { target: 'proxmox', why: `${basename(file)}: targeting Proxmox (--target netns runs the emulated lab)` };
}
