// npm run lab:teardown — remove everything a lab run created. Twice is fine.
import { LAB_FLAGS, main } from './lib/cli.ts';
import { createLogger } from './lib/log.ts';
import { openLab } from './targets/registry.ts';

await main(
  {
    name: 'lab:teardown',
    summary: 'Removes every namespace, link, process and file of the lab (emulated), or destroys its stacks (Proxmox).',
    flags: {
      ...LAB_FLAGS,
      'keep-images': {
        type: 'boolean',
        help: 'Proxmox: keep the base stack (downloaded image, lab bridge) for the next lab',
      },
    },
  },
  async (flags, json) => {
    const log = createLogger({ json });
    const { plan, target } = openLab(flags, log);
    const done = await target.teardown({ keepImages: flags['keep-images'] }, log);
    if (json)
      console.log(
        JSON.stringify({ lab: plan.name, target: target.kind, ...done.fields, timings: log.timings }, null, 2),
      );
    else console.log(done.text);
  },
);
