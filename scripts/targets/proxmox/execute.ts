// The executor: a loop over the step list the dry run prints. Each step runs as its `exec` says
// (shell on hosts, local, API calls, or an action with the typed context), writes its log, and a
// failure says which step, where, what command, what it printed, the fix where known, and how to resume.
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { LabError } from '../../../lab/errors.ts';
import type { Host } from '../../hosts/host.ts';
import type { Logger } from '../../lib/log.ts';
import { ROOT } from '../../../lab/load.ts';
import { sleep } from '../../lib/wait.ts';
import { ApiError } from './api.ts';
import type { StepContext } from './context.ts';
import { knownFix } from './fixes.ts';
import { openStepLog, type StepLog } from './step-log.ts';
import { type ApiCall, type StepCommand, type Exec, type Step } from './steps.ts';
import { formatCommand } from '../steps.ts';

export interface ExecuteOptions {
  /** .lab/<name>/logs */
  readonly logDir: string;
  /** The command that resumes the run after a failure. */
  readonly resume: string;
  /** Secret values to mask in logs and messages, should one ever appear in output. */
  readonly secrets: () => string[];
  readonly log: Logger;
}

export async function executeSteps(steps: readonly Step[], ctx: StepContext, options: ExecuteOptions): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const header = `step ${i + 1}/${steps.length} ${step.id}: ${step.title}\non ${step.where}\n${step.commands.map(formatCommand).join('\n')}`;
    const slog = openStepLog(
      join(options.logDir, `${String(i + 1).padStart(2, '0')}-${step.id}.log`),
      header,
      options.secrets,
    );
    await options.log.step(step.id, step.title, async () => {
      try {
        await runStep(step, scoped(ctx, slog, step), Date.now());
      } catch (err) {
        throw failure(step, `${i + 1}/${steps.length}`, slog, err, options.resume);
      }
    });
  }
}

/** The context as one step sees it: every host, API call and local command goes through its log. */
function scoped(ctx: StepContext, slog: StepLog, step: Step): StepContext {
  const secretRuns = new Set(step.commands.filter((c) => c.secretOutput).map((c) => c.run));
  const logged = (h: Host) => slog.host(h, { secretOutput: (command) => secretRuns.has(command) });
  return {
    ...ctx,
    api: slog.api(ctx.api),
    local: logged(ctx.local),
    host: async (name) => logged(await ctx.host(name)),
    verifyTarget: async () => {
      const t = await ctx.verifyTarget();
      return { ...t, router: { ...t.router, host: logged(t.router.host) } };
    },
  };
}

async function runStep(step: Step, ctx: StepContext, startedAt: number): Promise<void> {
  const e = step.exec;
  switch (e.kind) {
    case 'action':
      return e.run(ctx);
    case 'api':
      for (const c of step.commands) await c.then?.(JSON.stringify(await callApi(ctx, c.api!, e, startedAt)), ctx);
      return;
    case 'local':
      return runCommands(ctx.local, step.commands, ctx);
    case 'shell':
      for (const name of e.hosts) await runCommands(await ctx.host(name), step.commands, ctx);
  }
}

export async function runCommands(host: Host, commands: readonly StepCommand[], ctx: StepContext): Promise<void> {
  for (const c of commands) {
    const input = !c.input
      ? undefined
      : 'file' in c.input
        ? readFileSync(resolve(ROOT, c.input.file), 'utf8')
        : ctx.secret(c.input.secret);
    const r = await host.exec(c.run, { input });
    if (r.code !== 0)
      throw new LabError(
        'E_EXEC',
        `${host.name}: \`${c.run.split('\n')[0]}\` exited ${r.code}: ${tail(r.stderr || r.stdout, 3).join(' | ')}`,
      );
    await c.then?.(r.stdout, ctx);
  }
}

/**
 * An API call; with waitMs, retried while its error may pass (a 5xx such as qemu-server's "QEMU guest
 * agent is not running", or the API out of reach), until that long after the step began. A refused
 * token, a missing privilege or another 4xx fails at once: waiting does not heal them.
 */
async function callApi(
  ctx: StepContext,
  a: ApiCall,
  e: Extract<Exec, { kind: 'api' }>,
  startedAt: number,
): Promise<unknown> {
  const at = a.vm ? ctx.vm(a.vm) : undefined;
  for (;;) {
    try {
      return await ctx.api.call(a.call, at, a.params);
    } catch (err) {
      const heals =
        (err instanceof ApiError && err.status >= 500) || (err instanceof LabError && err.code === 'E_UNREACHABLE');
      if (e.waitMs === undefined || !heals) throw err;
      if (Date.now() - startedAt > e.waitMs) {
        throw new LabError(
          'E_UNANSWERED',
          `${a.vm ?? 'the API'}${at ? ` (VM ${at.vmid} on ${at.node})` : ''} did not answer within ${e.waitMs / 1000} s: ${err.message}`,
          e.unanswered?.replaceAll('VMID', String(at?.vmid)),
          err,
        );
      }
      await sleep(Math.min(5000, e.waitMs / 10));
    }
  }
}

function tail(text: string, n: number): string[] {
  return text.trimEnd().split('\n').slice(-n);
}

function failure(step: Step, position: string, slog: StepLog, err: unknown, resume: string): LabError {
  const last = slog.last;
  const failed = last?.result && last.result.code !== 0 ? last.result : undefined;
  const message = err instanceof Error ? err.message : String(err);
  // The command is shown when it is what failed; an action can fail after its last command succeeded.
  const culprit = failed || last?.error ? last : undefined;
  const lines = [`step ${position} ${step.id} failed on ${culprit?.host ?? step.where}: ${step.title}`];
  if (culprit) lines.push(`  $ ${culprit.command.split('\n')[0]}${culprit.command.includes('\n') ? ' …' : ''}`);
  if (failed)
    lines.push(
      `  exit ${failed.code}; its last lines:`,
      ...tail(failed.stderr || failed.stdout || '(no output)', 8).map((l) => `    | ${l}`),
    );
  else lines.push(`  ${message}`);
  const fix =
    (err instanceof LabError && err.hint) || knownFix(failed ? `${failed.stderr}\n${failed.stdout}` : message);
  if (fix) lines.push(`  fix: ${fix}`);
  lines.push(`  log: ${relative(ROOT, slog.file)}`);
  return new LabError(
    err instanceof LabError ? err.code : 'E_STEP',
    slog.mask(lines.join('\n')),
    `then resume: ${resume}`,
  );
}
