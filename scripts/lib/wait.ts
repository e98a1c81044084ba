// Waits written out: every one has a timeout and says what it waited for and what it saw last.
import { LabError } from '../../lab/errors.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls until `check` returns a value, or fails after `timeoutMs` saying what it waited for and the
 * last thing `check` reported through `saw` (a timeout never hides its cause). An error `check` throws
 * ends the wait at once, unless `heals(err)` says it may pass (a booting host refusing connections):
 * then it is the last thing seen, and the timeout carries it as its cause and passes on its fix.
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: (saw: (seen: string) => void) => Promise<T | undefined | false>,
  intervalMs = 100,
  heals: (err: unknown) => boolean = () => false,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check((seen) => (last = seen));
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (!heals(err)) throw err;
      lastError = err;
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const hint = lastError instanceof LabError ? lastError.hint : undefined;
      throw new LabError(
        'E_TIMEOUT',
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last seen: ${last}` : ''}`,
        hint,
        lastError,
      );
    }
    await sleep(intervalMs);
  }
}
