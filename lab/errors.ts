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

/**
 * Every code an error may carry, and what it means: the closed set `--json` reports as `error.code`
 * (README, "Error codes", lists the same). A code of its own where the user's fix differs.
 */
export const ERROR_CODES = {
  E_USAGE: 'a flag, argument or name on the command line is wrong',
  E_CONFIG: 'the lab file is invalid: error.issues lists each field, its line and the fix',
  E_NO_CONFIG: 'no lab file where one was looked for',
  E_SECRET: 'a secret the lab names is not in the environment',
  E_ROOT: 'the emulated lab needs root',
  E_DEPS: 'a system package the lab uses is missing',
  E_TOKEN: 'PROXMOX_VE_API_TOKEN is not set',
  E_UNREACHABLE: 'the Proxmox API does not answer at proxmox.endpoint',
  E_TLS: "the Proxmox API's certificate is not trusted",
  E_AUTH: 'the Proxmox API refused the token',
  E_FORBIDDEN: 'the token lacks a privilege for a call',
  E_API: 'the Proxmox API answered a call with an error',
  E_UNANSWERED: "a VM's guest agent did not answer in time",
  E_K3S: 'a node did not register with k3s in time',
  E_PREFLIGHT: 'the preflight found problems on the Proxmox host: each is listed with its fix',
  E_OUTPUTS: "the deploy's outputs are missing or incomplete",
  E_LOCAL: 'a command on this machine failed (cdktf, ssh-keygen)',
  E_EXEC: 'a command on a lab host failed',
  E_STEP: "a step of the run failed: the message holds its log's tail and how to resume",
  E_SSH: 'SSH to a lab host failed',
  E_SSH_KEY: "the lab's SSH key cannot be read",
  E_SSH_AUTH: "a lab host refused the lab's SSH key",
  E_HOSTKEY: 'a lab host presented a host key other than the pinned one',
  E_MAC: "a VM's interface does not have its planned MAC",
  E_NETNS: 'the emulated network cannot be built (a name, a subnet in use)',
  E_FRR: 'FRR did not start or refused its configuration',
  E_SPAWN: 'a process of the emulated lab did not start or died',
  E_STOP: 'a process of the emulated lab did not stop when told',
  E_REPAIR: 'a damaged lab could not be removed to be rebuilt',
  E_TEARDOWN: 'teardown could not remove everything: what stayed is named',
  E_TIMEOUT: 'a bounded wait ran out: the message says what for and what it saw last',
  E_FAULT: 'a fault could not be applied (lab:compare)',
  E_FAILOVER: 'no node can be failed over as asked',
  E_INTERNAL: 'a defect of the toolkit: please report it',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class LabError extends Error {
  constructor(
    readonly code: ErrorCode,
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
    /** The variables whose values are secret, where the file got far enough to name them. */
    readonly secretEnv: readonly string[] = [],
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
