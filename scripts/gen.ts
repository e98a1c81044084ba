// npm run gen — generate the bpg/proxmox bindings into .gen/ with `cdktf get`. Offline, the schema cache in
// ../shared/provider-schemas stands in for `terraform init` (see its SOURCE.md); online, the cache is optional.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { $ } from 'zx';

const CACHE_VAR = 'CDKTF_EXPERIMENTAL_PROVIDER_SCHEMA_CACHE_PATH';
const ifMissing = process.argv.includes('--if-missing');

if (ifMissing && existsSync('.gen/providers/proxmox/index.ts')) process.exit(0);
const cache = resolve(process.env.LAB_SHARED_DIR ?? '../shared', 'provider-schemas');
if (!process.env[CACHE_VAR] && existsSync(cache)) process.env[CACHE_VAR] = cache;
console.error(`generating provider bindings (cdktf get${process.env[CACHE_VAR] ? `, schema cache ${process.env[CACHE_VAR]}` : ', online'})`);
await $({ stdio: 'inherit', env: { ...process.env, CHECKPOINT_DISABLE: '1' } })`npx cdktf get`;
