// What a soak run counts: per test, how many runs passed, failed or skipped it, read from vitest's JSON
// reporter (its `testResults[].assertionResults[]`, one per test, `status` passed|failed|skipped|pending|todo).

export interface VitestJson {
  readonly testResults: readonly {
    readonly name: string;
    readonly assertionResults: readonly {
      readonly fullName: string;
      readonly status: string;
      readonly failureMessages?: readonly string[];
    }[];
  }[];
}

export interface TestTally {
  readonly file: string;
  readonly test: string;
  passed: number;
  failed: number;
  skipped: number;
  /** The first line of each failure, with the run it happened in (1-based). */
  readonly failures: { run: number; message: string }[];
}

/** Adds one run's results to the tally, keyed by file and test, in the order tests first appear. */
export function addRun(tally: Map<string, TestTally>, run: number, result: VitestJson, root: string): void {
  for (const file of result.testResults) {
    const rel = file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name;
    for (const t of file.assertionResults) {
      const key = `${rel} › ${t.fullName}`;
      const entry = tally.get(key) ?? { file: rel, test: t.fullName, passed: 0, failed: 0, skipped: 0, failures: [] };
      tally.set(key, entry);
      if (t.status === 'passed') entry.passed++;
      else if (t.status === 'failed') {
        entry.failed++;
        const first = (t.failureMessages?.[0] ?? '').split('\n')[0]!.slice(0, 300);
        entry.failures.push({ run, message: first });
      } else entry.skipped++;
    }
  }
}

/** A run whose file crashed before its tests were collected counts as a failure of that file. */
export function missingFiles(result: VitestJson | undefined, files: readonly string[], root: string): string[] {
  const seen = new Set((result?.testResults ?? []).map((f) => f.name));
  return files.filter((f) => !seen.has(`${root}/${f}`));
}

/** One line per test: `passed/runs  file › test`, the unstable ones first. */
export function tallyLines(tally: Iterable<TestTally>, runs: number): string[] {
  const rows = [...tally].sort((a, b) => b.failed - a.failed);
  return rows.map((t) => {
    const mark = t.failed > 0 ? '✗' : t.skipped === runs ? '-' : '✓';
    const lines = [`${mark} ${String(t.passed).padStart(3)}/${runs}  ${t.file} › ${t.test}`];
    for (const f of t.failures) lines.push(`      run ${f.run}: ${f.message}`);
    return lines.join('\n');
  });
}
