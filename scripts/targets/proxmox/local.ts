// Local commands of the Proxmox run (cdktf deploy and destroy): their progress goes to stderr, so
// stdout stays free for --json.
import { spawn } from 'node:child_process';
import { LabError } from '../../../lab/errors.ts';
import { ROOT } from '../../paths.ts';

export function runLocal(command: string, env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env } });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new LabError('E_LOCAL', `\`${command.split(' ').slice(0, 3).join(' ')} …\` exited ${code}`))));
  });
}
