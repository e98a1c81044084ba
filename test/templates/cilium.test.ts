import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Mode } from '../../lab/plan.ts';
import type { LabHost, LabPlan } from '../../lab/plan.ts';
import { PINS } from '../../lab/pins.ts';
import { ciliumResources, ciliumValues, clientRateLimit, type Manifest } from '../../templates/cilium.ts';
import { demoManifests, parseEcho } from '../../templates/demo.ts';
import { type CrdValidator, loadCrd } from '../helpers/crd-schema.ts';
import { labPlan } from '../helpers/labs.ts';
import { sharedFile } from '../helpers/shared.ts';

const crdDir = sharedFile('schemas/cilium');
const crds = new Map<string, CrdValidator>(
  crdDir
    ? readdirSync(crdDir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => loadCrd(join(crdDir, f)))
        .map((c) => [c.kind, c])
    : [],
);
const valuesSchemaFile = sharedFile('schemas/cilium/cilium-values.schema.json');

function crdProblems(manifests: Manifest[]): string[] {
  return manifests.flatMap((m) => {
    const crd = crds.get(m.kind);
    return crd ? crd.validate(m) : [`${m.kind}: no upstream CRD schema`];
  });
}

const plan = labPlan();
const modern = labPlan({ bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } });
/** One plan per maintained minor (x.y.0: the first release of each). */
const byMinor = PINS.ciliumMinors.map(
  (minor) => [minor, labPlan({ cilium: { version: `${minor}.0` }, bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } })] as const,
);

describe('supported Cilium versions', () => {
  // The resources are the same for every maintained minor; the values differ in externalIPs.enabled, which
  // 1.19 removed (Documentation/operations/upgrade.rst, 1.19 Upgrade Notes: --enable-external-ips removed,
  // the feature comes with kube-proxy replacement): rendered for 1.18 only (issue 18, item 9).
  it.each(byMinor)('should render the resources and values Cilium %s reads', (minor, p) => {
    for (const mode of ['l2', 'bgp'] as const) {
      expect(ciliumResources(p, mode)).toEqual(ciliumResources(modern, mode));
      const { externalIPs, ...rest } = ciliumValues(p, mode);
      const { externalIPs: _, ...latest } = ciliumValues(modern, mode);
      expect(rest).toEqual(latest);
      expect(externalIPs).toEqual(minor === '1.18' ? { enabled: mode === 'l2' } : undefined);
    }
  });
  it('should refuse a minor upstream no longer maintains, or one not yet covered, naming the field and the fix', () => {
    expect(() => labPlan({ cilium: { version: '1.17.6' } })).toThrow(
      /cilium\.version.*Cilium 1\.17 is not a maintained release \(supported: 1\.18, 1\.19, 1\.20\).*use a release of 1\.18, 1\.19, 1\.20, e\.g\. 1\.20\.0/s,
    );
    expect(() => labPlan({ cilium: { version: '1.21.0' } })).toThrow(/Cilium 1\.21 is not a maintained release/);
  });
});

// What listens on a k3s node, by role, as k3s sets it up (k3s-io/k3s, release-1.33; the sources are
// named beside K3S_LOCAL_API in templates/cilium.ts). A server: its supervisor on <node IP>:6443 and
// kube-apiserver on 127.0.0.1:6444. An agent: the client load balancer on 127.0.0.1:6444, which
// reaches any server that is up. Returns the nodes whose API server a client on `from` reaches.
function apiServersReached(p: LabPlan, from: LabHost, host: string, port: number, down: string): LabHost[] {
  const up = (h: LabHost) => h.name !== down;
  const servers = p.nodes.filter((h) => h.role === 'control-plane' && up(h));
  if (host === '127.0.0.1' && port === 6444) return from.role === 'control-plane' ? [from].filter(up) : servers;
  if (port === 6443) return servers.filter((h) => h.lanIp === host);
  return [];
}

describe('the API server Cilium is given (defect 8)', () => {
  it.each([
    ['3 control planes', labPlan()],
    ['3 control planes and 2 workers', labPlan({ kubernetes: { workers: 2 } })],
    ['5 control planes', labPlan({ kubernetes: { controlPlanes: 5 } })],
  ])('should leave every agent an API server whichever node is down: %s', (_, p) => {
    const v = ciliumValues(p, 'l2') as { k8sServiceHost: string; k8sServicePort: number };
    // Loopback means the node's own only for pods in the host network: the agent always, the operator as rendered.
    expect(v).toMatchObject({ k8sServiceHost: '127.0.0.1', k8sServicePort: 6444, operator: { hostNetwork: true } });
    for (const down of p.nodes) {
      const orphans = p.nodes.filter(
        (n) =>
          n.name !== down.name && apiServersReached(p, n, v.k8sServiceHost, v.k8sServicePort, down.name).length === 0,
      );
      expect(
        orphans.map((n) => n.name),
        `${down.name} down`,
      ).toEqual([]);
    }
  });
  it('should not point at one node (the first control plane), whose loss left the others without an API server', () => {
    const v = ciliumValues(plan, 'l2') as { k8sServiceHost: string };
    expect(plan.nodes.map((n) => n.lanIp)).not.toContain(v.k8sServiceHost);
  });
});

