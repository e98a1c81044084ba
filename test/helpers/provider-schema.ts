// Checks a synthesized cdk.tf.json against a provider's `terraform providers schema -json` output: unknown
// attributes or blocks, missing required ones, read-only attributes set, wrong types, block counts.
// It does what `terraform validate` would do for the configuration's shape, without the provider binary.
import { readFileSync } from 'node:fs';

type CtyType = string | [string, CtyType] | ['object', Record<string, CtyType>] | ['tuple', CtyType[]];
interface Attribute {
  type?: CtyType;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
}
interface Block {
  attributes?: Record<string, Attribute>;
  block_types?: Record<string, { nesting_mode: string; min_items?: number; max_items?: number; block: Block }>;
}
export interface ProviderSchema {
  provider: { block: Block };
  resource_schemas: Record<string, { block: Block }>;
  data_source_schemas: Record<string, { block: Block }>;
}

/** Terraform meta-arguments, valid on every resource. */
const META = new Set([
  '//',
  'count',
  'for_each',
  'depends_on',
  'lifecycle',
  'provider',
  'provisioner',
  'connection',
  'alias',
]);

export function loadProviderSchema(file: string, source: string): ProviderSchema {
  const all = JSON.parse(readFileSync(file, 'utf8')) as { provider_schemas: Record<string, ProviderSchema> };
  const schema = all.provider_schemas[source];
  if (!schema) throw new Error(`${file} has no schema for ${source}`);
  return schema;
}

/** Every problem in the stack's provider blocks, resources and data sources; empty when it conforms. */
export function checkTerraformJson(doc: Record<string, any>, schema: ProviderSchema, providerName: string): string[] {
  const problems: string[] = [];
  for (const [i, cfg] of (doc.provider?.[providerName] ?? []).entries())
    checkBlock(cfg, schema.provider.block, `provider.${providerName}[${i}]`, problems);
  for (const [section, schemas] of [
    ['resource', schema.resource_schemas],
    ['data', schema.data_source_schemas],
  ] as const) {
    for (const [type, instances] of Object.entries<Record<string, unknown>>(doc[section] ?? {})) {
      const s = schemas[type];
      if (!type.startsWith(`${providerName}_`)) continue;
      if (!s) {
        problems.push(
          `${section}.${type}: no such ${section === 'data' ? 'data source' : 'resource'} type${hint(type, Object.keys(schemas))}`,
        );
        continue;
      }
      for (const [name, body] of Object.entries(instances))
        checkBlock(body, s.block, `${section}.${type}.${name}`, problems);
    }
  }
  return problems;
}

function checkBlock(body: unknown, block: Block, at: string, problems: string[]): void {
  if (!isObject(body)) {
    problems.push(`${at}: expected a block (object), got ${JSON.stringify(body)}`);
    return;
  }
  const attrs = block.attributes ?? {};
  const blocks = block.block_types ?? {};
  for (const [key, value] of Object.entries(body)) {
    if (META.has(key)) continue;
    const attr = attrs[key];
    const nested = blocks[key];
    if (attr) {
      if (attr.computed && !attr.optional && !attr.required)
        problems.push(`${at}.${key}: read-only attribute cannot be set`);
      else if (attr.type !== undefined) checkValue(value, attr.type, `${at}.${key}`, problems);
    } else if (nested) {
      // JSON syntax accepts one object or a list for a list/set block.
      const items = nested.nesting_mode === 'single' ? [value] : Array.isArray(value) ? value : [value];
      if (nested.max_items !== undefined && nested.max_items > 0 && items.length > nested.max_items)
        problems.push(`${at}.${key}: at most ${nested.max_items} block(s), got ${items.length}`);
      items.forEach((item, i) =>
        checkBlock(item, nested.block, items.length > 1 ? `${at}.${key}[${i}]` : `${at}.${key}`, problems),
      );
    } else {
      problems.push(
        `${at}.${key}: unknown attribute or block${hint(key, [...Object.keys(attrs), ...Object.keys(blocks)])}`,
      );
    }
  }
  for (const [key, attr] of Object.entries(attrs))
    if (attr.required && !(key in body)) problems.push(`${at}.${key}: required attribute missing`);
  for (const [key, nested] of Object.entries(blocks)) {
    if ((nested.min_items ?? 0) > 0 && !(key in body)) problems.push(`${at}.${key}: required block missing`);
  }
}

function checkValue(value: unknown, type: CtyType, at: string, problems: string[]): void {
  if (value === null || isInterpolation(value)) return;
  const bad = (want: string): void => void problems.push(`${at}: expected ${want}, got ${JSON.stringify(value)}`);
  if (typeof type === 'string') {
    const ok =
      type === 'dynamic' ||
      (type === 'string' && ['string', 'number', 'boolean'].includes(typeof value)) ||
      (type === 'number' &&
        (typeof value === 'number' ||
          (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))))) ||
      (type === 'bool' && (typeof value === 'boolean' || value === 'true' || value === 'false'));
    if (!ok) bad(type);
    return;
  }
  const [kind, inner] = type;
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(value)) return bad(`a ${kind}`);
    value.forEach((v, i) => checkValue(v, inner as CtyType, `${at}[${i}]`, problems));
  } else if (kind === 'map') {
    if (!isObject(value)) return bad('a map');
    for (const [k, v] of Object.entries(value)) checkValue(v, inner as CtyType, `${at}.${k}`, problems);
  } else if (kind === 'object') {
    if (!isObject(value)) return bad('an object');
    const fields = inner as Record<string, CtyType>;
    // Missing object keys are fine: in JSON syntax Terraform reads list-of-object attributes as blocks.
    for (const [k, v] of Object.entries(value)) {
      const t = fields[k];
      if (t === undefined) problems.push(`${at}.${k}: unknown attribute${hint(k, Object.keys(fields))}`);
      else checkValue(v, t, `${at}.${k}`, problems);
    }
  } else if (kind === 'tuple') {
    if (!Array.isArray(value)) return bad('a tuple');
    value.forEach((v, i) => checkValue(v, (inner as CtyType[])[i] ?? 'dynamic', `${at}[${i}]`, problems));
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInterpolation = (v: unknown) => typeof v === 'string' && v.includes('${');

function hint(name: string, known: string[]): string {
  const close = known.filter((k) => distance(k, name) <= 2);
  return close.length > 0 ? ` (did you mean ${close.join(' or ')}?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
