// Waits written out: every one has a timeout and says what it waited for.
import { LabError } from '../lab/errors.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns a value, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new LabError('E_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
