// Typed errors: each carries a code and the fix; only the entry point turns them into an exit code.

export interface FieldIssue {
  /** Dotted path into lab.yaml, e.g. `l2.pool`. */
  readonly path: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
  /** Where in the file, when known. */
  readonly line?: number;
  readonly col?: number;
}

export class LabError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export class ConfigError extends LabError {
  constructor(
    readonly file: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super('E_CONFIG', `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: FieldIssue): string {
  const value = issue.value === undefined ? '' : ` (got ${JSON.stringify(issue.value)})`;
  const at = issue.line === undefined ? '' : `line ${issue.line}${issue.col === undefined ? '' : `, column ${issue.col}`}`;
  const where = issue.path ? `${issue.path}${at ? ` (${at})` : ''}` : at || '(file)';
  return `  ${where}: ${issue.problem}${value} — ${issue.fix}`;
}
