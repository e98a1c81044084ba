// Which target a command acts on, and the registry that makes it: --target, else Proxmox when lab.yaml
// exists, else the emulated lab. A new kind is one folder and one line here.
import { basename } from 'node:path';
import { configPath, EXAMPLE_CONFIG, loadLab } from '../../lab/load.ts';
import type { LabPlan, TargetKind } from '../../lab/plan.ts';
import type { Logger } from '../lib/log.ts';
import { keepSecret } from '../lib/cli.ts';
import { secretEnvOf } from '../../lab/secrets.ts';
import { netnsTarget } from './netns/target.ts';
import { proxmoxTarget } from './proxmox/target.ts';
import type { CreateTarget, LabTarget } from './target.ts';

const KINDS: Readonly<Record<TargetKind, CreateTarget>> = { netns: netnsTarget, proxmox: proxmoxTarget };

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

/** The lab a command acts on, and its target: says which and why on the log, then loads the lab file. */
export function openLab(
  flags: { readonly target?: TargetKind; readonly config?: string },
  log: Logger,
): { plan: LabPlan; file: string; target: LabTarget } {
  const { target, why } = chooseTarget(flags.target, flags.config);
  log.note(why);
  const { plan, file } = loadLab(flags.config);
  keepSecret(secretEnvOf(plan.config));
  return { plan, file, target: KINDS[target](plan, file) };
}
