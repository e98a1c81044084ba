// npm run lab:deps — check (or with --install, apt-get install) the system packages of the emulated lab.
import { main } from './lib/cli.ts';
import { aptLine, ensurePackages, LAB_TOOLS, missingPackages, TEST_TOOLS, VM_TOOLS } from './lib/deps.ts';

/** The packages a tool list brings, each once, as --help names them. */
const packagesOf = (tools: Readonly<Record<string, string>>) => [...new Set(Object.values(tools))].join(', ');

await main(
  {
    name: 'lab:deps',
    summary: `Checks the system packages the emulated lab (${packagesOf(LAB_TOOLS)}) and, with --tests, the test suite and, with --vms, npm run test:vms need; --install installs them (Debian/Ubuntu, root).`,
    flags: {
      install: { type: 'boolean', help: 'apt-get install what is missing' },
      tests: { type: 'boolean', help: `include what the tests use (${packagesOf(TEST_TOOLS)})` },
      vms: { type: 'boolean', help: `include what npm run test:vms uses (${packagesOf(VM_TOOLS)})` },
    },
  },
  async (flags, json) => {
    const tools = { ...LAB_TOOLS, ...(flags.tests ? TEST_TOOLS : {}), ...(flags.vms ? VM_TOOLS : {}) };
    const installed = flags.install ? await ensurePackages(tools, true) : [];
    const missing = await missingPackages(tools);
    if (json) console.log(JSON.stringify({ installed, missing }, null, 2));
    else if (missing.length)
      console.error(`✗ missing: ${missing.join(', ')}\n  ${aptLine(missing)}   (or npm run lab:deps -- --install)`);
    else console.log(`✓ all system packages present${installed.length ? ` (installed ${installed.join(', ')})` : ''}`);
    return missing.length === 0;
  },
);
