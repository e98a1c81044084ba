// client-go's leader election, as Cilium's L2 announcer runs it for each selected service
// (cilium/cilium pkg/l2announcer/l2announcer.go serviceLeaderElection: RunOrDie with ReleaseOnCancel: true).
// Ported from kubernetes/client-go tools/leaderelection/leaderelection.go (v0.33, vendored by Cilium 1.18+):
//  - candidates try at once, then every retryPeriod × (1 + up to 1.2) (wait.JitterUntil, JitterFactor 1.2);
//  - expiry is counted from when this candidate saw the record change (observedTime), not from renewTime;
//  - the leader renews every retryPeriod; a renewal round that has not succeeded within renewDeadline ends
//    leadership; a restarted agent finds itself named in the record and renews at once;
//  - on cancel (SIGTERM) the leader releases: empty holder, leaseDurationSeconds 1 (release()), with the
//    lease it saw last (v0.33) or after reading it again (v0.34+): versions.ts LeaseRelease. The cancel also
//    cuts short an in-flight renewal; if the API server applied it, the release meets a 409 Conflict (v0.33,
//    or v0.34+ when it lands after the read) and the lease expires instead, as upstream's does.

import type { LeaseRelease } from './versions.ts';

/** coordination.k8s.io/v1 LeaseSpec, the fields client-go's LeaseLock writes. */
export interface LeaseSpec {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** The lease as stored: spec plus the resourceVersion that makes updates optimistic. */
export interface StoredLease {
  readonly metadata: { readonly name: string; readonly resourceVersion: string };
  readonly spec: LeaseSpec;
}

export type GetResult = { kind: 'found'; lease: StoredLease } | { kind: 'not-found' } | { kind: 'error' };

/** resourcelock.LeaseLock: Get/Create/Update keep the last lease seen, Update sends its resourceVersion. */
export interface LeaseClient {
  get(signal: AbortSignal): Promise<GetResult>;
  create(spec: LeaseSpec, signal: AbortSignal): Promise<StoredLease | null>;
  update(resourceVersion: string, spec: LeaseSpec, signal: AbortSignal): Promise<StoredLease | null>;
}

export interface ElectionConfig {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly client: LeaseClient;
  /** How release() finds the resourceVersion it updates: the Cilium minor's client-go (versions.ts). */
  readonly release?: LeaseRelease;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** client-go's MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => (clearTimeout(t), signal.removeEventListener('abort', done), resolve());
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export class LeaderElector {
  private observed: LeaseSpec | undefined;
  private observedRaw = '';
  private observedTime = 0;
  private lease: StoredLease | undefined;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly c: ElectionConfig) {
    this.now = c.now ?? Date.now;
    this.random = c.random ?? Math.random;
  }

