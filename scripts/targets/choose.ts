// Which target a command acts on: --target, else Proxmox when lab.yaml exists, else the emulated lab.
import { basename } from 'node:path';
import { LabError } from '../../lab/errors.ts';
import { configPath, EXAMPLE_CONFIG } from '../config.ts';

export type TargetKind = 'netns' | 'proxmox';

/** --target, else Proxmox when lab.yaml exists, else the emulated lab. */
export function chooseTarget(explicit: string | undefined, config: string | undefined): { target: TargetKind; why: string } {
  if (explicit === 'netns' || explicit === 'proxmox') return { target: explicit, why: `--target ${explicit}` };
  if (explicit !== undefined) throw new LabError('E_USAGE', `--target must be netns or proxmox, not ${JSON.stringify(explicit)}`);
  const { file, isExample } = configPath(config);
  return isExample
    ? { target: 'netns', why: `no lab.yaml: running the emulated lab in network namespaces (copy ${EXAMPLE_CONFIG} to lab.yaml to target Proxmox)` }
    : { target: 'proxmox', why: `${basename(file)}: targeting Proxmox (--target netns runs the emulated lab)` };
}
