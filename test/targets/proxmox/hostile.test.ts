// No config value is ever code, on the Proxmox side: every string field of the lab model in turn carries
// shell metacharacters (set after validation, which would refuse most of them, so what is proven is the
// plumbing), and every command the Proxmox run executes in a shell is run by a real /bin/sh against
// stub programs that record their arguments. No canary file may appear, and each hostile value must
// reach its program as (part of) one argument, never split.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLab } from '../../../lab/parse.ts';
import { MODES, planLab } from '../../../lab/plan.ts';
import { labStateDir } from '../../../lab/load.ts';
import { renderDir } from '../../../scripts/lib/render-files.ts';
import { proxmoxSteps } from '../../../scripts/targets/proxmox/steps.ts';
import { destroyCommands } from '../../../scripts/targets/proxmox/teardown.ts';
import { canariesIn, PAYLOAD } from '../../helpers/hostile.ts';
import { labText } from '../../helpers/labs.ts';

// Every optional string field present, so that it is swept too.
const base = parseLab(
  labText({
    router: { wan: { mode: 'static', address: '192.168.1.42/24', gateway: '192.168.1.1' } },
    network: { ports: ['eno2'] },
    image: { checksum: { algorithm: 'sha256', value: 'a'.repeat(64) } },
    bgp: { passwordEnv: 'LAB_BGP_PASSWORD' },
    ssh: { authorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileSweepKey me@home'] },
  }),
  'hostile.yaml',
);

type Path = (string | number)[];
function stringPaths(v: unknown, path: Path = []): Path[] {
  if (typeof v === 'string') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringPaths(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringPaths(x, [...path, k]));
  return [];
}
function withValue(obj: any, [key, ...rest]: Path, value: string): any {
  const copy = Array.isArray(obj) ? [...obj] : { ...obj };
  copy[key!] = rest.length === 0 ? value : withValue(obj[key!], rest, value);
  return copy;
}
const get = (obj: any, path: Path) => path.reduce((o, k) => o[k], obj) as string;

// Programs the steps call, as stubs: each appends its name and arguments (unit/record separated) to the
// log and exits $STUB_EXIT, so both branches of `a || b` and `a && b` run.
const sandbox = mkdtempSync(join(tmpdir(), 'hostile-'));
const stubs = join(sandbox, 'bin');
mkdirSync(stubs);
const PROGRAMS = [
  'sudo',
  'npm',
  'npx',
  'ssh-keygen',
  'cloud-init',
  'systemctl',
  'curl',
  'tar',
  'helm',
  'cilium',
  'k3s',
  'kubectl',
  'mkdir',
  'cat',
  'install',
  'sed',
  'wc',
  'grep',
  'sleep',
  'sh',
  'ip',
  'vtysh',
  'test',
];
for (const p of PROGRAMS) {
  // The k3s installer also takes its version from the environment: recorded as one more word.
  writeFileSync(
    join(stubs, p),
    `#!/bin/sh\n{ printf '%s' "\${0##*/}"; for a in "$@"; do printf '\\037%s' "$a"; done; [ -n "\${INSTALL_K3S_VERSION+x}" ] && printf '\\037INSTALL_K3S_VERSION=%s' "$INSTALL_K3S_VERSION"; printf '\\036'; } >> "$STUB_LOG"\nexit "\${STUB_EXIT:-0}"\n`,
  );
  chmodSync(join(stubs, p), 0o755);
}

/**
 * Runs each command line as the run would (a shell reading it, its standard input the secret), in a
 * scratch home, with every stub exiting 0 then 1; returns the argument lists the stubs saw.
 */
function runShell(commands: string[], home: string): string[][] {
  const log = join(home, 'argv.log');
  const dir = join(home, 'commands');
  mkdirSync(dir);
  commands.forEach((c, i) => writeFileSync(join(dir, String(i).padStart(3, '0')), c));
  const driver = 'for f in "$DIR"/*; do for e in 0 1; do printf "token\\n" | STUB_EXIT=$e /bin/sh "$f"; done; done';
  const r = spawnSync('/bin/sh', ['-c', driver], {
    cwd: home,
    env: { PATH: stubs, HOME: home, STUB_LOG: log, DIR: dir },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).not.toBeNull();
  return existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\x1e')
        .filter(Boolean)
        .map((line) => line.split('\x1f'))
    : [];
}

/** Every command the Proxmox run hands to a shell: the steps on lab hosts and local ones, and teardown's. */
function shellCommands(plan: ReturnType<typeof planLab>): string[] {
  return [
    ...MODES.flatMap((mode) =>
      proxmoxSteps(plan, mode, {
        failover: true,
        renderDir: renderDir(plan, mode),
        stateDir: labStateDir(plan.name),
        requests: 300,
      })
        // API calls are not shell; every other command is exactly what runs, in-process steps included.
        .flatMap((s) => s.commands.filter((c) => !c.api).map((c) => c.run)),
    ),
    ...[false, true].flatMap((keep) => destroyCommands(plan, keep)),
  ];
}

const fields = stringPaths(base).map((p) => p.join('.'));

describe('every string field of the lab model, hostile, through the Proxmox commands', () => {
  afterAll(() => rmSync(sandbox, { recursive: true, force: true }));
  const reached: string[] = [];

  it.each(fields)('%s', (field) => {
    const path = field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const hostile = `${get(base, path)}${PAYLOAD}`;
    let commands: string[];
    try {
      commands = shellCommands(planLab(withValue(base, path, hostile)));
    } catch {
      return; // the plan or a renderer refused the value: it reaches no command at all
    }
    // Any appearance of the value, quoted or not, carries the payload's characters.
    const carrying = [...new Set(commands.filter((c) => c.includes('>c1')))];
    if (carrying.length === 0) return; // the value only reaches rendered files or the API
    const home = join(sandbox, field);
    mkdirSync(join(home, 'lab'), { recursive: true });
    const argvs = runShell(carrying, home);
    expect(canariesIn(home)).toEqual([]);
    // Never split: an argument holding part of the payload holds all of it.
    const args = argvs.flat();
    for (const a of args.filter((x) => x.includes('$(>c1)'))) expect(a).toContain(PAYLOAD);
    expect(args.some((a) => a.includes(PAYLOAD))).toBe(true);
    reached.push(field);
  });

  it('should have swept the fields the Proxmox commands are built from', () => {
    expect(reached).toEqual(
      expect.arrayContaining([
        'name',
        'kubernetes.podCidr',
        'kubernetes.serviceCidr',
        'kubernetes.k3sVersion',
        'cilium.version',
      ]),
    );
  });
});
