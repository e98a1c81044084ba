// Typed errors: each carries a code and the fix; only the entry point turns them into an exit code.

export interface FieldIssue {
  /** Dotted path into lab.yaml, e.g. `l2.pool`. */
  readonly path: string;
  readonly value: unknown;
  readonly problem: string;
  /** How to fix it; a concrete value it suggests comes last, as `e.g. <YAML value>`, and passes validation. */
  readonly fix: string;
  /** Where in the file, when known. */
  readonly line?: number;
  readonly col?: number;
  /** The value may be (or hold) a secret: it is never shown. */
  readonly secret?: boolean;
}

export class LabError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    /** The error this one reports, kept for whoever digs further (a wait's last failure). */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LabError';
  }
}

/** Longest part of any value or path an error shows; a problem's text gets twice that. */
export const SHOWN_CHARS = 80;
/** At most this many problems are listed; the count says how many there are. */
const LISTED = 25;

/** A private key, an API token, a bearer token or a password in a URL: never shown. */
const SECRET_SHAPES = [
  /PRIVATE KEY/,
  /PVEAPIToken/i,
  /[\w.-]+@[\w.-]+![\w.-]+=/,
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*:[^/\s]*@/i,
  /[?&](token|password|secret|key)=/i,
  /^Bearer /i,
];

export function looksSecret(text: string): boolean {
  return SECRET_SHAPES.some((re) => re.test(text));
}

/** Cuts a text to SHOWN_CHARS, saying how long it was. */
export function clip(text: string, max = SHOWN_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** What an issue may show of a value: nothing of a secret, a short part of anything long (undefined: nothing). */
function shown(issue: FieldIssue): unknown {
  if (issue.value === undefined) return undefined;
  const text = typeof issue.value === 'string' ? issue.value : (JSON.stringify(issue.value) ?? String(issue.value));
  if (issue.secret || looksSecret(text)) return undefined;
  if (text.length <= SHOWN_CHARS) return issue.value;
  return clip(text);
}

export class ConfigError extends LabError {
  readonly issues: readonly FieldIssue[];
  constructor(
    readonly file: string,
    issues: readonly FieldIssue[],
  ) {
    // Issues are made safe here, once: the text and the --json document show the same clipped values.
    const safe = issues.map((i) => {
      const value = shown(i);
      return {
        ...i,
        path: clip(i.path),
        problem: clip(i.problem, 2 * SHOWN_CHARS),
        value,
        ...(value === undefined && i.value !== undefined ? { secret: true } : {}),
      };
    });
    const listed = safe.slice(0, LISTED).map(formatIssue);
    if (safe.length > LISTED) listed.push(`  … and ${safe.length - LISTED} more`);
    super(
      'E_CONFIG',
      `${clip(file, 2 * SHOWN_CHARS)}: ${safe.length} problem${safe.length === 1 ? '' : 's'}\n${listed.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = safe;
  }
}

export function formatIssue(issue: FieldIssue): string {
  const value = issue.secret
    ? ' (value not shown: it may be a secret)'
    : issue.value === undefined
      ? ''
      : ` (got ${JSON.stringify(issue.value)})`;
  const at =
    issue.line === undefined ? '' : `line ${issue.line}${issue.col === undefined ? '' : `, column ${issue.col}`}`;
  const where = issue.path ? `${issue.path}${at ? ` (${at})` : ''}` : at || '(file)';
  return `  ${where}: ${issue.problem}${value} — ${issue.fix}`;
}
