import { afterEach, describe, expect, it, vi } from 'vitest';
import { aptLine, ensurePackages, missingPackages, requireRoot } from '../../scripts/lib/deps.ts';

describe('system packages', () => {
  afterEach(() => vi.restoreAllMocks());

  it('should name the package of a missing program and the apt-get line that installs it', async () => {
    const tools = { sh: 'dash', 'no-such-program-xyz': 'xyz-tools' };
    expect(await missingPackages(tools)).toEqual(['xyz-tools']);
    await expect(ensurePackages(tools, false)).rejects.toMatchObject({
      code: 'E_DEPS',
      message: 'missing system packages: xyz-tools',
      hint: 'install them with: sudo apt-get update && sudo apt-get install -y xyz-tools   (or pass --install-deps)',
    });
    expect(aptLine(['frr', 'gobgpd'])).toBe('sudo apt-get update && sudo apt-get install -y frr gobgpd');
  });

  it('should tell a user who is not root what to do', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    expect(() => requireRoot('the emulated lab')).toThrow(
      'the emulated lab needs root: it creates network namespaces and starts daemons',
    );
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    expect(() => requireRoot('the emulated lab')).not.toThrow();
  });
});
