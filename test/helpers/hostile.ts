// Values a hostile lab file could carry: each would create a canary file in the working folder if any
// shell ever read it as code ($(…), backquotes, ;, &&, |, a newline, quotes that close early).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CANARIES = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];

/** Every trick at once; as a suffix, so parsers that read a prefix (numbers, addresses) may still pass it on. */
export const PAYLOAD = `$(>c1)\`>c2\`;>c3 '"&&>c4|>c5\n>c6 #`;

/** A Linux interface name that is hostile (15 bytes, no '/', ':' or blank): the kernel accepts it. */
export const HOSTILE_IFACE = ';>c1`>c2`$(>c3)';

/** A TCP-MD5 password FRR and GoBGP take as one word, hostile to any shell that would see it. */
export const HOSTILE_PASSWORD = 'pw$(>c4)`>c5`;>c6';

export function canariesIn(dir: string): string[] {
  return CANARIES.map((c) => join(dir, c)).filter(existsSync);
}
