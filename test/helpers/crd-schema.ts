// Validates manifests against upstream CRD schemas the way `kubectl apply --validate=strict` does:
// types, enums and required fields from openAPIV3Schema, and no field the schema does not declare.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

type Schema = Record<string, any>;

/** Closes every object that lists its properties, unless it preserves unknown fields. */
function strict(schema: Schema): Schema {
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = Array.isArray(schema)
    ? schema.map(strict)
    : Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strict(v)]));
  if (
    out.type === 'object' &&
    out.properties &&
    out.additionalProperties === undefined &&
    !out['x-kubernetes-preserve-unknown-fields']
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * The formats as the Kubernetes API server treats them in CRD schemas (k8s.io/apiextensions-apiserver
 * pkg/apiserver/validation/formats.go): the string formats it supports are checked (cidr is not among
 * ajv's, so it is written here); int32 and int64 are not among them, so it checks neither, and nor does
 * this. Without them ajv warns once per use of each.
 */
export function addKubernetesFormats(ajv: Ajv): Ajv {
  addFormats.default(ajv, [
    'date-time',
    'date',
    'duration',
    'uri',
    'email',
    'hostname',
    'ipv4',
    'ipv6',
    'uuid',
    'byte',
    'password',
  ]);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  ajv.addFormat('cidr', (value: string) => {
    const [ip = '', prefix = '', ...rest] = value.split('/');
    const family = isIP(ip);
    return rest.length === 0 && family !== 0 && /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  });
  return ajv;
}

export interface CrdValidator {
  readonly kind: string;
  readonly versions: string[];
  validate(manifest: unknown): string[];
}

export function loadCrd(file: string): CrdValidator {
  const crd = parse(readFileSync(file, 'utf8'));
  const ajv = addKubernetesFormats(new Ajv({ strict: false, allErrors: true }));
  const byVersion = new Map<string, ValidateFunction>();
  for (const v of crd.spec.versions) {
    if (!v.served) continue;
    const root = strict(v.schema.openAPIV3Schema);
    // apiVersion/kind/metadata are checked by the API server itself, not by the CRD schema.
    byVersion.set(
      `${crd.spec.group}/${v.name}`,
      ajv.compile({ ...root, properties: { ...root.properties, metadata: { type: 'object' } } }),
    );
  }
  return {
    kind: crd.spec.names.kind,
    versions: [...byVersion.keys()],
    validate(manifest: any) {
      const fn = byVersion.get(manifest?.apiVersion);
      if (!fn)
        return [
          `${manifest?.kind}: apiVersion ${manifest?.apiVersion} is not served (served: ${[...byVersion.keys()].join(', ')})`,
        ];
      if (manifest.kind !== crd.spec.names.kind) return [`kind ${manifest.kind} is not ${crd.spec.names.kind}`];
      return fn(manifest)
        ? []
        : fn.errors!.map(
            (e) =>
              `${manifest.kind}/${manifest.metadata?.name}${e.instancePath}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`,
          );
    },
  };
}
