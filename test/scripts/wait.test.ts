// A wait keeps its cause: what it saw last, and the last error that may pass, with that error's fix.
import { describe, expect, it } from 'vitest';
import { LabError } from '../../lab/errors.ts';
import { waitFor } from '../../scripts/lib/wait.ts';

describe('waitFor', () => {
  it('should time out naming what it waited for and the last error that may pass, kept as the cause with its fix', async () => {
    let tries = 0;
    const refused = () => new LabError('E_SSH', `connection refused (try ${++tries})`, 'is sshd up?');
    const err = await waitFor(
      'sshd',
      50,
      async () => {
        throw refused();
      },
      10,
      (e) => e instanceof LabError && e.code === 'E_SSH',
    ).catch((e: LabError) => e);
    expect(tries).toBeGreaterThan(1);
    expect(err).toMatchObject({
      code: 'E_TIMEOUT',
      message: `timed out after 50 ms waiting for sshd; last seen: connection refused (try ${tries})`,
      hint: 'is sshd up?',
    });
    expect((err.cause as LabError).message).toBe(`connection refused (try ${tries})`);
  });

  it('should end at once on an error that does not pass', async () => {
    let tries = 0;
    const denied = new LabError('E_SSH_AUTH', 'the key was refused');
    await expect(
      waitFor(
        'sshd',
        10_000,
        async () => {
          tries++;
          throw denied;
        },
        10,
        (e) => e instanceof LabError && e.code === 'E_SSH',
      ),
    ).rejects.toBe(denied);
    expect(tries).toBe(1);
  });

  it('should return the first value the check finds', async () => {
    let n = 0;
    expect(await waitFor('three', 1000, async () => (++n === 3 ? n : undefined), 1)).toBe(3);
  });
});
