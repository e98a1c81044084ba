// npm run lab:teardown — remove everything a lab run created. Twice is fine.
import { destroyCommands, removeLocalState } from './targets/proxmox/teardown.ts';
import { tokenFromEnv } from './targets/proxmox/api.ts';
import { runLocal } from './targets/proxmox/local.ts';
import { LAB_FLAGS, main } from './cli.ts';
import { loadLab } from '../lab/load.ts';
import { requireRoot } from './deps.ts';
import { chooseTarget } from './targets/choose.ts';
import { createLogger } from './log.ts';
import { teardownNetns } from './targets/netns/teardown.ts';

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
    const { target, why } = chooseTarget(flags.target, flags.config);
    log.note(why);
    const { plan, file } = loadLab(flags.config);
    if (target === 'proxmox') {
      const keepImages = flags['keep-images'];
      tokenFromEnv();
      for (const command of destroyCommands(plan, keepImages))
        await log.step('destroy', `destroy ${keepImages ? 'the VM stack (image kept)' : 'both stacks'}`, () =>
          runLocal(command, { LAB_CONFIG: file }),
        );
      const removed = removeLocalState(plan, keepImages);
      if (json) console.log(JSON.stringify({ lab: plan.name, target, removed, timings: log.timings }, null, 2));
      else console.log(`✓ lab ${plan.name} destroyed; removed ${removed.join(', ') || 'no local files'}`);
      return;
    }
    requireRoot('tearing down the emulated lab');
    const result = await log.step('teardown', `tear down lab ${plan.name} (emulated)`, () => teardownNetns(plan));
    if (json) console.log(JSON.stringify({ lab: plan.name, target, ...result, timings: log.timings }, null, 2));
    else {
      console.log(
        result.removed.length
          ? `✓ lab ${plan.name} removed:\n${result.removed.map((r) => `  - ${r}`).join('\n')}`
          : `✓ nothing of lab ${plan.name} was running or on disk`,
      );
      if (result.kept.length)
        console.log(`kept (not the emulated lab's):\n${result.kept.map((k) => `  - ${k}`).join('\n')}`);
    }
  },
);
