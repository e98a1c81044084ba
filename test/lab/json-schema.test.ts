import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { labJsonSchema } from '../../lab/json-schema.ts';
import { EXAMPLE_FILE } from '../helpers/labs.ts';
import { ROOT } from '../helpers/shared.ts';

describe('lab.schema.json', () => {
  it('should match the zod schema (run `npm run schema` after changing lab/schema.ts)', () => {
    expect(JSON.parse(readFileSync(resolve(ROOT, 'lab.schema.json'), 'utf8'))).toEqual(labJsonSchema());
  });
  it('should accept the example and be referenced from it for editors', () => {
    const text = readFileSync(EXAMPLE_FILE, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./lab.schema.json');
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(labJsonSchema());
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...parse(text), nmae: 'typo' })).toBe(false);
  });
});
