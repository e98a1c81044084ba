// The Kubernetes steps of the Proxmox run, their real shell text run against the Kubernetes stand-in
// (test/fakes/kubernetes/kubectl.ts: each rule there names its upstream source): a first L2 run, a
// switch to BGP, and the bytes the BGP password and the k3s token arrive as.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PINS } from '../../../lab/pins.ts';
import type { Mode } from '../../../lab/plan.ts';
import { localHost } from '../../../scripts/hosts/local.ts';
import { writeRender } from '../../../scripts/lib/render-files.ts';
import type { StepContext } from '../../../scripts/targets/proxmox/context.ts';
import { runCommands } from '../../../scripts/targets/proxmox/execute.ts';
import { proxmoxSteps } from '../../../scripts/targets/proxmox/steps.ts';
import { installKubeStandin } from '../../fakes/kubernetes/install.ts';
import { labPlan } from '../../helpers/labs.ts';

// A password with what a shell or a line reader could mangle: spaces, quotes, $, a backslash.
const PASSWORD = 'p@ss w0rd $HOME `x` "q" \\n';
const TOKEN = 'K10abc::server:0123456789abcdef';
const plan = labPlan({ name: 'stkube', bgp: { passwordEnv: 'ST_BGP_PASSWORD' } });
const dir = mkdtempSync(join(tmpdir(), 'lab-kube-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The k3s installer (k3s-io/k3s install.sh of the release's tag) takes the token from K3S_TOKEN: the stand-in
// `curl` hands `sh -s -` a script that records exactly those bytes; `systemctl is-active` says "not yet".
const kube = installKubeStandin(dir, {
  systemctl: 'exit 3',
  curl: `echo "$2" >> "${join(dir, 'curl-urls')}"; echo 'printf %s "$K3S_TOKEN" > "${join(dir, 'k3s-token-seen')}"'`,
});
const host = localHost({ env: kube.env });
const secrets = { 'k3s-token': TOKEN, 'bgp-password': PASSWORD };
const ctx = { secret: (name: keyof typeof secrets) => secrets[name] } as unknown as StepContext;

async function runStep(mode: Mode, id: string): Promise<void> {
  const renderDir = join(dir, 'render', mode);
  mkdirSync(renderDir, { recursive: true });
  writeRender(plan, mode, renderDir, { bgpPassword: PASSWORD });
  const step = proxmoxSteps(plan, mode, { failover: false, renderDir, stateDir: dir, requests: 1 }).find(
    (s) => s.id === id,
  )!;
  await runCommands(host, step.commands, ctx);
}

describe('the Kubernetes steps against the Kubernetes stand-in', { timeout: 60_000 }, () => {
  it('should pass a first L2 run although the BGP kinds do not exist (defect 3)', async () => {
    for (const id of ['push', 'cilium', 'resources']) await runStep('l2', id);
    const s = kube.state();
    expect(s.crds.some((c) => c.startsWith('ciliumbgp'))).toBe(false);
    expect(Object.keys(s.objects).sort()).toEqual([
      'CiliumL2AnnouncementPolicy/stkube-l2',
      'CiliumLoadBalancerIPPool/stkube-l2',
    ]);
    // Only kinds whose CRD exists were deleted from; the BGP ones were asked about, not deleted.
    expect(s.calls.filter((c) => c.includes(' delete '))).toEqual([
      'kubectl delete ciliumloadbalancerippool/stkube-bgp --ignore-not-found',
    ]);
  });

  it('should switch to BGP: agent and operator restarted, CRDs Established before the resources (defect 4)', async () => {
    for (const id of ['push', 'cilium', 'bgp-secret', 'resources']) await runStep('bgp', id);
    const s = kube.state();
    expect(s.running).toEqual({ bgp: true });
    expect(Object.keys(s.objects).sort()).toEqual([
      'CiliumBGPAdvertisement/stkube-lb',
      'CiliumBGPClusterConfig/stkube',
      'CiliumBGPPeerConfig/stkube-router',
      'CiliumLoadBalancerIPPool/stkube-bgp',
      'Secret/stkube-bgp-password',
    ]);
    const calls = s.calls.slice(s.calls.findIndex((c) => c.includes('upgrade')));
    const at = (prefix: string) => calls.findIndex((c) => c.startsWith(prefix));
    expect(at('kubectl -n kube-system rollout restart daemonset/cilium deployment/cilium-operator')).toBeGreaterThan(0);
    expect(at('kubectl wait --for=condition=Established')).toBeGreaterThan(
      at('kubectl -n kube-system rollout status deployment/cilium-operator'),
    );
    expect(at('kubectl apply -f')).toBeGreaterThan(at('kubectl wait --for=condition=Established'));
  });

  it('should store the BGP password byte for byte: no trailing newline (defect 5)', () => {
    const secret = kube.state().objects['Secret/stkube-bgp-password'] as { data: { password: string } };
    expect(Buffer.from(secret.data.password, 'base64')).toEqual(Buffer.from(PASSWORD));
  });

  // Client-side `kubectl apply` would copy the Secret, password and all, into the annotation
  // kubectl.kubernetes.io/last-applied-configuration (kubectl pkg/cmd/apply/apply.go): readable by anyone
  // who may read the Secret's metadata. The step applies server-side and drops any such annotation.
  it("should keep the BGP password in the Secret's data only, never in an annotation (issue 18, defect 8)", async () => {
    const r = await host.exec('sudo k3s kubectl -n kube-system get secret stkube-bgp-password -o yaml');
    expect(r.code, r.stderr).toBe(0);
    const secret = parse(r.stdout) as { data: { password: string }; metadata: Record<string, unknown> };
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe(PASSWORD);
    const encoded = Buffer.from(PASSWORD).toString('base64');
    expect(JSON.stringify(secret.metadata)).not.toContain(encoded);
    expect(r.stdout.split(encoded)).toHaveLength(2); // once: in data
    expect(secret.metadata.annotations ?? {}).not.toHaveProperty('kubectl.kubernetes.io/last-applied-configuration');
  });

  // k3s is ready before its kubelet registers the Node (k3s pkg/cli/server/server.go): the kubeconfig step
  // waits until every node of the plan is listed, then checks by name.
  it('should wait for nodes that register late, and name one that never does (issue 18, defect 5)', async () => {
    const step = proxmoxSteps(plan, 'l2', { failover: false, renderDir: dir, stateDir: dir, requests: 1 }).find(
      (s) => s.id === 'kubeconfig',
    )!;
    const wait = step.commands.find((c) => c.run.includes('get nodes'))!;
    const [cp1, cp2, cp3] = plan.nodes.map((n) => n.name) as [string, string, string];
    const late = installKubeStandin(join(dir, 'late'), {}, { [cp1]: 0, [cp2]: 1, [cp3]: 3 });
    const withPlan = { ...ctx, plan } as unknown as StepContext;
    await runCommands(localHost({ env: late.env }), [wait], withPlan);
    expect(late.state().calls.filter((c) => c.includes('get nodes')).length).toBe(4);
    // The wait's last answer after its bound, with one node still missing.
    expect(() => wait.then!(`node/${cp1}\nnode/${cp2}\n`, withPlan)).toThrow(
      `${cp3} not registered with k3s within 5 min (2 of 3 are)`,
    );
  });

  // The tools step with the archive and its release's `.sha256sum` served from here (a curl that copies
  // by file name), real sha256sum, and a sudo that records instead of unpacking: a tampered archive is
  // refused before anything is unpacked (issue 18, every download checked).
  it.each([
    ['install helm and cilium when the checksums match', false],
    ['refuse a tampered archive before unpacking it', true],
  ] as const)('should %s', async (_, tampered) => {
    const served = join(dir, tampered ? 'served-bad' : 'served');
    const bin = join(served, 'bin');
    mkdirSync(bin, { recursive: true });
    const shim = (name: string, body: string) =>
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    shim('curl', `for a in "$@"; do u="$a"; done; cp "${served}/\${u##*/}" .`);
    shim('sudo', `echo "$*" >> "${served}/unpacked"`);
    const step = proxmoxSteps(plan, 'l2', { failover: false, renderDir: dir, stateDir: dir, requests: 1 }).find(
      (x) => x.id === 'tools',
    )!;
    for (const c of step.commands) {
      const url = /curl -fsSLO (\S+);/.exec(c.run)![1]!;
      const file = url.split('/').pop()!;
      writeFileSync(join(served, file), `archive ${file}`);
      const sum = execFileSync('sha256sum', [file], { cwd: served, encoding: 'utf8' });
      writeFileSync(join(served, `${file}.sha256sum`), sum);
      if (tampered) writeFileSync(join(served, file), `archive ${file}, changed on the way`);
      const r = await localHost({ env: { PATH: `${bin}:/usr/bin:/bin` } }).exec(c.run);
      expect(r.code === 0, r.stderr).toBe(!tampered);
      if (tampered) expect(r.stdout + r.stderr).toMatch(new RegExp(`${file}: FAILED`));
    }
    const unpacked = existsSync(join(served, 'unpacked')) ? readFileSync(join(served, 'unpacked'), 'utf8') : '';
    expect(unpacked.match(/^tar -xzf \S+ -C \/usr\/local\/bin/gm) ?? []).toHaveLength(tampered ? 0 : 2);
  });

  it('should hand the k3s installer the token byte for byte', async () => {
    await runStep('bgp', 'k3s');
    expect(readFileSync(join(dir, 'k3s-token-seen'))).toEqual(Buffer.from(TOKEN));
    // The installer is the script of the pinned release's tag, not whatever get.k3s.io serves today.
    const curls = readFileSync(join(dir, 'curl-urls'), 'utf8').trim().split('\n');
    expect(curls).toEqual([`https://raw.githubusercontent.com/k3s-io/k3s/${encodeURIComponent(PINS.k3s)}/install.sh`]);
  });

  it('should show why: helm upgrade alone leaves the agents on their old settings', () => {
    // The stand-in's rule, against upstream's shape: the release's values changed, the running ones not.
    const values = parse(readFileSync(join(dir, 'render/bgp/cilium/values.yaml'), 'utf8')) as Record<string, unknown>;
    expect(values.rollOutCiliumPods ?? false).toBe(false);
    expect((values.operator as { rollOutPods?: boolean } | undefined)?.rollOutPods ?? false).toBe(false);
  });
});
