// The one place that parses flags, prints help and turns errors into an exit code. Each command declares
// its flags here, with their types and allowed values, and receives typed values; it returns whether it
// succeeded, and this file sets the exit code (only signal handlers end the process themselves).
import { parseArgs } from 'node:util';
import { ConfigError, LabError } from '../../lab/errors.ts';
import { PROVIDER_SECRET_ENV, redact } from '../../lab/secrets.ts';
import { TARGETS } from '../../lab/plan.ts';

/** One flag: its type, its help line, and what it allows. */
export type Flag =
  | { readonly type: 'boolean'; readonly help: string }
  | { readonly type: 'string'; readonly help: string; readonly default?: string }
  /** A whole number of at least `min`. */
  | { readonly type: 'count'; readonly help: string; readonly min: number; readonly default: number }
  /** One of `choices`; `example` is the hint when the value is missing or wrong. */
  | {
      readonly type: 'choice';
      readonly help: string;
      readonly choices: readonly string[];
      readonly default?: string;
      readonly required?: boolean;
      readonly example?: string;
    };

export type Flags = Readonly<Record<string, Flag>>;

/** The value a command receives for a flag. */
export type FlagValue<F extends Flag> = F extends { type: 'boolean' }
  ? boolean
  : F extends { type: 'count' }
    ? number
    : F extends { type: 'choice'; choices: readonly (infer C)[] }
      ? F extends { required: true } | { default: string }
        ? C
        : C | undefined
      : F extends { default: string }
        ? string
        : string | undefined;

export type FlagValues<F extends Flags> = { -readonly [K in keyof F]: FlagValue<F[K]> };

export interface CliCommand<F extends Flags> {
  /** `npm run <name>`. */
  readonly name: string;
  readonly summary: string;
  /** In the order --help lists them. */
  readonly flags: F;
  /** false: the command prints no JSON document, so it takes no --json (the generators, the benchmarks). */
  readonly json?: false;
}

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const;

/** --target and --config, as every command that works on a lab takes them. */
export const TARGET_FLAG = {
  type: 'choice',
  choices: TARGETS,
  help: 'netns (emulated, this machine) or proxmox; default: proxmox when lab.yaml exists',
} as const satisfies Flag;
export const CONFIG_FLAG = {
  type: 'string',
  help: 'lab definition (default: lab.yaml, else lab.example.yaml)',
} as const satisfies Flag;
export const LAB_FLAGS = { target: TARGET_FLAG, config: CONFIG_FLAG } as const satisfies Flags;

export function usage(cmd: CliCommand<Flags>): string {
  const lines = Object.entries(cmd.flags).map(
    ([flag, spec]) => `  --${flag}${spec.type === 'boolean' ? '' : ' VALUE'}`.padEnd(26) + spec.help,
  );
  return [
    `Usage: npm run ${cmd.name} -- [options]`,
    '',
    cmd.summary,
    '',
    'Options:',
    ...lines,
    ...(cmd.json === false ? [] : ['  --json'.padEnd(26) + 'print one JSON document on stdout, nothing else']),
    '  -h, --help'.padEnd(26) + 'show this help',
  ].join('\n');
}

/** The flags' values as declared: a count is a whole number at least its minimum, a choice one of its choices. */
export function flagValues<F extends Flags>(
  flags: F,
  raw: Record<string, string | boolean | undefined>,
): FlagValues<F> {
  const out: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(flags)) {
    const value = raw[flag];
    if (spec.type === 'boolean') out[flag] = value === true;
    else if (spec.type === 'string') out[flag] = value ?? spec.default;
    else if (spec.type === 'count') {
      const n = Number(value ?? spec.default);
      if (!Number.isInteger(n) || n < spec.min)
        throw new LabError('E_USAGE', `--${flag} must be a whole number above ${spec.min - 1}, not ${value}`);
      out[flag] = n;
    } else {
      const chosen = value ?? spec.default;
      if (chosen === undefined && !spec.required) out[flag] = undefined;
      else if (typeof chosen === 'string' && spec.choices.includes(chosen)) out[flag] = chosen;
      else
        throw new LabError(
          'E_USAGE',
          `--${flag} must be ${spec.choices.join(' or ')}${value === undefined ? '' : `, not ${JSON.stringify(value)}`}`,
          spec.example,
        );
    }
  }
  return out as FlagValues<F>;
}

/**
 * Flags npm took for itself: `npm run lab:bgp --dry-run` (no `--`) passes no argument and sets
 * npm_config_dry_run=true instead, so the command would run for real. Under npm (npm_lifecycle_event
 * set), any of the command's flags that is absent from argv but set in npm_config_* is refused, with the
 * spelling that works.
 */
