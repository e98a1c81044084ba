import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Mode } from '../../lab/plan.ts';
import { ciliumApiVersion, ciliumResources, ciliumValues, clientRateLimit, type Manifest } from '../../templates/cilium.ts';
import { demoManifests, parseEcho } from '../../templates/demo.ts';
import { type CrdValidator, loadCrd } from '../helpers/crd-schema.ts';
import { labPlan } from '../helpers/labs.ts';
import { sharedFile } from '../helpers/shared.ts';

const crdDir = sharedFile('schemas/cilium');
const crds = new Map<string, CrdValidator>(
  crdDir ? readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).map((f) => loadCrd(join(crdDir, f))).map((c) => [c.kind, c]) : [],
);
const valuesSchemaFile = sharedFile('schemas/cilium/cilium-values.schema.json');

function crdProblems(manifests: Manifest[]): string[] {
  return manifests.flatMap((m) => {
    const crd = crds.get(m.kind);
    return crd ? crd.validate(m) : [`${m.kind}: no upstream CRD schema`];
  });
}

const plan = labPlan();
const modern = labPlan({ cilium: { version: '1.18.3' }, bgp: { passwordEnv: 'LAB_BGP_PASSWORD' } });
const older = labPlan({ cilium: { version: '1.17.6' } });

describe('ciliumApiVersion', () => {
  it('should pick cilium.io/v2 from 1.18 and v2alpha1 for 1.16-1.17', () => {
    expect(ciliumApiVersion('1.18.0')).toBe('cilium.io/v2');
    expect(ciliumApiVersion('1.17.6')).toBe('cilium.io/v2alpha1');
    expect(ciliumApiVersion('1.16.0')).toBe('cilium.io/v2alpha1');
  });
  it('should refuse Cilium below 1.16 with the fix', () => {
    expect(() => ciliumApiVersion('1.15.9')).toThrow(/Cilium 1\.15\.9 is not supported: BGP v2 resources \(CiliumBGPClusterConfig\) need 1\.16\.0/);
  });
});

describe('ciliumValues', () => {
  it('should enable L2 announcements with the lease timings and a rate limit sized for them', () => {
    const v = ciliumValues(plan, 'l2') as any;
    expect(v.l2announcements).toEqual({ enabled: true, leaseDuration: '3s', leaseRenewDeadline: '1s', leaseRetryPeriod: '200ms' });
    expect(v.k8sClientRateLimit).toEqual({ qps: 15, burst: 30 });
    expect(v.bgpControlPlane.enabled).toBe(false);
    expect(v).toMatchObject({ kubeProxyReplacement: true, k8sServiceHost: '10.42.0.11', k8sServicePort: 6443, devices: ['eth0'] });
  });
  it('should enable the BGP control plane and not L2 in BGP mode', () => {
    const v = ciliumValues(plan, 'bgp') as any;
    expect(v.bgpControlPlane.enabled).toBe(true);
    expect(v.l2announcements.enabled).toBe(false);
  });
  it('should raise the rate limit as the retry period shrinks', () => {
    expect(clientRateLimit(labPlan({ l2: { lease: { duration: '2s', renewDeadline: '1s', retryPeriod: '100ms' } } })).qps).toBe(20);
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
    expect(parseEcho(args[1]!.replace('-text=', '').replace('$(NODE_NAME)', 'cilab-cp1').replace('$(POD_NAME)', 'echo-abc'))).toEqual({ node: 'cilab-cp1', pod: 'echo-abc' });
  });
});

describe.skipIf(!crdDir)('Cilium resources against the upstream CRD schemas', () => {
  it.each<[string, typeof plan, Mode, string]>([
    ['1.18, L2', modern, 'l2', 'cilium.io/v2'],
    ['1.18, BGP with password', modern, 'bgp', 'cilium.io/v2'],
    ['1.17, L2', older, 'l2', 'cilium.io/v2alpha1'],
    ['1.17, BGP', older, 'bgp', 'cilium.io/v2alpha1'],
  ])('should validate %s', (_, p, mode, apiVersion) => {
    const manifests = ciliumResources(p, mode);
    expect(manifests[0]!.apiVersion).toBe(apiVersion);
    expect(manifests.map((m) => m.kind)).toEqual(mode === 'l2' ? ['CiliumLoadBalancerIPPool', 'CiliumL2AnnouncementPolicy'] : ['CiliumLoadBalancerIPPool', 'CiliumBGPClusterConfig', 'CiliumBGPPeerConfig', 'CiliumBGPAdvertisement']);
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
  const validate = new Ajv({ strict: false, allErrors: true }).compile(valuesSchemaFile ? JSON.parse(readFileSync(valuesSchemaFile, 'utf8')) : {});

  it.each(['l2', 'bgp'] as const)('should validate the %s values', (mode) => {
    expect(validate(ciliumValues(plan, mode)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('should catch a wrong type (the schema checks types, not spelling)', () => {
    expect(validate({ ...ciliumValues(plan, 'l2'), l2announcements: { enabled: 'yes' } })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/l2announcements/enabled');
  });
});
