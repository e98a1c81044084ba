// lab.yaml text → validated config. Pure: the caller reads the file and passes the environment. All
// problems are reported at once; hostile files (huge, alias bombs, deep nesting) get the same
// one-line refusal as any other mistake. Work is linear in the size of the file.
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type FieldIssue } from './errors.ts';
import { LabSchema, type LabConfig } from './schema.ts';
import { bgpPasswordProblem, secretEnvOf } from './secrets.ts';
import { crossFieldIssues } from './validate.ts';

/** A lab file is a few KiB; anything above this is refused before it is parsed. */
export const MAX_FILE_BYTES = 64 * 1024;
/** Aliases a lab file may expand: plenty for sharing a block, far from a "billion laughs" bomb. */
const MAX_ALIASES = 50;
const DEEP = {
  problem: 'YAML nested too deeply to read',
  fix: 'a lab file nests a few levels: start again from lab.example.yaml',
};
/** Fields whose bad value may be a secret pasted in the wrong place: never shown. */
const SECRET_PATHS = /^(bgp\.passwordEnv|ssh\.authorizedKeys\.\d+)$/;

export function tooLarge(file: string, bytes: number): ConfigError {
  return new ConfigError(file, [
    {
      path: '',
      value: undefined,
      problem: `the file is ${(bytes / 1024).toFixed(0)} KiB, above the ${MAX_FILE_BYTES / 1024} KiB limit for a lab file`,
      fix: 'a lab definition is a few KiB: start again from lab.example.yaml',
    },
  ]);
}

function fileIssue(problem: string, fix: string, line?: number, col?: number): FieldIssue {
  return { path: '', value: undefined, problem, fix, ...(line === undefined ? {} : { line, col }) };
}

export function parseLab(text: string, file: string, env: NodeJS.ProcessEnv = {}): LabConfig {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) throw tooLarge(file, bytes);
  const lines = new LineCounter();
  let doc: Document;
  let input: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    // The first error is the one to fix; a stack overflow repeats once per level of nesting.
    const first = doc.errors[0];
    if (first) {
      const at = lines.linePos(first.pos[0]);
      if (/call stack/i.test(first.message)) throw new ConfigError(file, [fileIssue(DEEP.problem, DEEP.fix)]);
      throw new ConfigError(file, [
        fileIssue(
          `YAML syntax: ${first.message.split('\n')[0]}`,
          'fix the YAML at that place (indentation, colons, quotes)',
          at.line,
          at.col,
        ),
      ]);
    }
    input = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // yaml throws on alias expansion past maxAliasCount ("resource exhaustion") and on nesting past the stack.
    const aliases = err instanceof Error && /alias/i.test(err.message);
    throw new ConfigError(file, [
      aliases
        ? fileIssue(
            `YAML aliases expand beyond ${MAX_ALIASES} copies`,
            'write the values out: a lab file needs few or no aliases (*name)',
          )
        : fileIssue(DEEP.problem, DEEP.fix),
    ]);
  }
  const parsed = LabSchema.safeParse(input);
  const locate = (issue: FieldIssue): FieldIssue => ({ ...issue, ...position(doc, lines, issue.path) });
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.flatMap((i) => fromZod(i, input)).map(locate));
  const issues = [...crossFieldIssues(parsed.data), ...secretIssues(parsed.data, env)];
  if (issues.length > 0) throw new ConfigError(file, issues.map(locate), secretEnvOf(parsed.data));
  return parsed.data;
}

/** A password that the variable named by bgp.passwordEnv holds and that cannot work: refused up front, never shown. */
function secretIssues(config: LabConfig, env: NodeJS.ProcessEnv): FieldIssue[] {
  const name = config.bgp.passwordEnv;
  if (!name) return [];
  // Unset (or empty) is the run's concern: lab:render and lab:bgp stop on it before any change.
  const password = env[name];
  const problem = password ? bgpPasswordProblem(password) : undefined;
  if (!problem) return [];
  return [
    {
      path: 'bgp.passwordEnv',
      value: undefined,
      problem: `the password in ${name} ${problem}`,
      fix: `set ${name} to 1-80 printable ASCII characters without blanks (openssl rand -hex 24 makes one)`,
    },
  ];
}

function position(doc: Document, lines: LineCounter, path: string): { line?: number } {
  const keys = path === '' ? [] : path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  for (let n = keys.length; n > 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return { line: lines.linePos(node.range[0]).line };
  }
  return {};
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    input,
  );
}

function fromZod(issue: z.core.$ZodIssue, input: unknown): FieldIssue[] {
  const path = issue.path.map(String).join('.');
  const value = valueAt(input, issue.path);
  const secret = SECRET_PATHS.test(path);
  const [problem, fix] = issue.message.split(' — ');
  if (fix !== undefined) return [{ path, value, problem: problem!, fix, secret }];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        value: undefined,
        problem: 'unknown field',
        fix: 'remove it or correct its spelling (lab.schema.json lists every field)',
      }));
    case 'invalid_type':
      if (path === '')
        return [
          {
            path,
            value: undefined,
            problem: 'the file is not a mapping of fields',
            fix: 'start from lab.example.yaml: name, proxmox, network, …',
          },
        ];
      return value === undefined
        ? [{ path, value, problem: 'missing', fix: `add it (a ${issue.expected}; see lab.example.yaml)` }]
        : [{ path, value, problem: `expected a ${issue.expected}`, fix: `write a ${issue.expected}`, secret }];
    case 'invalid_value':
      return [
        {
          path,
          value,
          problem: 'not an allowed value',
          fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        },
      ];
    case 'invalid_union':
      return [{ path, value, problem: 'does not match any allowed form', fix: 'see the forms in lab.example.yaml' }];
    case 'too_small':
    case 'too_big':
      return [
        {
          path,
          value,
          problem: issue.message,
          fix: `use a value ${issue.code === 'too_small' ? '≥' : '≤'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`,
        },
      ];
    default:
      return [{ path, value, problem: issue.message, fix: 'see lab.example.yaml', secret }];
  }
}
