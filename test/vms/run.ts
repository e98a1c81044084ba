// npm run test:vms — the guest side of the Proxmox run against real Debian 12 VMs under QEMU, end to
// end, then everything torn down (VMs, daemons, bridges, namespace, disks, sockets).

import { LabError } from '../../lab/errors.ts';
import { planLab } from '../../lab/plan.ts';
import { parseLab } from '../../lab/parse.ts';
import { main } from '../../scripts/cli.ts';
import { requireRoot } from '../../scripts/deps.ts';
import { createLogger } from '../../scripts/log.ts';
import { parseMode } from '../../scripts/render-files.ts';
import { labText } from '../helpers/labs.ts';
import type { LabReport } from '../../scripts/verify/verify.ts';
import { startStandins, verifyFromRouter } from './standins.ts';
import { boot, check, checkRouter, closeSession, openSession, pinAndConnect, pushFrr, type VmSession } from './suite.ts';

await main(
  {
    name: 'test:vms',
    summary: 'Boots the router and the nodes as Debian 12 VMs under QEMU, as Proxmox would, from our rendered cloud-init, and checks the guest side of the Proxmox run.',
    options: { mode: { type: 'string' }, lab: { type: 'string' }, requests: { type: 'string' }, 'no-failover': { type: 'boolean' } },
    help: {
      mode: 'l2 or bgp (default: both, one after the other, on the same VMs)',
      lab: 'lab name for the VMs (default vmlab)',
      requests: 'HTTP requests from the router VM per mode (default 100)',
      'no-failover': 'skip the failover (default: one, through status/stop, in the last mode)',
    },
  },
  async (opts, json) => {
    requireRoot('test:vms');
    const modes = opts.mode === undefined ? (['l2', 'bgp'] as const) : [parseMode(opts.mode)];
    const plan = planLab(parseLab(labText({ name: (opts.lab as string | undefined) ?? 'vmlab' }), 'lab.example.yaml'));
    const log = createLogger({ json });
    const t0 = Date.now();
    let s: VmSession | undefined;
    let failed: unknown;
    const verification: Partial<Record<'l2' | 'bgp', LabReport>> = {};
    const requests = Number(opts.requests ?? 100);
    try {
      s = await openSession(plan, log);
      await boot(s, log);
      await pinAndConnect(s, log);
      await checkRouter(s, log);
      for (const [i, mode] of modes.entries()) {
        await pushFrr(s, mode, log);
        await startStandins(s, mode, log);
        const last = i === modes.length - 1;
        verification[mode] = await verifyFromRouter(s, mode, requests, last && !opts['no-failover'], log);
        check(s, `${mode}: the shared verification passes from the router VM`, verification[mode]!.verified, verification[mode]!.problems.join('; '));
        if (last && !opts['no-failover']) {
          // status/start brings the stopped VM back, as the Proxmox run's failover ends.
          const victim = s.lab.vms.find((v) => v.host.name === verification[mode]!.failover?.from)!;
          const at = { node: victim.host.proxmoxNode, vmid: victim.spec.vmid };
          const stopped = await s.api.call<{ status: string }>('vmStatus', at);
          await s.api.call('vmStart', at);
          const started = await s.api.call<{ status: string; qmpstatus: string }>('vmStatus', at);
          check(s, `${victim.host.name}: status/current stopped after status/stop, running after status/start`, stopped.status === 'stopped' && started.status === 'running', `${stopped.status} → ${started.status} (${started.qmpstatus})`);
        }
      }
    } catch (err) {
      failed = err;
    } finally {
      await log.step('teardown', 'VMs, daemons, bridges, namespace, disks', () => closeSession(s, plan));
    }
    const checks = s?.checks ?? [];
    const ok = failed === undefined && checks.every((c) => c.ok);
    const report = { lab: plan.name, ok, vms: s?.vms ?? [], checks, verification: modes.length === 1 ? (verification[modes[0]!] ?? null) : verification, error: failed ? String((failed as Error).message ?? failed) : null, timings: { ...log.timings, total: Date.now() - t0 } };
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const v of report.vms) console.log(`${v.name.padEnd(14)} booted ${v.booted ? '✓' : '✗'}  agent ${v.agent ? `✓ ${((v.agentMs ?? 0) / 1000).toFixed(0)} s` : '✗'}  host key pinned ${v.hostKeyPinned ? '✓' : '✗'}  cloud-init ${v.cloudInit ?? '—'}`);
      for (const c of checks) console.log(`${c.ok ? '✓' : '✗'} ${c.check}${c.ok || !c.detail ? '' : `: ${c.detail}`}`);
      console.log(`${ok ? '✓ passed' : '✗ failed'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (failed) throw failed instanceof LabError ? failed : new LabError('E_VMS', String((failed as Error).message ?? failed));
    return ok;
  },
);