  isLeader(): boolean {
    return this.observed?.holderIdentity === this.c.identity;
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private setObserved(lease: StoredLease, now: number): void {
    this.lease = lease;
    this.observed = lease.spec;
    this.observedRaw = JSON.stringify(lease.spec);
    this.observedTime = now;
  }

  /** tryAcquireOrRenew(): one attempt; true when this node holds the lease afterwards. Its API calls end
   *  with `signal`: a renewal round's deadline, as client-go's timeoutCtx. */
  async tryAcquireOrRenew(signal: AbortSignal = AbortSignal.timeout(this.c.renewDeadlineMs)): Promise<boolean> {
    const now = this.now();
    // LeaderElectionRecord.LeaseDurationSeconds is whole seconds: client-go truncates the duration.
    const record = {
      holderIdentity: this.c.identity,
      leaseDurationSeconds: Math.floor(this.c.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    // 1. Fast path: the leader updates the lease it saw last, without reading it first.
    if (this.isLeader() && this.isLeaseValid(now) && this.lease) {
      const updated = await this.c.client.update(
        this.lease.metadata.resourceVersion,
        { ...record, acquireTime: this.observed!.acquireTime, leaseTransitions: this.observed!.leaseTransitions },
        signal,
      );
      if (updated) {
        this.setObserved(updated, now);
        return true;
      }
    }
    // 2. Read the record, create it when there is none.
    const got = await this.c.client.get(signal);
    if (got.kind === 'error') return false;
    if (got.kind === 'not-found') {
      const created = await this.c.client.create(record, signal);
      if (created) this.setObserved(created, now);
      return created !== null;
    }
    const raw = JSON.stringify(got.lease.spec);
    this.lease = got.lease;
    if (raw !== this.observedRaw) {
      this.observed = got.lease.spec;
      this.observedRaw = raw;
      this.observedTime = now;
    }
    if (this.observed!.holderIdentity !== '' && this.isLeaseValid(now) && !this.isLeader()) return false;
    // 3. Take or renew it.
    const spec = this.isLeader()
      ? { ...record, acquireTime: this.observed!.acquireTime, leaseTransitions: this.observed!.leaseTransitions }
      : { ...record, leaseTransitions: this.observed!.leaseTransitions + 1 };
    const updated = await this.c.client.update(got.lease.metadata.resourceVersion, spec, signal);
    if (updated) this.setObserved(updated, now);
    return updated !== null;
  }

  /** acquire(): until leader or cancelled; false when cancelled. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      await sleep(this.c.retryPeriodMs * (1 + this.random() * 1.2), signal);
    }
    return false;
  }

  /** renew(): returns when a renewal round failed for renewDeadline, or when cancelled. */
  async renew(signal: AbortSignal): Promise<'lost' | 'cancelled'> {
    while (!signal.aborted) {
      const deadline = this.now() + this.c.renewDeadlineMs;
      const round = AbortSignal.any([signal, AbortSignal.timeout(this.c.renewDeadlineMs)]);
      let renewed = false;
      for (;;) {
        if (await this.tryAcquireOrRenew(round)) {
          renewed = true;
          break;
        }
        if (round.aborted || this.now() + this.c.retryPeriodMs > deadline) break;
        await sleep(this.c.retryPeriodMs, signal);
      }
      if (signal.aborted) return 'cancelled';
      if (!renewed) return 'lost';
      await sleep(this.c.retryPeriodMs, signal);
    }
    return 'cancelled';
  }

  /** release(): only the leader releases; an empty holder with a 1 s duration lets the next candidate in.
   *  client-go bounds it by the renew deadline (one timeout for the read and the update, v0.34+). */
  async release(signal: AbortSignal = AbortSignal.timeout(this.c.renewDeadlineMs)): Promise<boolean> {
    let current = this.lease;
    if (this.c.release === 'read-first') {
      const got = await this.c.client.get(signal);
      if (got.kind !== 'found') return false;
      current = this.lease = got.lease;
    }
    if (!this.isLeader() || !current) return true;
    const now = this.now();
    const updated = await this.c.client.update(
      current.metadata.resourceVersion,
      {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (this.c.release === 'read-first' ? current.spec : this.observed!).leaseTransitions,
      },
      signal,
    );
    if (updated) this.setObserved(updated, now);
    return updated !== null;
  }
}

/** A LeaseClient over the stand-in lease API (lease-api.ts). */
export function httpLeaseClient(url: string): LeaseClient {
  const call = async (
    signal: AbortSignal,
    method: string,
    body?: unknown,
  ): Promise<{ status: number; value: any } | null> => {
    try {
      const res = await fetch(url, {
        method,
        ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
        signal,
      });
      return { status: res.status, value: await res.json() };
    } catch {
      return null;
    }
  };
  return {
    async get(signal) {
      const r = await call(signal, 'GET');
      if (!r) return { kind: 'error' };
      if (r.status === 404) return { kind: 'not-found' };
      return r.status === 200 ? { kind: 'found', lease: r.value as StoredLease } : { kind: 'error' };
    },
    async create(spec, signal) {
      const r = await call(signal, 'POST', { spec });
      return r?.status === 201 ? (r.value as StoredLease) : null;
    },
    async update(resourceVersion, spec, signal) {
      const r = await call(signal, 'PUT', { metadata: { resourceVersion }, spec });
      return r?.status === 200 ? (r.value as StoredLease) : null;
    },
  };
}
