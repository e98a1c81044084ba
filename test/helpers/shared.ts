// Locates ../shared (reference schemas) for tests; LAB_SHARED_DIR overrides. Outside this setup the
// tests that need it are skipped with one line saying why; in CI its absence is a failure.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DIR = resolve(process.env.LAB_SHARED_DIR ?? resolve(ROOT, '../shared'));

/** The path of a shared file, or undefined (after saying so once) when it is not there. */
export function sharedFile(relative: string): string | undefined {
  const file = resolve(SHARED_DIR, relative);
  if (existsSync(file)) return file;
  if (process.env.CI) throw new Error(`${file} is missing: CI needs ../shared beside the clone (or LAB_SHARED_DIR)`);
  console.warn(`skipped: ${file} not found — set LAB_SHARED_DIR to the folder holding provider-schemas/ and schemas/`);
  return undefined;
}
