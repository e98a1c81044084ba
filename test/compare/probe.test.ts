// The timed probe loop in a real shell with real curl against a local echo: a fault that costs nothing
// ends the loop QUIET ms after its flag file appears, long before the loop's limit.
import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { describe, expect, it } from 'vitest';
import { parseProbe, timedProbeLoop } from '../../scripts/verify/failover.ts';
import { echoText } from '../../templates/demo.ts';
import { hasTool } from '../helpers/tools.ts';

describe.skipIf(!hasTool('curl'))('timedProbeLoop with a quiet window', () => {
  it('should stop once nothing failed for the quiet window after the fault, and remove the flag', async () => {
    const server = createServer((_, res) => res.writeHead(200, { connection: 'close' }).end(echoText('n1', 'p1')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const flag = join(tmpdir(), `lab-probe-test-${process.pid}`);
    try {
      const t0 = Date.now();
      const loop = $({
        quiet: true,
      })`sh -c ${timedProbeLoop({ ip: '127.0.0.1', port, intervalMs: 100, maxMs: 20_000, settle: 20, quiet: { ms: 500, flag } })}`;
      let flagAt = 0;
      setTimeout(() => {
        writeFileSync(flag, '');
        flagAt = Date.now();
      }, 500);
      const samples = parseProbe((await loop).stdout);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(samples.length).toBeGreaterThan(3);
      expect(samples.every((s) => s.ok && s.node === 'n1')).toBe(true);
      // The loop's clock (date +%s%3N) and Date.now() are this machine's: it ran on past the flag for the quiet window.
      expect(samples.at(-1)!.t - flagAt).toBeGreaterThanOrEqual(400);
      expect(existsSync(flag)).toBe(false);
    } finally {
      server.close();
    }
  });
});
