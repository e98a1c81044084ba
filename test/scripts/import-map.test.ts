// The import map (eslint.config.js LAYERS), as `npm run lint` enforces it: imports point down.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/shared.ts';

const eslint = new ESLint({ cwd: ROOT });
async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'lab/import-map').map((m) => m.message);
}

describe('the import map', () => {
  it.each([
    [
      'templates/x.ts',
      "import { sleep } from '../scripts/lib/wait.ts';",
      'renderers (templates/) may not import shared',
    ],
    ['lab/x.ts', "export * from '../templates/shell.ts';", 'model (lab/) may not import renderers'],
    [
      'scripts/verify/x.ts',
      "import { openLab } from '../targets/registry.ts';",
      'verify (scripts/verify/) may not import target kinds',
    ],
    [
      'test/fakes/x.ts',
      "import { linkDownNet } from '../../scripts/targets/proxmox/compare.ts';",
      'fakes (test/fakes/) may not import target kinds',
    ],
  ])('should refuse %s importing upwards', async (file, source, message) => {
    expect(await problems(file, `${source}\n`)).toEqual([expect.stringContaining(message)]);
  });

  it('should let a layer import below it, and a test import anything', async () => {
    expect(await problems('scripts/verify/x.ts', "import { sh } from '../../templates/shell.ts';\n")).toEqual([]);
    expect(
      await problems(
        'test/fakes/x.test.ts',
        "import { linkDownNet } from '../../scripts/targets/proxmox/compare.ts';\n",
      ),
    ).toEqual([]);
  });
});
