// npm run lab:deps — check (or with --install, apt-get install) the system packages of the emulated lab.
import { main } from './cli.ts';
import { aptLine, ensurePackages, LAB_TOOLS, missingPackages, TEST_TOOLS } from './deps.ts';

/** The packages a tool list brings, each once, as --help names them. */
const packagesOf = (tools: Readonly<Record<string, string>>) => [...new Set(Object.values(tools))].join(', ');

await main(
  {
    name: 'lab:deps',
    summary: `Checks the system packages the emulated lab (${packagesOf(LAB_TOOLS)}) and, with --tests, the test suite need; --install installs them (Debian/Ubuntu, root).`,
    flags: {
      install: { type: 'boolean', help: 'apt-get install what is missing' },
      tests: { type: 'boolean', help: `include what the tests use (${packagesOf(TEST_TOOLS)})` },
    },
  },
  async (flags, json) => {
    const tools = flags.tests ? { ...LAB_TOOLS, ...TEST_TOOLS } : LAB_TOOLS;
    const installed = flags.install ? await ensurePackages(tools, true) : [];
    const missing = await missingPackages(tools);
    if (json) console.log(JSON.stringify({ installed, missing }, null, 2));
    else if (missing.length)
      console.error(`✗ missing: ${missing.join(', ')}\n  ${aptLine(missing)}   (or npm run lab:deps -- --install)`);
    else console.log(`✓ all system packages present${installed.length ? ` (installed ${installed.join(', ')})` : ''}`);
    return missing.length === 0;
  },
);