describe('ciliumValues', () => {
  it('should enable L2 announcements with the lease timings and a rate limit sized for them', () => {
    const v = ciliumValues(plan, 'l2') as any;
    expect(v.l2announcements).toEqual({
      enabled: true,
      leaseDuration: '3s',
      leaseRenewDeadline: '1s',
      leaseRetryPeriod: '200ms',
    });
    expect(v.k8sClientRateLimit).toEqual({ qps: 15, burst: 30 });
    expect(v.bgpControlPlane.enabled).toBe(false);
    expect(v).toMatchObject({
      kubeProxyReplacement: true,
      k8sServiceHost: '127.0.0.1',
      k8sServicePort: 6444,
      devices: ['eth0'],
    });
  });
  it('should enable the BGP control plane and not L2 in BGP mode', () => {
    const v = ciliumValues(plan, 'bgp') as any;
    expect(v.bgpControlPlane.enabled).toBe(true);
    expect(v.l2announcements.enabled).toBe(false);
  });
  it('should raise the rate limit as the retry period shrinks', () => {
    expect(
      clientRateLimit(labPlan({ l2: { lease: { duration: '2s', renewDeadline: '1s', retryPeriod: '100ms' } } })).qps,
    ).toBe(20);
  });
});

describe('demoManifests', () => {
  it('should ask for the pool address with Cluster policy in L2 mode and a Local DaemonSet in BGP mode', () => {
    const [, l2Workload, l2Svc] = demoManifests(plan, 'l2') as any[];
    const [, bgpWorkload, bgpSvc] = demoManifests(plan, 'bgp') as any[];
    expect(l2Workload.kind).toBe('Deployment');
    expect(l2Svc.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' });
    expect(l2Svc.metadata.annotations['lbipam.cilium.io/ips']).toBe('10.42.0.193');
    expect(bgpWorkload.kind).toBe('DaemonSet');
    expect(bgpSvc.spec.externalTrafficPolicy).toBe('Local');
    expect(bgpSvc.metadata.labels).toEqual((ciliumResources(plan, 'bgp')[0] as any).spec.serviceSelector.matchLabels);
  });
  it('should answer in the form the verification parses', () => {
    const args = (demoManifests(plan, 'l2')[1] as any).spec.template.spec.containers[0].args as string[];
    expect(
      parseEcho(args[1]!.replace('-text=', '').replace('$(NODE_NAME)', 'cilab-cp1').replace('$(POD_NAME)', 'echo-abc')),
    ).toEqual({ node: 'cilab-cp1', pod: 'echo-abc' });
  });
});

describe.skipIf(!crdDir)('Cilium resources against the upstream CRD schemas', () => {
  it.each(
    byMinor.flatMap(([minor, p]) => (['l2', 'bgp'] as Mode[]).map((mode) => [`${minor}, ${mode}`, p, mode] as const)),
  )('should validate %s', (_, p, mode) => {
    const manifests = ciliumResources(p, mode);
    expect(manifests[0]!.apiVersion).toBe('cilium.io/v2');
    expect(manifests.map((m) => m.kind)).toEqual(
      mode === 'l2'
        ? ['CiliumLoadBalancerIPPool', 'CiliumL2AnnouncementPolicy']
        : ['CiliumLoadBalancerIPPool', 'CiliumBGPClusterConfig', 'CiliumBGPPeerConfig', 'CiliumBGPAdvertisement'],
    );
    expect(crdProblems(manifests)).toEqual([]);
  });

  it('should catch a misspelled field, a wrong type and a bad enum', () => {
    const [pool, cluster, peer] = structuredClone(ciliumResources(modern, 'bgp')) as any[];
    pool.spec.block = pool.spec.blocks;
    cluster.spec.bgpInstances[0].localASN = '65001';
    peer.spec.families[0].afi = 'ip4';
    expect(crdProblems([pool, cluster, peer])).toEqual([
      'CiliumLoadBalancerIPPool/cilab-bgp/spec: must NOT have additional properties (block)',
      'CiliumBGPClusterConfig/cilab/spec/bgpInstances/0/localASN: must be integer',
      'CiliumBGPPeerConfig/cilab-router/spec/families/0/afi: must be equal to one of the allowed values',
    ]);
  });
});

describe.skipIf(!valuesSchemaFile)('Helm values against the chart values schema', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(
    valuesSchemaFile ? JSON.parse(readFileSync(valuesSchemaFile, 'utf8')) : {},
  );

  it.each(
    byMinor.flatMap(([minor, p]) => (['l2', 'bgp'] as const).map((mode) => [`${minor}, ${mode}`, p, mode] as const)),
  )('should validate the %s values', (_, p, mode) => {
    expect(validate(ciliumValues(p, mode)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('should catch a wrong type (the schema checks types, not spelling)', () => {
    expect(validate({ ...ciliumValues(plan, 'l2'), l2announcements: { enabled: 'yes' } })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/l2announcements/enabled');
  });
});
