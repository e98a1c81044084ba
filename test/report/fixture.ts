// The recorded report.json of a real emulated `lab:compare --trials 2` (this machine, both modes,
// every scenario); the report renderers are tested against it.
import { join } from 'node:path';
import { ROOT } from '../helpers/shared.ts';

export const FIXTURE = join(ROOT, 'test/fixtures/report/report.json');
export const GOLDEN_MD = join(ROOT, 'test/fixtures/report/report.md');
