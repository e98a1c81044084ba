// npm run test:vms — the guest side of the Proxmox run against real Debian 12 VMs under QEMU, end to
// end, then everything torn down (VMs, daemons, bridges, namespace, disks, sockets, .lab/<name>).
import { LabError } from '../../lab/errors.ts';
import { parseLab } from '../../lab/parse.ts';
import { type Mode, MODES, planLab } from '../../lab/plan.ts';
import { main } from '../../scripts/lib/cli.ts';
import { requireRoot } from '../../scripts/lib/deps.ts';
import { createLogger } from '../../scripts/lib/log.ts';
import { runReport } from '../../scripts/targets/proxmox/run.ts';
import type { FaultTrial } from '../../scripts/report/model.ts';
import type { Verdict } from '../../scripts/verify/verdict.ts';
import { ensureImage } from '../fakes/vms/image.ts';
import { labText } from '../helpers/labs.ts';
import { checkLeaseHolder, startStandins } from './standins.ts';
import {
  boot,
  check,
  checkFrrRestart,
  checkRouter,
  closeSession,
  frrStartedAt,
  guestSteps,
  modeContext,
  openSession,
  prepare,
  recordGuests,
  routerRestart,
  runSteps,
  type VmSession,
} from './suite.ts';

await main(
  {
    name: 'test:vms',
    summary:
      "Boots the router and the nodes as Debian 12 VMs under QEMU, as Proxmox would, from our rendered cloud-init, and runs the Proxmox run's steps from host keys onwards against them (Kubernetes and Cilium stood in for); tears everything down.",
    flags: {
      mode: {
        type: 'choice',
        choices: MODES,
        help: 'l2 or bgp (default: both, l2 then bgp, on the same VMs: a mode switch)',
      },
      lab: { type: 'string', default: 'vm', help: 'lab name for the VMs, namespace and bridges (default vm)' },
      nodes: {
        type: 'count',
        min: 1,
        default: 3,
        help: "node VMs beside the router (default 3, the example's control planes; CI boots 1, with --no-failover)",
      },
      requests: {
        type: 'count',
        min: 1,
        default: 100,
        help: 'HTTP requests from the router VM per mode (default 100)',
      },
      'no-failover': {
        type: 'boolean',
        help: 'skip the failover (default: one, through status/stop, in the last mode)',
      },
      'image-only': { type: 'boolean', help: 'build (or find) the cached VM image and stop' },
    },
  },
  async (opts, json) => {
    requireRoot('test:vms');
    const modes: Mode[] = opts.mode === undefined ? [...MODES] : [opts.mode];
    if (opts.nodes === 1 && !opts['no-failover'] && !opts['image-only'])
      throw new LabError(
        'E_USAGE',
        'with one node there is no node to fail over to',
        'add --no-failover, or --nodes 2',
      );
    // 1, 3 or 5 control planes (etcd's majority), the rest workers: as a user's lab.yaml would say it.
    const controlPlanes = opts.nodes >= 3 ? 3 : 1;
    const labYaml = labText({ name: opts.lab, kubernetes: { controlPlanes, workers: opts.nodes - controlPlanes } });
    const plan = planLab(parseLab(labYaml, 'lab.yaml'));
    const { requests } = opts;
    const log = createLogger({ json });
    if (opts['image-only']) {
      const image = await log.step('image', 'the Debian 12 VM image (cached per package list)', async () =>
        ensureImage(plan, (m) => log.note(m)),
      );
      if (json)
        console.log(JSON.stringify({ image: image.dir, packages: image.packages, timings: log.timings }, null, 2));
      else console.log(`${image.dir} (${image.packages.length} packages)`);
      return true;
    }
    const timings: Record<string, unknown> = {};
    const t0 = Date.now();
    let s: VmSession | undefined;
    let failed: unknown;
    const verification: Partial<Record<Mode, Verdict>> = {};
    const faults: Partial<Record<Mode, Pick<FaultTrial, 'outageMs' | 'probes' | 'failedProbes'>>> = {};
    try {
      s = await openSession(plan, labYaml);
      for (const [i, mode] of modes.entries()) {
        const tMode = Date.now();
        const failover = i === modes.length - 1 && !opts['no-failover'];
        const mlog = createLogger({ json });
        const steps = guestSteps(plan, mode, { failover, requests });
        const ctx = modeContext(s, mode, requests, mlog);
        try {
          await runSteps(s, ctx, steps, ['render', 'keys'], mlog);
          if (i === 0) {
            await prepare(s, log);
            await boot(s, log);
          }
          await runSteps(s, ctx, steps, ['hostkeys', 'cloud-init'], mlog);
          if (i === 0) {
            await recordGuests(s, ctx);
            await checkRouter(s, ctx, log);
          }
          const frrBefore = await frrStartedAt(ctx);
          await runSteps(s, ctx, steps, ['router'], mlog);
          await checkFrrRestart(s, ctx, frrBefore);
          await startStandins(ctx, mlog);
          await runSteps(s, ctx, steps, ['converge', 'verify'], mlog);
          if (mode === 'l2') await checkLeaseHolder(ctx);
          if (failover) {
            faults[mode] = await routerRestart(s, ctx, mode, mlog);
            await runSteps(s, ctx, steps, ['failover'], mlog);
            const victim = plan.nodes.find((n) => n.name === ctx.results.failover?.from);
            const power = s.power
              .filter((p) => p.vmid === victim?.vmId)
              .slice(-2)
              .map((p) => `${p.call}: ${p.status}`);
            check(
              s,
              `${victim?.name}: status/current stopped after status/stop, running after status/start`,
              power.join(', ') === 'vmStop: stopped, vmStart: running',
              power.join(', '),
            );
          }
          verification[mode] = runReport(ctx.results, mlog.timings);
          check(
            s,
            `${mode}: the shared verification passes from the router VM`,
            verification[mode]!.verified,
            verification[mode]!.problems.join('; '),
          );
        } finally {
          ctx.close();
          timings[mode] = { ...mlog.timings, total: Date.now() - tMode };
        }
      }
    } catch (err) {
      failed = err;
    } finally {
      const passed = failed === undefined && s !== undefined && s.checks.every((c) => c.ok);
      await log.step(
        'teardown',
        `VMs, daemons, bridges, namespace, disks, .lab state${passed ? '' : ` (step logs and VM consoles kept in .lab/${plan.name}/logs)`}`,
        () => closeSession(s, plan, !passed),
      );
    }
    const checks = s?.checks ?? [];
    const ok = failed === undefined && checks.length > 0 && checks.every((c) => c.ok);
    const report = {
      lab: plan.name,
      ok,
      vms: s?.vms ?? [],
      checks,
      verification: modes.length === 1 ? (verification[modes[0]!] ?? null) : verification,
      routerRestart: faults,
      error: failed ? String((failed as Error).message ?? failed) : null,
      timings: { ...log.timings, ...timings, total: Date.now() - t0 },
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const v of report.vms)
        console.log(
          `${v.name.padEnd(14)} booted ${v.booted ? '✓' : '✗'}  agent ${v.agent ? `✓ ${((v.agentMs ?? 0) / 1000).toFixed(0)} s` : '✗'}  host key pinned ${v.hostKeyPinned ? '✓' : '✗'}  cloud-init ${v.cloudInit ?? '—'}`,
        );
      for (const [m, f] of Object.entries(faults))
        console.log(
          `${m}: lab:compare's router restart cost ${(f.outageMs / 1000).toFixed(1)} s (${f.failedProbes} of ${f.probes} probes failed)`,
        );
      for (const c of checks) console.log(`${c.ok ? '✓' : '✗'} ${c.check}${c.ok || !c.detail ? '' : `: ${c.detail}`}`);
      console.log(`${ok ? '✓ passed' : '✗ failed'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    // The report carries the error: one document with --json, exit 1.
    if (failed && !json) console.error(failed instanceof Error ? failed.message : String(failed));
    return ok;
  },
);
