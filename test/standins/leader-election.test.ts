// client-go's leader election (ported in standins/cilium/leader-election.ts) against the lease API
// stand-in's request handler, on a fake clock: the rules of kubernetes/client-go
// tools/leaderelection/leaderelection.go (tryAcquireOrRenew, release) that Cilium's L2 announcer runs.
import { describe, expect, it, vi } from 'vitest';
import { type LeaseClient, LeaderElector } from '../../standins/cilium/leader-election.ts';
import { leaseRequest, type LeaseStore } from '../../standins/cilium/lease-api.ts';
import type { LeaseRelease } from '../../standins/cilium/versions.ts';

function api() {
  const store: LeaseStore = new Map();
  let rv = 0;
  let reachable = true;
  const call = (method: string, body: any = {}) => leaseRequest(store, method, 'l', body, () => String(++rv));
  const client: LeaseClient = {
    async get() {
      if (!reachable) return { kind: 'error' };
      const r = call('GET');
      return r.status === 404 ? { kind: 'not-found' } : { kind: 'found', lease: r.value as any };
    },
    async create(spec) {
      const r = reachable ? call('POST', { spec }) : { status: 0, value: null };
      return r.status === 201 ? (r.value as any) : null;
    },
    async update(resourceVersion, spec) {
      const r = reachable ? call('PUT', { metadata: { resourceVersion }, spec }) : { status: 0, value: null };
      return r.status === 200 ? (r.value as any) : null;
    },
  };
  return { store, client, cut: (v: boolean) => (reachable = !v) };
}

describe('LeaderElector (client-go semantics)', () => {
  let now = 0;
  const clock = () => now;
  const elector = (identity: string, client: LeaseClient, release?: LeaseRelease) =>
    new LeaderElector({
      identity,
      leaseDurationMs: 3000,
      renewDeadlineMs: 1000,
      retryPeriodMs: 200,
      client,
      now: clock,
      ...(release ? { release } : {}),
    });

  it('should count expiry from when a candidate saw the record change, not from its renewTime', async () => {
    const { client, store } = api();
    now = 0;
    const cp1 = elector('cp1', client);
    expect(await cp1.tryAcquireOrRenew()).toBe(true);
    expect(store.get('l')!.spec).toMatchObject({ holderIdentity: 'cp1', leaseDurationSeconds: 3, leaseTransitions: 0 });
    // cp2 first looks at 2.5 s: for cp2 the lease is valid until 5.5 s, though it was renewed at 0.
    now = 2500;
    const cp2 = elector('cp2', client);
    expect(await cp2.tryAcquireOrRenew()).toBe(false);
    now = 5400;
    expect(await cp2.tryAcquireOrRenew()).toBe(false);
    now = 5600;
    expect(await cp2.tryAcquireOrRenew()).toBe(true);
    expect(store.get('l')!.spec).toMatchObject({ holderIdentity: 'cp2', leaseTransitions: 1 });
  });

  it('should release on cancel with an empty holder and 1 s, which the next candidate takes a second later', async () => {
    const { client, store } = api();
    now = 0;
    const cp1 = elector('cp1', client);
    const cp2 = elector('cp2', client);
    await cp1.tryAcquireOrRenew();
    now = 100;
    expect(await cp2.tryAcquireOrRenew()).toBe(false);
    expect(await cp1.release()).toBe(true);
    expect(store.get('l')!.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    now = 200;
    // An empty holder is free at once for anyone who reads it.
    expect(await cp2.tryAcquireOrRenew()).toBe(true);
    expect(store.get('l')!.spec.holderIdentity).toBe('cp2');
  });

  // SIGTERM cancels the renewal context: a renewal on the wire is cut short on the client, yet the API server
  // may still apply it and move the resourceVersion. client-go v0.33 (Cilium 1.18) then updates with the
  // lease it saw last and gets 409 Conflict: "Failed to release lock", the lease expires instead; v0.34 and
  // v0.35 (Cilium 1.19, 1.20) read the lease first (leaderelection.go release(): "update the resourceVersion
  // of lease") and release. Neither retries the conflict (v0.37: "retry release on conflict from inflight renew").
  it.each([
    ['cached', 'cp1', 1000],
    ['read-first', '', 1],
  ] as const)(
    'should, releasing after a cut-short renewal the API applied, with the %s lease, leave holder %j for %i s',
    async (release, holder, seconds) => {
      const { client, store } = api();
      now = 0;
      const cp1 = elector('cp1', client, release);
      expect(await cp1.tryAcquireOrRenew()).toBe(true);
      // The renewal cp1 had in flight when it was cancelled: applied by the API server, its answer never read.
      const applied = store.get('l')!;
      await client.update(
        applied.metadata.resourceVersion,
        { ...applied.spec, renewTime: 'later' },
        AbortSignal.timeout(1000),
      );
      now = 100;
      expect(await cp1.release()).toBe(holder === '');
      expect(store.get('l')!.spec).toMatchObject({
        holderIdentity: holder,
        leaseDurationSeconds: seconds === 1 ? 1 : 3,
      });
    },
  );

  it('should let a restarted agent renew at once a lease that still names it', async () => {
    const { client, store } = api();
    now = 0;
    await elector('cp1', client).tryAcquireOrRenew();
    now = 500;
    const restarted = elector('cp1', client);
    expect(await restarted.tryAcquireOrRenew()).toBe(true);
    expect(store.get('l')!.spec).toMatchObject({
      holderIdentity: 'cp1',
      leaseTransitions: 0,
      acquireTime: new Date(0).toISOString().replace('Z', '000Z'),
    });
  });

  it('should refuse an update based on a stale resourceVersion (optimistic concurrency)', async () => {
    const { client } = api();
    now = 0;
    await elector('cp1', client).tryAcquireOrRenew();
    const stale = await client.get(AbortSignal.timeout(1000));
    await elector('cp1', client).tryAcquireOrRenew();
    if (stale.kind !== 'found') throw new Error('no lease');
    expect(
      await client.update(
        stale.lease.metadata.resourceVersion,
        { ...stale.lease.spec, holderIdentity: 'cp9' },
        AbortSignal.timeout(1000),
      ),
    ).toBeNull();
  });

  it('should stop leading a renew deadline after the API became unreachable, and nobody else can take it', async () => {
    // Timers and Date both fake: how long it took is the elector's own arithmetic, not the machine's load.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { client, cut } = api();
      const config = { leaseDurationMs: 3000, renewDeadlineMs: 300, retryPeriodMs: 50, client };
      const cp1 = new LeaderElector({ identity: 'cp1', ...config });
      expect(await cp1.tryAcquireOrRenew()).toBe(true);
      const started = Date.now();
      setTimeout(() => cut(true), 120);
      let ended = 0;
      const renewing = cp1.renew(new AbortController().signal).finally(() => (ended = Date.now()));
      await vi.advanceTimersByTimeAsync(3000);
      expect(await renewing).toBe('lost');
      // It gave up once the renew deadline had passed since its last renewal (about 120 ms, the cut),
      // a retry period either way: long before the lease (3 s) would have expired.
      const took = ended - started;
      expect(took).toBeGreaterThanOrEqual(120 + 300 - 50);
      expect(took).toBeLessThanOrEqual(120 + 300 + 50);
      expect(await new LeaderElector({ identity: 'cp2', ...config }).tryAcquireOrRenew()).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
