// lab.yaml text → validated config. Pure: the caller reads the file. All problems are reported at once.
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type FieldIssue } from './errors.ts';
import { LabSchema, type LabConfig } from './schema.ts';
import { crossFieldIssues } from './validate.ts';

export function parseLab(text: string, file: string): LabConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: '',
        value: undefined,
        problem: `YAML syntax: ${e.message.split('\n')[0]}`,
        fix: 'fix the YAML at that place (indentation, colons, quotes)',
        ...lines.linePos(e.pos[0]),
      })),
    );
  }
  const input: unknown = doc.toJS() ?? {};
  const parsed = LabSchema.safeParse(input);
  const locate = (issue: FieldIssue): FieldIssue => ({ ...issue, ...position(doc, lines, issue.path) });
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.flatMap((i) => fromZod(i, input)).map(locate));
  const issues = crossFieldIssues(parsed.data);
  if (issues.length > 0) throw new ConfigError(file, issues.map(locate));
  return parsed.data;
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
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
}

function fromZod(issue: z.core.$ZodIssue, input: unknown): FieldIssue[] {
  const path = issue.path.map(String).join('.');
  const value = valueAt(input, issue.path);
  const [problem, fix] = issue.message.split(' — ');
  if (fix !== undefined) return [{ path, value, problem: problem!, fix }];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        value: undefined,
        problem: 'unknown field',
        fix: 'remove it or correct its spelling (lab.schema.json lists every field)',
      }));
    case 'invalid_type':
      return value === undefined
        ? [{ path, value, problem: 'missing', fix: `add it (a ${issue.expected}; see lab.example.yaml)` }]
        : [{ path, value, problem: `expected a ${issue.expected}`, fix: `write a ${issue.expected}` }];
    case 'invalid_value':
      return [{ path, value, problem: 'not an allowed value', fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    case 'invalid_union':
      return [{ path, value, problem: 'does not match any allowed form', fix: 'see the forms in lab.example.yaml' }];
    case 'too_small':
    case 'too_big':
      return [{ path, value, problem: issue.message, fix: `use a value ${issue.code === 'too_small' ? '≥' : '≤'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}` }];
    default:
      return [{ path, value, problem: issue.message, fix: 'see lab.example.yaml' }];
  }
}
