// Local commands of the Proxmox teardown (cdktf destroy): their progress goes to stderr, so stdout
// stays free for --json.
import { LabError } from '../../../lab/errors.ts';
import { localHost } from '../../hosts/local.ts';

export async function runLocal(command: string, env: Record<string, string> = {}): Promise<void> {
  const r = await localHost({ env, progress: process.stderr }).exec(command);
  if (r.code !== 0) throw new LabError('E_LOCAL', `\`${command.split(' ').slice(0, 3).join(' ')} …\` exited ${r.code}`);
}
