// lab:compare's pure parts: scenario and preset parsing, the bounds from the settings, the time estimate.
import { describe, expect, it } from 'vitest';
import { applyPreset } from '../../scripts/compare/presets.ts';
import { servedAfter } from '../../scripts/compare/measure.ts';
import { Eta, minutes, workUnits } from '../../scripts/compare/run.ts';
import { bound, parseScenarios, settingsOf } from '../../scripts/compare/scenarios.ts';
import { SCENARIOS } from '../../scripts/report/model.ts';
import { labPlan } from '../helpers/labs.ts';

describe('parseScenarios', () => {
  it('should default to every scenario and keep the canonical order', () => {
    expect(parseScenarios(undefined)).toEqual([...SCENARIOS]);
    expect(parseScenarios('restart,link-loss')).toEqual(['link-loss', 'restart']);
  });
  it('should name an unknown scenario and the choices', () => {
    expect(() => parseScenarios('link-loss,reboot')).toThrow(/unknown reboot/);
  });
});

describe('presets', () => {
  const plan = labPlan();
  it("should keep the lab's timers, or put Cilium's defaults in the plan", () => {
    expect(applyPreset(plan, 'lab')).toBe(plan);
    const d = applyPreset(plan, 'cilium-defaults');
    expect(d.l2.leaseMs).toEqual({ duration: 15_000, renewDeadline: 5_000, retryPeriod: 2_000 });
    expect(d.config.bgp.timers).toEqual({ keepalive: 30, hold: 90, connectRetry: 120 });
    expect(settingsOf(d, 'cilium-defaults', 100, 100).bgpTimers).toEqual({
      keepalive: 30,
      hold: 90,
      connectRetry: 120,
      idleHoldAfterReset: 5,
      gracefulRestart: 15,
    });
  });
});

describe('bound', () => {
  const st = settingsOf(labPlan(), 'lab', 100, 100);
  it('should follow the lease for L2 and the BGP timers for BGP', () => {
    // Lease 3 s + retry period 0.2 s: the router takes the new holder's gratuitous ARP at once (locktime 0).
    expect(bound('link-loss', 'l2', st)).toMatchObject({
      ms: 3200,
      basis: expect.stringContaining('gratuitous ARP moves the router'),
    });
    expect(bound('graceful-stop', 'l2', st).ms).toBe(3200);
    // Graceful restart is on in the rendered peer config: hold time 9 s + restart time 15 s.
    expect(bound('link-loss', 'bgp', st).ms).toBe(24_000);
    expect(bound('link-loss', 'bgp', { ...st, bgpTimers: { ...st.bgpTimers, gracefulRestart: null } }).ms).toBe(9000);
    expect(bound('restart', 'bgp', st)).toMatchObject({
      ms: 15_000,
      basis: expect.stringContaining('graceful restart time 15 s'),
    });
    expect(bound('router-restart', 'bgp', st).ms).toBe(10_000);
  });
});

describe('servedAfter', () => {
  it('should name the nodes that answered after the last failure, or after the fault when none failed', () => {
    const s = [
      { t: 0, ok: true, node: 'a' },
      { t: 100, ok: false },
      { t: 200, ok: true, node: 'b' },
      { t: 300, ok: true, node: 'c' },
    ];
    expect(servedAfter(s, 50)).toEqual(['b', 'c']);
    expect(
      servedAfter(
        [
          { t: 0, ok: true, node: 'a' },
          { t: 100, ok: true, node: 'b' },
        ],
        50,
      ),
    ).toEqual(['b']);
  });
});

describe('Eta', () => {
  it('should guess from the bound until a unit of the same kind was measured', () => {
    const eta = new Eta(() => 10_000);
    const units = workUnits({ trials: 2, scenarios: ['steady', 'link-loss'], preset: 'lab' });
    expect(units).toEqual([
      'l2/up',
      'l2/steady',
      'l2/steady',
      'l2/link-loss',
      'l2/link-loss',
      'bgp/up',
      'bgp/steady',
      'bgp/steady',
      'bgp/link-loss',
      'bgp/link-loss',
    ]);
    expect(eta.left(units)).toBe(100_000);
    eta.record('l2/steady', 4000);
    expect(eta.left(units.slice(1))).toBe(7 * 10_000 + 2 * 4000);
    expect(minutes(154_000)).toBe('2 min 34 s');
  });
});
