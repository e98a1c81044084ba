// The soak's count, from vitest's own JSON reporter shape (testResults[].assertionResults[]: fullName,
// status, failureMessages), as `vitest run --reporter=json` writes it.
import { describe, expect, it } from 'vitest';
import { addRun, missingFiles, type TestTally, tallyLines, type VitestJson } from './tally.ts';

const run = (status: string, message?: string): VitestJson => ({
  testResults: [
    {
      name: '/repo/test/a.test.ts',
      assertionResults: [
        { fullName: 'a should pass', status: 'passed' },
        { fullName: 'a should flake', status, ...(message ? { failureMessages: [`${message}\n    at x`] } : {}) },
      ],
    },
  ],
});

describe('the soak tally', () => {
  it('should count each test per run and keep the first line of each failure with its run', () => {
    const tally = new Map<string, TestTally>();
    addRun(tally, 1, run('passed'), '/repo');
    addRun(tally, 2, run('failed', 'AssertionError: expected 0 to be greater than 0'), '/repo');
    addRun(tally, 3, run('skipped'), '/repo');
    const flake = tally.get('test/a.test.ts › a should flake')!;
    expect(flake).toMatchObject({ passed: 1, failed: 1, skipped: 1 });
    expect(flake.failures).toEqual([{ run: 2, message: 'AssertionError: expected 0 to be greater than 0' }]);
    expect(tallyLines(tally.values(), 3)).toEqual([
      '✗   1/3  test/a.test.ts › a should flake\n      run 2: AssertionError: expected 0 to be greater than 0',
      '✓   3/3  test/a.test.ts › a should pass',
    ]);
  });

  it('should name a file whose results never came (it crashed before its tests ran)', () => {
    expect(missingFiles(run('passed'), ['test/a.test.ts', 'test/b.test.ts'], '/repo')).toEqual(['test/b.test.ts']);
    expect(missingFiles(undefined, ['test/a.test.ts'], '/repo')).toEqual(['test/a.test.ts']);
  });
});
