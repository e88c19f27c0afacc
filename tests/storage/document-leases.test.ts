import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDocuments, type OpenedPostgres } from '../../server/storage/backend/open-document-store.ts';
import { StaleEpochError } from '../../server/storage/backend/stale-epoch-error.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/wait.ts';

/** Advisory lock a commit-time trigger waits for while the test holds it. */
const COMMIT_GATE = 4243;

/** Resolves once `name`'s lease has expired by the database's clock. */
async function expired(instance: OpenedPostgres, name: string): Promise<void> {
  await waitFor(async () => (await instance.pool.query('SELECT 1 FROM document_leases WHERE name = $1 AND expires_at <= clock_timestamp()', [name])).rowCount === 1,
    `the lease on ${name} to expire`, 5000);
}

describe('document leases with fencing (PostgreSQL)', () => {
  /** Five "instances": each its own pool, store and leases on one database, as separate processes would be. */
  const instances: OpenedPostgres[] = [];
  const server = usePostgres();

  beforeAll(async () => {
    const url = await server().createDatabase();
    for (let i = 0; i < 5; i++) instances.push(await openPostgresDocuments(url, { instanceId: `instance-${i}`, pool: { max: 4 } }));
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
  });

  it('gives a free lease to exactly one of the instances racing for it, and an expired one again to exactly one', async () => {
    for (let round = 0; round < 10; round++) {
      const name = `wedding:race-${round}`;
      const first = await Promise.all(instances.map((i) => i.leases.acquire(name, 60_000)));
      const owners = first.filter((l) => l !== null);
      expect(owners.map((l) => l.epoch)).toEqual([1]);
      // The owner shortens its lease to 1 ms, so it expires now rather than in a minute.
      const winner = instances[first.findIndex((l) => l !== null)]!;
      await winner.leases.renew(owners[0]!, 1);
      await expired(winner, name);
      const second = await Promise.all(instances.map((i) => i.leases.acquire(name, 60_000)));
      const next = second.filter((l) => l !== null);
      expect(next.map((l) => l.epoch)).toEqual([2]);
      expect(await instances[0]!.leases.current(name)).toMatchObject({ owner: next[0]!.owner, epoch: 2 });
    }
  });

  it('refuses a lease that is held, even to its holder', async () => {
    const [a, b] = instances;
    const lease = await a!.leases.acquire('wedding:held', 60_000);
    expect(lease).toMatchObject({ name: 'wedding:held', owner: 'instance-0', epoch: 1 });
    expect([await a!.leases.acquire('wedding:held', 60_000), await b!.leases.acquire('wedding:held', 60_000)]).toEqual([null, null]);
    const renewed = await a!.leases.renew(lease!, 120_000);
    expect([renewed.epoch, renewed.expiresAt > lease!.expiresAt]).toEqual([1, true]);
  });

  it('renews all of an instance\'s leases in one call (more than one statement\'s worth), leaving out those that moved on, while group commits lock the same rows', async () => {
    const [a, b] = instances;
    const names = Array.from({ length: 620 }, (_, i) => `wedding:many-${String(i).padStart(4, '0')}`);
    const leases = [];
    for (const name of names) leases.push((await a!.leases.acquire(name, 60_000))!);
    // One lease moves on: released by a, taken by b (epoch 2).
    await a!.leases.release(leases[7]!);
    expect(await b!.leases.acquire(names[7]!, 60_000)).toMatchObject({ owner: 'instance-1', epoch: 2 });
    // Appends fenced by a's leases commit while the renewals run (both lock the lease rows, in name order).
    const appends = Promise.all(leases.filter((_, i) => i !== 7 && i % 50 === 3).reverse().map((l) => a!.documents.append(l.name, Uint8Array.of(1), l)));
    const renewed = await Promise.all([a!.leases.renewAll(leases, 120_000), a!.leases.renewAll([...leases].reverse(), 120_000)]);
    await appends;
    for (const r of renewed) {
      expect(r.size).toBe(619);
      expect(r.has(names[7]!)).toBe(false);
      expect(r.get(names[619]!)!.expiresAt.getTime()).toBeGreaterThan(leases[619]!.expiresAt.getTime());
    }
    expect(await b!.leases.current(names[7]!)).toMatchObject({ owner: 'instance-1', epoch: 2 });
  });

  it('refuses appends and compactions carrying the epoch of a lease that another instance took over', async () => {
    const [a, b] = instances;
    const name = 'wedding:fenced';
    const old = (await a!.leases.acquire(name, 50))!;
    await a!.documents.append(name, Uint8Array.of(1), old);
    await expired(a!, name);
    const taken = (await b!.leases.acquire(name, 60_000))!;
    expect(taken.epoch).toBe(old.epoch + 1);

    const refusals = await Promise.allSettled([
      a!.documents.append(name, Uint8Array.of(2), old),
      a!.documents.compact(name, Uint8Array.of(0, 0), old),
      a!.documents.compactUpTo(name, Uint8Array.of(0, 0), Number.MAX_SAFE_INTEGER, old),
      a!.leases.renew(old, 60_000),
    ]);
    for (const r of refusals) {
      expect(r.status).toBe('rejected');
      const error = (r as PromiseRejectedResult).reason as StaleEpochError;
      expect(error).toBeInstanceOf(StaleEpochError);
      expect([error.code, error.status, error.reason, error.epoch, error.current]).toEqual(['document_unavailable', 503, 'stale_epoch', 1, { owner: 'instance-1', epoch: 2 }]);
    }
    // Nothing the old owner sent after the takeover was written; the new owner writes as usual.
    expect((await b!.documents.load(name)).log.map((u) => [...u])).toEqual([[1]]);
    await b!.documents.append(name, Uint8Array.of(3), taken);
    expect((await b!.documents.load(name)).log.map((u) => [...u])).toEqual([[1], [3]]);
  });

  it('fences writes after a release, and lets the next owner in at once with the next epoch', async () => {
    const [a, b] = instances;
    const name = 'wedding:released';
    const lease = (await a!.leases.acquire(name, 60_000))!;
    expect(await a!.leases.release(lease)).toBe(true);
    expect(await a!.leases.release(lease)).toBe(false);
    await expect(a!.documents.append(name, Uint8Array.of(1), lease)).rejects.toBeInstanceOf(StaleEpochError);
    const next = await b!.leases.acquire(name, 60_000);
    expect(next).toMatchObject({ owner: 'instance-1', epoch: lease.epoch + 1 });
    expect(await b!.documents.logLength(name)).toBe(0);
  });

  it('makes a takeover wait for a fenced write that is committing, so the new owner loads it', async () => {
    const [a, b] = instances;
    const name = 'wedding:in-flight';
    const old = (await a!.leases.acquire(name, 50))!;
    await expired(a!, name);
    // The old owner's group passed its fence check (the lease lapsed, but no one had taken it) and
    // is held in COMMIT by a commit-time trigger waiting for an advisory lock the test holds.
    await a!.pool.query(`CREATE FUNCTION wait_for_gate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(${COMMIT_GATE}); RETURN NULL; END $$`);
    await a!.pool.query(`CREATE CONSTRAINT TRIGGER gate AFTER INSERT ON document_updates
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wait_for_gate()`);
    const gate = await a!.pool.connect();
    try {
      await gate.query('SELECT pg_advisory_lock($1)', [COMMIT_GATE]);
      const append = a!.documents.append(name, Uint8Array.of(9), old);
      await waitFor(async () => (await gate.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = 'COMMIT' AND wait_event_type = 'Lock'")).rowCount === 1,
        'the old owner\'s group blocked in COMMIT');
      let takenOver = false;
      const takeover = b!.leases.acquire(name, 60_000).then((lease) => { takenOver = true; return lease; });
      await waitFor(async () => (await gate.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'INSERT INTO document_leases%' AND wait_event_type = 'Lock'")).rowCount === 1,
        'the takeover waiting for the lease row');
      expect(takenOver).toBe(false);
      await gate.query('SELECT pg_advisory_unlock($1)', [COMMIT_GATE]);
      const seq = await append;
      expect((await takeover)?.epoch).toBe(2);
      expect((await b!.documents.loadUpTo(name)).upTo).toBe(seq);
      await expect(a!.documents.append(name, Uint8Array.of(10), old)).rejects.toBeInstanceOf(StaleEpochError);
    } finally {
      await gate.query('DROP TRIGGER gate ON document_updates');
      gate.release();
    }
  });

  it('answers where a document is served and how long the lease a relay was routed under has left, by owner and epoch', async () => {
    const [a, b] = [instances[0]!, instances[1]!];
    const name = 'wedding:routed';
    await a.instances.register('instance-0', 'ws://127.0.0.1:1/collab');
    expect(await a.instances.ownerOf(name)).toBeNull();
    const lease = (await a.leases.acquire(name, 60_000))!;
    expect(await b.instances.ownerOf(name)).toEqual({ instanceId: 'instance-0', url: 'ws://127.0.0.1:1/collab', epoch: lease.epoch });
    const left = await b.instances.leaseLeft(name, { instanceId: 'instance-0', epoch: lease.epoch });
    expect(left).toBeGreaterThan(50_000);
    expect(left).toBeLessThanOrEqual(60_000);
    // Taken again by the same instance id (a restart elsewhere): the lease routed under is gone.
    await a.leases.release(lease);
    const again = (await a.leases.acquire(name, 60_000))!;
    expect(again.epoch).toBe(lease.epoch + 1);
    expect(await b.instances.leaseLeft(name, { instanceId: 'instance-0', epoch: lease.epoch })).toBeNull();
    expect(await b.instances.leaseLeft(name, { instanceId: 'instance-0', epoch: again.epoch })).toBeGreaterThan(0);
    // Expired: gone too, and no one serves it.
    await a.leases.renew(again, 1);
    await expired(a, name);
    expect(await b.instances.leaseLeft(name, { instanceId: 'instance-0', epoch: again.epoch })).toBeNull();
    expect(await b.instances.ownerOf(name)).toBeNull();
  });
});
