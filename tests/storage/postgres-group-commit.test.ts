import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresDocuments, type OpenedPostgres } from '../../server/storage/backend/open-document-store.ts';
import { StaleEpochError } from '../../server/storage/backend/stale-epoch-error.ts';
import type { Lease } from '../../server/storage/postgres/document-leases.ts';
import { PostgresDocumentStore } from '../../server/storage/postgres/document-store.ts';
import { StorageUnavailableError } from '../../server/storage/storage-health.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { registerTeardown } from '../helpers/teardown.ts';

/** Advisory lock a commit-time trigger waits for while the test holds it. */
const COMMIT_GATE = 4242;

/** Settles to 'resolved' | 'rejected' once `promise` does; reads 'pending' until then. */
function watch(promise: Promise<unknown>): { state: 'pending' | 'resolved' | 'rejected' } {
  const seen = { state: 'pending' as 'pending' | 'resolved' | 'rejected' };
  promise.then(() => { seen.state = 'resolved'; }, () => { seen.state = 'rejected'; });
  return seen;
}

describe('group commit on PostgreSQL', () => {
  const server = usePostgres();
  let n = 0;

  /** A fresh migrated database, its store and leases, an admin pool on it, and a lease on each of `names`. */
  async function fresh(...names: string[]): Promise<{ opened: OpenedPostgres; admin: pg.Pool; leases: Lease[] }> {
    const url = await server().createDatabase();
    const o = await openPostgresDocuments(url, { instanceId: `instance-${n++}` });
    const a = new pg.Pool({ connectionString: url, max: 4 });
    registerTeardown(async () => { await o.close(); await a.end(); });
    const leases = await Promise.all(names.map(async (name) => (await o.leases.acquire(name, 60_000))!));
    return { opened: o, admin: a, leases };
  }


  it('commits the appends made in one event-loop turn in one transaction, and later turns in their own', async () => {
    const { opened: o, admin: a, leases: [x, y] } = await fresh('wedding:x', 'wedding:y');
    const sameTurn = [o.documents.append('wedding:x', Uint8Array.of(1), x), o.documents.append('wedding:y', Uint8Array.of(2), y),
      o.documents.append('wedding:x', Uint8Array.of(3), x)];
    const seqs = await Promise.all(sameTurn);
    expect(seqs).toEqual([...seqs].sort((p, q) => p - q));
    const inOneTx = await a.query<{ n: string }>('SELECT count(DISTINCT xmin::text) AS n FROM document_updates WHERE seq = ANY($1::bigint[])', [seqs]);
    expect(Number(inOneTx.rows[0]!.n)).toBe(1);
    const later: number[] = [];
    for (const byte of [4, 5, 6]) later.push(await o.documents.append('wedding:x', Uint8Array.of(byte), x!));
    const separate = await a.query<{ n: string }>('SELECT count(DISTINCT xmin::text) AS n FROM document_updates WHERE seq = ANY($1::bigint[])', [later]);
    expect(Number(separate.rows[0]!.n)).toBe(3);
    expect((await o.documents.load('wedding:x')).log.map((u) => [...u])).toEqual([[1], [3], [4], [5], [6]]);
  });

  it('resolves an append only after its COMMIT has returned', async () => {
    const { opened: o, admin: a, leases: [lease] } = await fresh('wedding:gate');
    // The group's INSERT is done, and its COMMIT cannot finish until the test lets go.
    const gate = await closeCommitGate(a, 'document_updates', COMMIT_GATE);
    const append = o.documents.append('wedding:gate', Uint8Array.of(7), lease);
    const seen = watch(append);
    await gate.blocked('the group blocked in COMMIT');
    expect(seen.state).toBe('pending');
    expect((await a.query("SELECT 1 FROM document_updates WHERE name = 'wedding:gate'")).rowCount).toBe(0);
    await gate.open();
    const seq = await append;
    expect((await a.query("SELECT seq FROM document_updates WHERE name = 'wedding:gate'")).rows.map((r) => Number(r.seq))).toEqual([seq]);
  });

  it('rejects every append of a group whose COMMIT fails, and stores none of them', async () => {
    const { opened: o, admin: a, leases: [p, q] } = await fresh('wedding:p', 'wedding:q');
    // Checked at COMMIT: a deferred constraint trigger refusing the bytes 0xdead.
    await a.query(`CREATE FUNCTION refuse_dead() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.update_data = '\\xdead'::bytea THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$`);
    await a.query(`CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON document_updates
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_dead()`);
    const group = [o.documents.append('wedding:p', Uint8Array.of(1), p), o.documents.append('wedding:q', Uint8Array.of(2), q),
      o.documents.append('wedding:q', Uint8Array.of(0xde, 0xad), q)];
    const outcomes = await Promise.allSettled(group);
    expect(outcomes.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of outcomes) {
      const reason = (r as PromiseRejectedResult).reason as StorageUnavailableError;
      expect(reason).toBeInstanceOf(StorageUnavailableError);
      expect(String((reason.cause as Error).message)).toMatch(/refused at commit/);
    }
    expect(await o.documents.exists('wedding:p')).toBe(false);
    expect(await o.documents.logLength('wedding:q')).toBe(0);
    // The next group commits as usual.
    expect(await o.documents.append('wedding:p', Uint8Array.of(3), p)).toBeGreaterThan(0);
    expect(await o.documents.logLength('wedding:p')).toBe(1);
  });

  it('rejects every append of a group whose connection is lost before COMMIT returns', async () => {
    const { opened: o, admin: a, leases: [lease] } = await fresh('wedding:cut');
    const gate = await closeCommitGate(a, 'document_updates', COMMIT_GATE);
    const group = [o.documents.append('wedding:cut', Uint8Array.of(1), lease), o.documents.append('wedding:cut', Uint8Array.of(2), lease)];
    // Settled from the start: the rejection may arrive in the turn before pg_terminate_backend answers.
    const settled = Promise.allSettled(group);
    const blocked = await gate.blocked('the group blocked in COMMIT');
    await a.query('SELECT pg_terminate_backend($1)', [blocked]);
    const outcomes = await settled;
    expect(outcomes.map((r) => r.status === 'rejected' && r.reason instanceof StorageUnavailableError)).toEqual([true, true]);
    gate.abandon();
    expect(await o.documents.logLength('wedding:cut')).toBe(0);
    expect(await o.documents.append('wedding:cut', Uint8Array.of(3), lease)).toBeGreaterThan(0);
  });

  it('refuses a stale append alone and commits the rest of its group', async () => {
    const { opened: o, leases: [mine, theirs] } = await fresh('wedding:mine', 'wedding:theirs');
    const stale = { ...theirs!, epoch: theirs!.epoch - 1 };
    const outcomes = await Promise.allSettled([o.documents.append('wedding:mine', Uint8Array.of(1), mine),
      o.documents.append('wedding:theirs', Uint8Array.of(2), stale)]);
    expect(outcomes[0]!.status).toBe('fulfilled');
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(StaleEpochError);
    expect([await o.documents.logLength('wedding:mine'), await o.documents.logLength('wedding:theirs')]).toEqual([1, 0]);
  });

  it('refuses a write without a fence unless the store was opened without fencing', async () => {
    const { opened: o } = await fresh();
    await expect(o.documents.append('wedding:open', Uint8Array.of(1))).rejects.toMatchObject({ code: 'internal_error' });
    await expect(o.documents.compact('wedding:open', Uint8Array.of(0, 0))).rejects.toMatchObject({ code: 'internal_error' });
    const unfenced = new PostgresDocumentStore(o.pool, { requireFence: false });
    expect(await unfenced.append('wedding:open', Uint8Array.of(1))).toBeGreaterThan(0);
    await unfenced.close();
    expect(await o.documents.logLength('wedding:open')).toBe(1);
  });
});
