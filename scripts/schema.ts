// npm run schema — regenerate lab.schema.json from the zod schema (a test keeps them in step).
import { writeFileSync } from 'node:fs';
import { labJsonSchema } from '../lab/json-schema.ts';
import { main } from './lib/cli.ts';

await main(
  { name: 'schema', summary: 'Regenerates lab.schema.json from lab/schema.ts.', flags: {}, json: false },
  async () => {
    writeFileSync('lab.schema.json', `${JSON.stringify(labJsonSchema(), null, 2)}\n`);
    console.log('wrote lab.schema.json');
  },
);
