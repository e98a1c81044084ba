import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeUserData, routerUserData, WAIT_FOR_APT_ARGS } from '../../templates/cloud-init.ts';
import { labPlan } from '../helpers/labs.ts';
import { hasTool, isRoot } from '../helpers/tools.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-cloud-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs Debian's `cloud-init schema -c` on the text; returns its exit code and output. */
function cloudInitSchema(name: string, text: string): { status: number | null; output: string } {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync('cloud-init', ['schema', '-c', file], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0YWJrZXlmb3J0ZXN0c29ubHlub3RyZWFsMDAwMDA lab@test';
const plan = labPlan({ ssh: { authorizedKeys: [KEY] } });

describe('cloud-init user-data', () => {
  it('should give the router FRR, nftables NAT from the LAN and the forwarding sysctls', () => {
    const doc = parse(routerUserData(plan));
    expect(doc.packages).toEqual(['qemu-guest-agent', 'frr', 'nftables', 'curl']);
    const files = Object.fromEntries(doc.write_files.map((f: any) => [f.path, f.content]));
    expect(files['/etc/sysctl.d/90-lab-router.conf']).toContain('net.ipv4.ip_forward = 1');
    expect(files['/etc/sysctl.d/90-lab-router.conf']).toContain('net.ipv4.fib_multipath_hash_policy = 1');
    expect(files['/etc/nftables.conf']).toContain('ip saddr 10.42.0.0/24 oifname "eth0" masquerade');
    expect(doc.users[0].ssh_authorized_keys).toEqual([KEY]);
  });

  describe.skipIf(!hasTool('cloud-init'))('checked by cloud-init schema', () => {
    it.each([
      ['router', routerUserData(plan)],
      ['node', nodeUserData(plan, plan.nodes[0]!)],
      ['router without keys', routerUserData(labPlan())],
    ])('should pass for the %s', (name, text) => {
      const r = cloudInitSchema(`${name}.yaml`, text);
      expect(r.output).toContain('Valid cloud-config');
      expect(r.status).toBe(0);
    });

    it('should be a check that fails on a broken document', () => {
      const r = cloudInitSchema(
        'broken.yaml',
        routerUserData(plan).replace('package_update: true', 'package_update: maybe'),
      );
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/package_update/);
    });
  });
});

describe('the wait for apt before the packages', () => {
  it('should run first on every host, bounded, and add apt retries', () => {
    for (const doc of [parse(routerUserData(plan)), parse(nodeUserData(plan, plan.nodes[0]!))]) {
      expect(doc.bootcmd).toHaveLength(1);
      expect(doc.bootcmd[0].slice(0, 5)).toEqual(['cloud-init-per', 'instance', 'lab-wait-apt', 'sh', '-c']);
      expect(doc.bootcmd[0].slice(6)).toEqual(['lab-wait-apt', '60', '10']);
      expect(WAIT_FOR_APT_ARGS.attempts * WAIT_FOR_APT_ARGS.delaySeconds).toBeLessThanOrEqual(600);
      expect(
        doc.write_files.find((f: { path: string }) => f.path === '/etc/apt/apt.conf.d/80lab-retries').content,
      ).toBe('Acquire::Retries "5";\n');
    }
  });

  // Debian's cloud-init-per itself, its semaphore directories moved under the test's: the wait runs on the
  // instance's first boot only (issue 18, defect 4), whatever its outcome, as upstream records it.
  it.skipIf(!existsSync('/usr/bin/cloud-init-per') || !isRoot)('should wait on the first boot only', () => {
    const sem = join(dir, 'cloud-sem');
    const per = join(dir, 'cloud-init-per');
    writeFileSync(per, readFileSync('/usr/bin/cloud-init-per', 'utf8').replaceAll('/var/lib/cloud', sem), {
      mode: 0o755,
    });
    const [, ...args] = parse(nodeUserData(plan, plan.nodes[0]!)).bootcmd[0] as string[];
    // The wait itself replaced by one that records each run: only the wrapper's behaviour is under test.
    const ran = join(dir, 'waited');
    const argv = [...args.slice(0, 4), `echo run >> ${ran}`, ...args.slice(5)];
    for (let boot = 0; boot < 3; boot++) expect(spawnSync(per, argv).status).toBe(0);
    expect(readFileSync(ran, 'utf8')).toBe('run\n');
  });

  // The bootcmd exactly as rendered, run by sh as cloud-init runs a list, with real apt against a flat
  // repository on this machine that comes up late (the router's NAT, for a node). APT_CONFIG points
  // apt at that repository and at temporary state: the system's apt is left alone.
  describe.skipIf(!hasTool('apt-get'))('run with real apt', () => {
    const script = (parse(nodeUserData(plan, plan.nodes[0]!)).bootcmd[0] as string[])[5]!;
    const apt = join(dir, 'apt');
    const repo = join(apt, 'repo');
    const servers: Server[] = [];
    afterAll(() => servers.forEach((s) => s.close()));

    async function freePort(): Promise<number> {
      const s = createServer().listen(0, '127.0.0.1');
      await new Promise((r) => s.once('listening', r));
      const { port } = s.address() as AddressInfo;
      await new Promise((r) => s.close(r));
      return port;
    }

    function configure(port: number): string {
      for (const d of ['lists/partial', 'cache/archives/partial', 'parts', 'repo'])
        mkdirSync(join(apt, d), { recursive: true });
      writeFileSync(join(repo, 'Release'), 'Origin: lab\nSuite: ./\n');
      writeFileSync(join(repo, 'Packages'), '');
      writeFileSync(join(apt, 'sources.list'), `deb [trusted=yes] http://127.0.0.1:${port} ./\n`);
      const conf = join(apt, `apt-${port}.conf`);
      const dirs = {
        'Dir::State::Lists': 'lists',
        'Dir::Cache': 'cache',
        'Dir::Etc::sourcelist': 'sources.list',
        'Dir::Etc::sourceparts': 'parts',
      };
      writeFileSync(
        conf,
        `${Object.entries(dirs)
          .map(([k, v]) => `${k} "${join(apt, v)}";`)
          .join('\n')}\nDebug::NoLocking "true";\nAcquire::Retries "0";\n`,
      );
      return conf;
    }

    const waitForApt = (conf: string, attempts: number, delay: number) =>
      new Promise<{ code: number; output: string }>((resolve) => {
        execFile(
          'sh',
          ['-c', script!, 'lab-wait-apt', String(attempts), String(delay)],
          { env: { ...process.env, APT_CONFIG: conf } },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, output: stdout + stderr }),
        );
      });

    it('should retry until the mirror answers', async () => {
      const port = await freePort();
      const conf = configure(port);
      const done = waitForApt(conf, 40, 0.2);
      await new Promise((r) => setTimeout(r, 1000));
      servers.push(
        createServer((req, res) => {
          const file = join(repo, (req.url ?? '').replace(/^\/\.?\/?/, ''));
          if (existsSync(file)) res.end(readFileSync(file));
          else res.writeHead(404).end();
        }).listen(port, '127.0.0.1'),
      );
      const r = await done;
      expect(r.output).toMatch(/Could not connect to 127\.0\.0\.1/);
      expect(r.code, r.output).toBe(0);
    });

    it('should give up after its attempts, saying so, and fail the bootcmd', async () => {
      const r = await waitForApt(configure(await freePort()), 2, 0);
      expect(r.output.match(/Could not connect/g)!.length).toBeGreaterThanOrEqual(2);
      expect(r.output).toContain('lab: apt sources unreachable after 2 attempts');
      expect(r.code).toBe(1);
    });
  });
});