export function npmEatenFlags(
  flags: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { flag: string; value: string }[] {
  if (!env.npm_lifecycle_event) return [];
  const given = new Set(args.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!));
  return flags.flatMap((flag) => {
    const value = env[`npm_config_${flag.replaceAll('-', '_')}`];
    return value && !given.has(flag) ? [{ flag, value }] : [];
  });
}

function refuseNpmEatenFlags(cmd: CliCommand<Flags>, args: readonly string[], env: NodeJS.ProcessEnv): void {
  const eaten = npmEatenFlags([...Object.keys(cmd.flags), 'json', 'help'], args, env);
  if (eaten.length === 0) return;
  const spelled = eaten.map(({ flag, value }) => (value === 'true' ? `--${flag}` : `--${flag} ${value}`)).join(' ');
  throw new LabError(
    'E_USAGE',
    `npm took ${spelled} for itself (it passes flags before \`--\` to no script), so ${cmd.name} did not get it: nothing was run`,
    `put -- before the flags: npm run ${env.npm_lifecycle_event} -- ${spelled}`,
  );
}

/**
 * Parses argv, handles --help, runs the verb with the typed flags and maps failures to exit codes:
 * 1 when the verb says it failed or a LabError, 2 for anything unexpected.
 */
export async function main<const F extends Flags>(
  cmd: CliCommand<F>,
  verb: (flags: FlagValues<F>, json: boolean) => Promise<boolean | void>,
): Promise<void> {
  // A reader that stopped early (`| head`) is not a failure of the command.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const args = process.argv.slice(2);
  // Read leniently first, so that even a bad flag is reported as JSON when --json was given.
  let json =
    cmd.json !== false &&
    parseArgs({ args, options: COMMON, strict: false, allowPositionals: true }).values.json === true;
  try {
    refuseNpmEatenFlags(cmd, args, process.env);
    const options = Object.fromEntries(
      Object.entries(cmd.flags).map(([flag, spec]) => [
        flag,
        { type: spec.type === 'boolean' ? 'boolean' : 'string' } as const,
      ]),
    );
    const common = cmd.json === false ? { help: COMMON.help } : COMMON;
    const { values } = parseArgs({
      args,
      options: { ...common, ...options },
      strict: true,
      allowPositionals: false,
    }) as {
      values: Record<string, string | boolean | undefined>;
    };
    json = values.json === true;
    if (values.help) {
      console.log(usage(cmd));
      return;
    }
    const ok = await verb(flagValues(cmd.flags, values), json);
    if (ok === false) process.exitCode = 1;
  } catch (err) {
    process.exitCode = err instanceof LabError ? 1 : 2;
    report(err, json, cmd);
  }
}

/** node:util parseArgs refusing an unknown flag or a missing value: a usage error like ours. */
const parseArgsError = (err: unknown): err is Error =>
  err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');

/** The variables whose values this process keeps out of what it prints: the provider's, then each loaded lab's. */
const secretNames = new Set<string>(PROVIDER_SECRET_ENV);

/** From now on, the values of these variables are cut out of every failure this command reports. */
export function keepSecret(names: readonly string[]): void {
  for (const n of names) secretNames.add(n);
}

/** Every message of a failure, ours or one passed on from FRR, cdktf or kubectl, loses the secrets it holds. */
function report(err: unknown, json: boolean, cmd: CliCommand<Flags>): void {
  const names = [...secretNames, ...(err instanceof ConfigError ? err.secretEnv : [])];
  const print = (write: (text: string) => void) => (text: string) => write(redact(text, names));
  const out = print((t) => console.log(t));
  const errOut = print((t) => console.error(t));
  if (json) {
    const body =
      err instanceof ConfigError
        ? { error: { code: err.code, file: err.file, issues: err.issues } }
        : err instanceof LabError
          ? { error: { code: err.code, message: err.message, hint: err.hint } }
          : parseArgsError(err)
            ? { error: { code: 'E_USAGE', message: (err as Error).message, hint: usage(cmd) } }
            : { error: { code: 'E_INTERNAL', message: String(err) } };
    out(JSON.stringify(body, null, 2));
    return;
  }
  if (err instanceof LabError) {
    errOut(`✗ ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`);
  } else if (parseArgsError(err)) {
    errOut(`✗ ${err.message}\n\n${usage(cmd)}`);
  } else {
    errOut(err instanceof Error ? (err.stack ?? String(err)) : String(err));
  }
}
