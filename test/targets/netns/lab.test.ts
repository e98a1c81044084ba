// End to end, as root: both modes of the emulated lab up side by side, verified, failed over, torn down.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/lib/wait.ts';
import type { Verdict } from '../../../scripts/verify/verdict.ts';
import { alive, recordedPids } from '../../../scripts/hosts/daemons.ts';
import { RUN_ROOT } from '../../../scripts/hosts/netns.ts';
import { parseLab } from '../../../lab/parse.ts';
import { planLab } from '../../../lab/plan.ts';
import type { LastVerification } from '../../../scripts/verify/last-verification.ts';
import { formatNetnsStatus, type NetnsStatus, netnsStatus } from '../../../scripts/targets/netns/status.ts';
import { labText } from '../../helpers/labs.ts';
import { runScript } from '../../helpers/cli.ts';
import { ROOT } from '../../helpers/shared.ts';
import { hasTool, isRoot } from '../../helpers/tools.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-e2e-'));
const config = (name: string) => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, labText({ name }));
  return file;
};
const L2 = config('e2el2');
const BGP = config('e2ebgp');
const CTRLC = config('e2eint');

/** A command's own bound: below the tests' (260 s), so a hung command fails with its output, not the runner's timeout. */
const CLI_MS = 240_000;
const TEST_MS = 260_000;

function cli(script: string, args: string[]) {
  return runScript(`scripts/${script}.ts`, args, { timeoutMs: CLI_MS });
}

function lab(mode: 'l2' | 'bgp', file: string, ...extra: string[]): Verdict {
  const r = cli('lab', ['--mode', mode, '--target', 'netns', '--config', file, '--json', ...extra]);
  // With --json the verdict's problems are on stdout.
  expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
  // --json: one JSON document on stdout and nothing else.
  return JSON.parse(r.stdout) as Verdict;
}

function leftovers(name: string): string[] {
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith(`${name}-`));
  const links = spawnSync('ip', ['-br', 'link'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith(`${name}-`));
  const files = [join(RUN_ROOT, name), join(ROOT, '.lab', name)].filter(existsSync);
  return [...namespaces, ...links, ...files];
}

const ready = isRoot && ['gobgpd', 'vtysh', 'arping', 'curl', 'nft'].every(hasTool);

