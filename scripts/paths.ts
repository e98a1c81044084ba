// Where the toolkit keeps things: the project root, and .lab/<name>/ for a lab's local state.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

export function labStateDir(lab: string, ...parts: string[]): string {
  return join(ROOT, '.lab', lab, ...parts);
}
