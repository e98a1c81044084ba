// Waits written out: every one has a timeout and says what it waited for and what it saw last.
import { LabError } from '../lab/errors.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls until `check` returns a value, or fails after `timeoutMs` saying what it waited for and the
 * last thing `check` reported through `saw` (a timeout never hides its cause).
 */
export async function waitFor<T>(what: string, timeoutMs: number, check: (saw: (seen: string) => void) => Promise<T | undefined | false>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const v = await check((seen) => (last = seen));
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new LabError('E_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last seen: ${last}` : ''}`);
    await sleep(intervalMs);
  }
}
