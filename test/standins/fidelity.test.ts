// fidelity(plan) and the per-minor behaviour table the stand-ins follow.
import { describe, expect, it } from 'vitest';
import { fidelity } from '../../standins/cilium/fidelity.ts';
import { behaviour, ciliumMinor, GOBGP_DEBIAN } from '../../standins/cilium/versions.ts';
import { labPlan } from '../helpers/labs.ts';

describe('Cilium minors of the stand-ins', () => {
  it('should stop BGP as each minor does: 1.18/1.19 close, 1.20 stop allowing graceful restart', () => {
    expect(['1.18.3', '1.19.1', '1.20.0'].map((v) => behaviour(v).bgpStop)).toEqual([
      'close',
      'close',
      'stop-allow-gr',
    ]);
  });

  it('should refuse a minor the stand-ins do not model, naming the field and the fix', () => {
    expect(() => ciliumMinor('1.17.6')).toThrow(/cilium.version 1.17.6: .* model Cilium 1.18, 1.19, 1.20 only/);
  });

  it("should give GoBGP's first-dial windows from connectLoop: 3.10 5–10 s, 3.37 1–2 s, 4.6 1.5–2 s", () => {
    expect(GOBGP_DEBIAN.first).toEqual([5, 10]);
    expect(behaviour('1.18.3').vendored.first).toEqual([1, 2]);
    expect(behaviour('1.20.0').vendored.first).toEqual([1.5, 2]);
    expect(behaviour('1.20.0').vendored.later(120)).toEqual([90, 120]);
    expect(GOBGP_DEBIAN.later(120)).toEqual([120, 240]);
  });
});

describe('fidelity(plan)', () => {
  it('should list real parts and stand-ins with the minor they model and the measured differences', () => {
    const items = fidelity(labPlan({ cilium: { version: '1.20.0' } }));
    expect(items.filter((i) => i.kind === 'real').map((i) => i.part)).toEqual([
      'router',
      'ARP, neighbour tables, forwarding, ECMP',
      'BGP speaker',
    ]);
    expect(items.find((i) => i.part === 'BGP agent stop/restart')!.models).toMatch(
      /^Cilium 1.20: StopBgp\{AllowGracefulRestart: true\}/,
    );
    expect(items.find((i) => i.part === 'BGP speaker')!.differences[0]!.what).toMatch(
      /waits 5–10 s, upstream's 4.6.1 1.5–2 s/,
    );
    expect(
      fidelity(labPlan({ cilium: { version: '1.18.3' } })).find((i) => i.part === 'BGP agent stop/restart')!.models,
    ).toMatch(/^Cilium 1.18: agent exit without GoBGP's Stop/);
    for (const i of items) for (const d of i.differences) expect(d.effect.length).toBeGreaterThan(0);
  });
});
