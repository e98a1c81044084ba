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
  /** A property string's keys (`net[n]`: `virtio=…,bridge=…,link_down=1`), or a named format. */
  format?: string | Record<string, PveSchema & { keyAlias?: string; default_key?: number }>;
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
  if (typeof value === 'string' && typeof schema.format === 'object') return propertyString(value, schema.format, at);
  if (typeof value === 'object' && schema.properties) {
    const obj = value as Record<string, unknown>;
    const props = schema.properties;
    const problems = Object.entries(props).flatMap(([k, s]) =>
      obj[k] === undefined
        ? s.optional || k.endsWith('[n]')
          ? []
          : [`${at}.${k}: missing`]
        : conformance(obj[k], s, `${at}.${k}`),
    );
    // Numbered keys (net0, ipconfig1) are described once, as `net[n]`.
    for (const k of Object.keys(obj).filter((k) => !(k in props))) {
      const indexed = props[k.replace(/\d+$/, '[n]')];
      if (indexed && /\d$/.test(k)) problems.push(...conformance(obj[k], indexed, `${at}.${k}`));
      else if (schema.additionalProperties === 0 || schema.additionalProperties === false)
        problems.push(`${at}.${k}: not in the description`);
    }
    return problems;
  }
  return [];
}

/**
 * A property string (`virtio=02:…,bridge=vmbr1,link_down=1`) against its format, as PVE::JSONSchema's
 * parse_property_string reads it: known keys only (an alias such as `virtio` names the model and takes
 * the MAC), booleans 0 or 1, integers as digits; a bare value is the default key's.
 */
function propertyString(value: string, format: Record<string, PveSchema>, at: string): string[] {
  return value.split(',').flatMap((item) => {
    const eq = item.indexOf('=');
    const key =
      eq < 0 ? Object.keys(format).find((k) => (format[k] as { default_key?: number }).default_key) : item.slice(0, eq);
    const v = eq < 0 ? item : item.slice(eq + 1);
    const f = key === undefined ? undefined : format[key];
    if (!f) return [`${at}: ${item} is not a key of this property string`];
    const type = Array.isArray(f.type) ? f.type[0] : f.type;
    if (type === 'boolean' && !['0', '1'].includes(v)) return [`${at}: ${key}=${v} is not 0 or 1`];
    if (type === 'integer' && !/^\d+$/.test(v)) return [`${at}: ${key}=${v} is not an integer`];
    return [];
  });
}
