// The one place that parses flags, prints help and turns errors into an exit code.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, LabError } from '../lab/errors.ts';
import { redact } from '../lab/secrets.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command<O extends Options> {
  /** `npm run <name>`. */
  readonly name: string;
  readonly summary: string;
  readonly options: O;
  /** One line per option, in the same order. */
  readonly help: Record<keyof O & string, string>;
}

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies Options;

/** --target and --config, as every command that works on a lab takes them. */
export const LAB_OPTIONS = { target: { type: 'string' }, config: { type: 'string' } } as const satisfies Options;
export const LAB_HELP = {
  target: 'netns (emulated, this machine) or proxmox; default: proxmox when lab.yaml exists',
  config: 'lab definition (default: lab.yaml, else lab.example.yaml)',
} as const;

export function usage<O extends Options>(cmd: Command<O>): string {
  const lines = Object.entries(cmd.help).map(([flag, text]) => {
    const spec = cmd.options[flag]!;
    return `  --${flag}${spec.type === 'string' ? ' VALUE' : ''}`.padEnd(26) + text;
  });
  return [`Usage: npm run ${cmd.name} -- [options]`, '', cmd.summary, '', 'Options:', ...lines, '  --json'.padEnd(26) + 'print one JSON document on stdout, nothing else', '  -h, --help'.padEnd(26) + 'show this help'].join('\n');
}

/** Parses argv, handles --help, runs the verb and maps failures to exit codes; only here does the process exit. */
export async function main<O extends Options>(cmd: Command<O>, verb: (values: Record<string, string | boolean | undefined>, json: boolean) => Promise<boolean | void>): Promise<void> {
  let json = process.argv.includes('--json');
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { ...COMMON, ...cmd.options }, strict: true, allowPositionals: false }) as {
      values: Record<string, string | boolean | undefined>;
    };
    json = values.json === true;
    if (values.help) {
      console.log(usage(cmd));
      return;
    }
    const ok = await verb(values, json);
    if (ok === false) process.exitCode = 1;
  } catch (err) {
    process.exitCode = err instanceof LabError ? 1 : 2;
    report(err, json, cmd);
  }
}

/** Every message of a failure, ours or one passed on from FRR, cdktf or kubectl, loses the secrets it holds. */
function report(err: unknown, json: boolean, cmd: Command<Options>): void {
  const print = (write: (text: string) => void) => (text: string) => write(redact(text));
  const out = print((t) => console.log(t));
  const errOut = print((t) => console.error(t));
  if (json) {
    const body =
      err instanceof ConfigError
        ? { error: { code: err.code, file: err.file, issues: err.issues } }
        : err instanceof LabError
          ? { error: { code: err.code, message: err.message, hint: err.hint } }
          : { error: { code: 'E_INTERNAL', message: String(err) } };
    out(JSON.stringify(body, null, 2));
    return;
  }
  if (err instanceof LabError) {
    errOut(`✗ ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`);
  } else if (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
    errOut(`✗ ${err.message}\n\n${usage(cmd)}`);
  } else {
    errOut(err instanceof Error ? (err.stack ?? String(err)) : String(err));
  }
}
