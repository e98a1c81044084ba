// npm run lab:status — where a lab stands, without changing it: on Proxmox the stacks, VMs, guest agents,
// cloud-init, k3s nodes, Cilium and the applied mode; in the emulated lab its namespaces and daemons;
// on both, the last verification.
import { LAB_FLAGS, main } from './lib/cli.ts';
import { formatLastVerification, lastVerification } from './verify/last-verification.ts';
import { createLogger } from './lib/log.ts';
import { openLab } from './targets/registry.ts';

await main(
  {
    name: 'lab:status',
    summary:
      "Says where the lab stands without changing it: Proxmox stacks, VMs, agents, cloud-init, k3s, Cilium and mode (read-only API and SSH), or the emulated lab's namespaces and daemons; and the last verification.",
    flags: LAB_FLAGS,
  },
  async (flags, json) => {
    const log = createLogger({ json });
    const { plan, target } = openLab(flags, log);
    const found = await target.status();
    const last = lastVerification(plan);
    if (json)
      return void console.log(
        JSON.stringify({ lab: plan.name, target: target.kind, ...found.fields, lastVerification: last }, null, 2),
      );
    const head = `lab ${plan.name} · target ${target.kind} (${target.where})`;
    console.log([head, '', found.text, formatLastVerification(last)].join('\n'));
  },
);