describe.skipIf(!ready)('the emulated lab (root, real FRR, GoBGP, ARP)', () => {
  afterAll(() => {
    for (const file of [L2, BGP, CTRLC]) cli('teardown', ['--target', 'netns', '--config', file]);
    rmSync(dir, { recursive: true, force: true });
  });

  let l2: Verdict;
  let bgp: Verdict;
  let pidsBefore: number[] = [];

  it(
    'should verify L2 mode: one node takes every request and the router holds its MAC',
    () => {
      l2 = lab('l2', L2, '--failover', '--requests', '100');
      expect(l2).toMatchObject({
        lab: 'e2el2',
        mode: 'l2',
        target: 'netns',
        verified: true,
        problems: [],
        service: { ip: '10.42.0.193', port: 80 },
      });
      const holder = l2.router.arp!.node!;
      // The stand-in echo answers where the request arrived: byNode counts entries, all through the holder.
      expect(l2.traffic).toEqual({ requests: 200, failed: 0, byNode: { [holder]: 200 }, counts: 'entry' });
      expect(l2.entryNode).toBe(holder);
      expect(l2.router.bgp).toBeNull();
      expect(l2.failover!.from).toBe(holder);
      expect(l2.failover!.to).not.toBe(holder);
      // The lease must expire (3 s) before another node takes over.
      expect(l2.failover!.outageMs).toBeGreaterThan(1000);
      expect(Object.keys(l2.timings)).toEqual(
        expect.arrayContaining(['network', 'router', 'nodes', 'converge', 'verify', 'failover']),
      );
    },
    TEST_MS,
  );

  it(
    'should verify BGP mode beside it: every peer Established, one nexthop per node, every node a share; fail over the node asked for',
    () => {
      bgp = lab('bgp', BGP, '--failover-node', 'cp1', '--requests', '150');
      expect(bgp).toMatchObject({
        lab: 'e2ebgp',
        mode: 'bgp',
        verified: true,
        service: { ip: '172.31.42.1', port: 80 },
        router: { arp: null },
      });
      expect(bgp.router.bgp!.peers).toEqual(
        ['10.42.0.11', '10.42.0.12', '10.42.0.13'].map((address) => ({ address, state: 'Established' })),
      );
      expect(bgp.router.bgp!.nexthops).toEqual(['10.42.0.11', '10.42.0.12', '10.42.0.13']);
      expect(bgp.traffic.failed).toBe(0);
      expect(Object.keys(bgp.traffic.byNode).sort()).toEqual(['e2ebgp-cp1', 'e2ebgp-cp2', 'e2ebgp-cp3']);
      for (const n of Object.values(bgp.traffic.byNode)) expect(n).toBeGreaterThan(30);
      expect(bgp.traffic.counts).toBe('entry');
      expect(bgp.failover).toMatchObject({ from: 'e2ebgp-cp1' });
      expect(bgp.failover!.outageMs).toBeGreaterThan(0);
      expect(bgp.failover!.to).not.toBe('e2ebgp-cp1');
    },
    TEST_MS,
  );

  it.each([
    ['l2', () => L2, 'e2el2', ['--failover', '--requests', '100']],
    ['bgp', () => BGP, 'e2ebgp', ['--failover-node', 'cp1', '--requests', '150']],
  ] as const)(
    'should have run in %s mode exactly the commands its dry run prints, step by step (the step log)',
    (mode, file, name, flags) => {
      const dry = cli('lab', [
        '--mode',
        mode,
        '--target',
        'netns',
        '--config',
        file(),
        '--json',
        '--dry-run',
        ...flags,
      ]);
      expect(dry.status, dry.stderr).toBe(0);
      const steps = (JSON.parse(dry.stdout) as { steps: { id: string; commands: { host: string; run: string }[] }[] })
        .steps;
      const ran = readFileSync(join(ROOT, '.lab', name, 'netns', 'steps.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t'));
      expect(ran.length).toBeGreaterThan(0);
      for (const step of steps) {
        const printed = new Set(step.commands.map((c) => `${c.host}\t${c.run.replaceAll('\n', '\\n')}`));
        const run = new Set(ran.filter(([id]) => id === step.id).map(([, host, command]) => `${host}\t${command}`));
        // L2 without --failover-node: the holder, and so its switch port, is known only when the step runs.
        const unknownVictim = mode === 'l2' && step.id === 'failover';
        const ranNotPrinted = [...run].filter(
          (c) => !printed.has(c) && !(unknownVictim && /\tip link set \S+ (down|up)$/.test(c)),
        );
        expect(ranNotPrinted, `${mode} ${step.id}: ran but not printed`).toEqual([]);
        expect(
          [...printed].filter((c) => !run.has(c)),
          `${mode} ${step.id}: printed but not run`,
        ).toEqual([]);
      }
      // Nothing ran outside the list's steps.
      expect(ran.filter(([id]) => !steps.some((s) => s.id === id))).toEqual([]);
    },
  );

  it('should say where the running L2 lab stands (lab:status): namespaces, daemons alive, the last verification', () => {
    const r = cli('status', ['--target', 'netns', '--config', L2, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { netns: NetnsStatus; lastVerification: LastVerification };
    expect(s.netns.namespaces.filter((n) => n.present)).toHaveLength(6);
    // FRR (zebra), sshd, the lease API and one announcer per node, all running.
    expect(s.netns.daemons.length).toBeGreaterThanOrEqual(6);
    expect(s.netns.daemons.filter((d) => !d.alive)).toEqual([]);
    expect(s.lastVerification).toMatchObject({
      mode: 'l2',
      target: 'netns',
      verified: true,
      problems: [],
      failover: { from: l2.failover!.from, to: l2.failover!.to },
    });
  });

  it('should keep the L2 lab running while the BGP lab beside it is torn down', () => {
    expect(leftovers('e2el2').length).toBeGreaterThan(0);
    const bgpDown = cli('teardown', ['--target', 'netns', '--config', BGP, '--json']);
    expect(JSON.parse(bgpDown.stdout).namespaces).toHaveLength(6);
    expect(leftovers('e2el2')).not.toEqual([]);
  });

  it('should leave nothing after teardown, and a second teardown is fine', async () => {
    pidsBefore = recordedPids(join(RUN_ROOT, 'e2el2'));
    expect(pidsBefore.length).toBeGreaterThan(0);
    const first = cli('teardown', ['--target', 'netns', '--config', L2, '--json']);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).namespaces).toHaveLength(6);
    expect(leftovers('e2el2')).toEqual([]);
    expect(leftovers('e2ebgp')).toEqual([]);
    expect(pidsBefore.filter(alive)).toEqual([]);
    const after = await netnsStatus(planLab(parseLab(readFileSync(L2, 'utf8'), L2)));
    expect(formatNetnsStatus(after)).toBe('namespaces     0 of 6 present\ndaemons        0 of 0 alive');
    const again = cli('teardown', ['--target', 'netns', '--config', L2, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).namespaces).toEqual([]);
  });

  /** Starts `lab:l2` on the Ctrl-C lab and interrupts it once `progress` is printed (a step done). */
  async function interruptAfter(progress: string): Promise<string> {
    // Node with tsx's loader, not the tsx CLI: the CLI relays SIGINT to its child and SIGKILLs it when the
    // child has not acknowledged within 30 ms, which a loaded machine misses; the signal must reach ours.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/lab.ts', '--mode', 'l2', '--target', 'netns', '--config', CTRLC],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // 'close', not 'exit': the interrupted run's last words must have reached us.
    const exited = new Promise<number | null>((res) => child.on('close', res));
    await waitFor(`"${progress}" from lab:l2`, 120_000, async () => err.includes(progress), 20);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toContain('npm run lab:teardown removes whatever was started');
    return err;
  }

  // Ctrl-C after each step in turn: every other time teardown must leave nothing; otherwise the next
  // run starts over what the interrupted one left. At the end the same command runs to verified.
  const points = [
    '✓ render',
    '✓ namespaces and links',
    '✓ router:',
    '✓ nodes:',
    '✓ SSH to the router',
    '✓ a node holds the lease',
  ];
  it.each(points.map((p, i) => [p, i % 2 === 0] as const))(
    'should survive Ctrl-C after "%s" (then teardown: %s)',
    async (point, thenTeardown) => {
      await interruptAfter(point);
      if (point !== '✓ render') expect(leftovers('e2eint').length).toBeGreaterThan(0);
      if (thenTeardown) {
        expect(cli('teardown', ['--target', 'netns', '--config', CTRLC]).status).toBe(0);
        expect(leftovers('e2eint')).toEqual([]);
      }
    },
    TEST_MS,
  );

  it(
    'should rerun the interrupted command cleanly to verified, and say what teardown removed and kept',
    () => {
      const r = cli('lab', ['--mode', 'l2', '--target', 'netns', '--config', CTRLC, '--requests', '20']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/lab e2eint is already here: rebuilding it/);
      expect(r.stdout).toContain('✓ verified');
      // lab:render's output is not the emulated lab's: kept, and said so.
      expect(cli('render', ['--mode', 'l2', '--config', CTRLC]).status).toBe(0);
      const down = cli('teardown', ['--target', 'netns', '--config', CTRLC]);
      expect(down.stdout).toMatch(
        /✓ lab e2eint removed:\n  - 6 namespaces \(e2eint-client, .*\) with their links\n  - \d+ processes\n(  - .*\n)*  - \/run\/proxmox-cilium-lab\/e2eint\/\n  - \.lab\/e2eint\/netns\//,
      );
      expect(down.stdout).toContain(
        "kept (not the emulated lab's):\n  - .lab/e2eint/render/ (written by npm run lab:render)",
      );
      rmSync(join(ROOT, '.lab', 'e2eint'), { recursive: true });
      expect(leftovers('e2eint')).toEqual([]);
      expect(cli('teardown', ['--target', 'netns', '--config', CTRLC]).stdout).toContain(
        '✓ nothing of lab e2eint was running or on disk',
      );
    },
    TEST_MS,
  );

  it(
    'should finish a teardown interrupted by Ctrl-C when run again',
    async () => {
      await interruptAfter('✓ nodes:');
      const pids = recordedPids(join(RUN_ROOT, 'e2eint')).filter(alive);
      expect(pids.length).toBeGreaterThan(0);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'scripts/teardown.ts', '--target', 'netns', '--config', CTRLC],
        { cwd: ROOT, stdio: 'ignore' },
      );
      const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
      // Interrupted mid-way, whatever the machine's speed: once it has stopped a first process, teardown is
      // paused, shown to have left the rest, and then gets the Ctrl-C.
      await waitFor('teardown stopping a first process', 120_000, async () => pids.some((p) => !alive(p)), 20);
      child.kill('SIGSTOP');
      expect(leftovers('e2eint').length).toBeGreaterThan(0);
      child.kill('SIGINT');
      child.kill('SIGCONT');
      expect(await exited).toBe('SIGINT');
      expect(cli('teardown', ['--target', 'netns', '--config', CTRLC]).status).toBe(0);
      expect(leftovers('e2eint')).toEqual([]);
    },
    TEST_MS,
  );
});
