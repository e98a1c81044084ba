// npm run gen — generate the bpg/proxmox bindings into .gen/ with `cdktf get`. Offline, the schema cache in
// ../shared/provider-schemas stands in for `terraform init` (see its SOURCE.md); online, the cache is optional.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { $ } from 'zx';
import { main } from './lib/cli.ts';

const CACHE_VAR = 'CDKTF_EXPERIMENTAL_PROVIDER_SCHEMA_CACHE_PATH';

await main(
  {
    name: 'gen',
    summary:
      'Generates the bpg/proxmox provider bindings into .gen/ (cdktf get); offline from ../shared/provider-schemas or $LAB_SHARED_DIR/provider-schemas.',
    flags: {
      'if-missing': {
        type: 'boolean',
        help: 'only when .gen/ has no bindings yet (npm test and npm run typecheck pass it)',
      },
    },
    json: false,
  },
  async (flags) => {
    if (flags['if-missing'] && existsSync('.gen/providers/proxmox/index.ts')) return;
    const cache = resolve(process.env.LAB_SHARED_DIR ?? '../shared', 'provider-schemas');
    if (!process.env[CACHE_VAR] && existsSync(cache)) process.env[CACHE_VAR] = cache;
    console.error(
      `generating provider bindings (cdktf get${process.env[CACHE_VAR] ? `, schema cache ${process.env[CACHE_VAR]}` : ', online'})`,
    );
    await $({ stdio: 'inherit', env: { ...process.env, CHECKPOINT_DISABLE: '1' } })`npx cdktf get`;
  },
);
