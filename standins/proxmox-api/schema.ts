// The Proxmox VE API description (pve-docs' apidata, ../shared/schemas/proxmox): its paths, and a check
// of values against its JSON-schema-like parameter and return descriptions.
import { readFileSync } from 'node:fs';

export interface PveMethodInfo {
  parameters?: PveSchema;
  returns?: PveSchema;
  permissions?: { check?: unknown[]; user?: string; description?: string };
}
export interface PveSchema {
  type?: string | string[];
  properties?: Record<string, PveSchema & { optional?: number | boolean }>;
  items?: PveSchema;
  additionalProperties?: number | boolean | PveSchema;
  enum?: unknown[];
  optional?: number | boolean;
}
interface PveNode {
  path: string;
  info?: Record<string, PveMethodInfo>;
  children?: PveNode[];
}

export interface PveApiSchema {
  /** The schema path template ("/nodes/{node}/qemu") that a concrete path matches, with its values. */
  match(path: string): { template: string; values: Record<string, string> } | undefined;
  method(template: string, method: string): PveMethodInfo | undefined;
}

export function loadPveSchema(file: string): PveApiSchema {
  const nodes = new Map<string, PveNode>();
  const walk = (n: PveNode) => {
    nodes.set(n.path, n);
    n.children?.forEach(walk);
  };
  (JSON.parse(readFileSync(file, 'utf8')) as PveNode[]).forEach(walk);
  const patterns = [...nodes.keys()].map((template) => ({
    template,
    re: new RegExp(`^${template.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
  }));
  return {
    match(path) {
      // A literal segment beats a placeholder: /nodes/{node}/network over /nodes/{node}/{other}.
      const hits = patterns.map((p) => ({ p, m: p.re.exec(path) })).filter((h) => h.m);
      hits.sort((a, b) => (a.p.template.match(/\{/g)?.length ?? 0) - (b.p.template.match(/\{/g)?.length ?? 0));
      const hit = hits[0];
      return hit
        ? {
            template: hit.p.template,
            values: Object.fromEntries(Object.entries(hit.m!.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])),
          }
        : undefined;
    },
    method: (template, method) => nodes.get(template)?.info?.[method],
  };
}

/** Where `value` departs from the description: wrong types, missing non-optional properties. */
export function conformance(value: unknown, schema: PveSchema | undefined, at = ''): string[] {
  if (!schema || value === null || value === undefined) return [];
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const is = (t: string) =>
    (t === 'string' && typeof value === 'string') ||
    (t === 'integer' && (Number.isInteger(value) || typeof value === 'boolean')) ||
    (t === 'number' && typeof value === 'number') ||
    (t === 'boolean' && (typeof value === 'boolean' || value === 0 || value === 1)) ||
    (t === 'array' && Array.isArray(value)) ||
    (t === 'object' && typeof value === 'object' && !Array.isArray(value)) ||
    t === 'any' ||
    t === 'null';
  if (types.length > 0 && !types.some(is))
    return [`${at || '(root)'}: expected ${types.join('|')}, got ${JSON.stringify(value)}`];
  if (schema.enum && !schema.enum.includes(value))
    return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => conformance(v, schema.items, `${at}[${i}]`));
  if (typeof value === 'object' && schema.properties) {
    const obj = value as Record<string, unknown>;
    const problems = Object.entries(schema.properties).flatMap(([k, s]) =>
      obj[k] === undefined ? (s.optional ? [] : [`${at}.${k}: missing`]) : conformance(obj[k], s, `${at}.${k}`),
    );
    if (schema.additionalProperties === 0 || schema.additionalProperties === false) {
      problems.push(
        ...Object.keys(obj)
          .filter((k) => !(k in schema.properties!))
          .map((k) => `${at}.${k}: not in the description`),
      );
    }
    return problems;
  }
  return [];
}
