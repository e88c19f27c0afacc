import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresDocuments, type OpenedPostgres } from '../../server/storage/backend/open-document-store.ts';
import { SqliteDocumentStore, type SqliteJoinedWrite } from '../../server/storage/backend/sqlite-document-store.ts';
import { StaleEpochError } from '../../server/storage/backend/stale-epoch-error.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { DocumentStore as SqliteRows } from '../../server/storage/document-store.ts';
import { GroupCommit } from '../../server/storage/group-commit.ts';
import type { JoinedFunction as JoinedWrite, JoinedInsert } from '../../server/storage/postgres/append-group.ts';
import type { JoinedBatch, JoinedMerge } from '../../server/storage/postgres/joined-writes.ts';
import type { Lease } from '../../server/storage/postgres/document-leases.ts';
import { StorageUnavailableError } from '../../server/storage/storage-health.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { registerTeardown } from '../helpers/teardown.ts';

/** Advisory lock a commit-time trigger waits for while the test holds it. */
const COMMIT_GATE = 4343;

/** A joined write that records `note` for its append in `pushes` (a stand-in for the outbox). */
const push = (note: string): JoinedWrite => async (client, { name, seq }) => {
  await client.query('INSERT INTO pushes (name, seq, note) VALUES ($1, $2, $3)', [name, seq, note]);
};

describe('writes joined to a group commit on PostgreSQL', () => {
  const server = usePostgres();
  let n = 0;

  /** A fresh migrated database with a `pushes` table, its store, an admin pool, and a lease on each of `names`. */
  async function fresh(...names: string[]): Promise<{ opened: OpenedPostgres; admin: pg.Pool; leases: Lease[] }> {
    const url = await server().createDatabase();
    const o = await openPostgresDocuments(url, { instanceId: `instance-${n++}` });
    const a = new pg.Pool({ connectionString: url, max: 4 });
    registerTeardown(async () => { await o.close(); await a.end(); });
    await a.query('CREATE TABLE pushes (id serial PRIMARY KEY, name text NOT NULL, seq bigint NOT NULL, note text UNIQUE NOT NULL)');
    const leases = await Promise.all(names.map(async (name) => (await o.leases.acquire(name, 60_000))!));
    return { opened: o, admin: a, leases };
  }

  const notes = async (a: pg.Pool) => (await a.query<{ note: string }>('SELECT note FROM pushes ORDER BY id')).rows.map((r) => r.note);

  it('runs joined writes after the INSERT, in queue order, in the transaction of their append', async () => {
    const { opened: o, admin: a, leases: [x, y] } = await fresh('wedding:x', 'wedding:y');
    const sawOwnRow: boolean[] = [];
    const topTransactions: string[] = [];
    const seesRow: JoinedWrite = async (client, { seq }) => {
      sawOwnRow.push((await client.query('SELECT 1 FROM document_updates WHERE seq = $1', [seq])).rowCount === 1);
      // The 32-bit xid (the cluster is fresh: its xid epoch is 0), as xmin shows it.
      topTransactions.push((await client.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x);
    };
    const results = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(1), x, [push('x1-a'), seesRow, push('x1-b')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(2), y, [push('y2')]),
      o.documents.append('wedding:x', Uint8Array.of(3), x),
    ]);
    expect(sawOwnRow).toEqual([true]);
    expect(await notes(a)).toEqual(['x1-a', 'x1-b', 'y2']);
    const [first, second] = results as [{ seq: number; joined: unknown[] }, { seq: number; joined: unknown[] }, number];
    expect(first.joined).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(second.joined).toEqual([{ ok: true }]);
    // Each push carries its own append's seq, and was written in the transaction that inserted the
    // update rows (rows written in a savepoint carry a subtransaction's xmin, so ask for the top one).
    const rows = await a.query<{ note: string; seq: string }>('SELECT note, seq FROM pushes ORDER BY id');
    expect(rows.rows.map((r) => [r.note, Number(r.seq)])).toEqual([['x1-a', first.seq], ['x1-b', first.seq], ['y2', second.seq]]);
    const updateXmins = await a.query<{ x: string }>('SELECT DISTINCT xmin::text AS x FROM document_updates');
    expect(updateXmins.rows.map((r) => r.x)).toEqual(topTransactions);
  });

  it('rolls back a joined write that throws to its own savepoint; its append and the rest of the group commit', async () => {
    const { opened: o, admin: a, leases: [x, y] } = await fresh('wedding:x', 'wedding:y');
    const throwsAfterWriting: JoinedWrite = async (client, appended) => {
      await push('half-done')(client, appended);
      throw new Error('listener bug');
    };
    // A statement error leaves the transaction aborted until the savepoint is rolled back.
    const duplicate: JoinedWrite = async (client, appended) => {
      await push('dup-2')(client, appended);
      await push('dup')(client, appended);
    };
    const [mine, other] = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(1), x, [push('before'), throwsAfterWriting, duplicate, push('after')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(2), y, [push('dup')]),
    ]);
    expect(mine.joined.map((r) => r.ok)).toEqual([true, false, true, true]);
    const failure = mine.joined[1] as { ok: false; error: Error };
    expect(failure.error.message).toBe('listener bug');
    // 'dup' is pushed first by wedding:x's third write, so wedding:y's push of it is refused (unique).
    expect(other.joined).toMatchObject([{ ok: false, error: { code: '23505' } }]);
    expect(await notes(a)).toEqual(['before', 'dup-2', 'dup', 'after']);
    expect([await o.documents.logLength('wedding:x'), await o.documents.logLength('wedding:y')]).toEqual([1, 1]);
  });

  it('sends consecutive row inserts of a group as one statement, in order with the other joined writes, and refuses a failing one alone', async () => {
    const { opened: o, admin: a, leases: [x, y, z] } = await fresh('wedding:x', 'wedding:y', 'wedding:z');
    // Counts INSERT statements on pushes (not rows).
    await a.query('CREATE TABLE statements (n int NOT NULL)');
    await a.query(`CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO statements VALUES (1); RETURN NULL; END $$`);
    await a.query('CREATE TRIGGER counted AFTER INSERT ON pushes FOR EACH STATEMENT EXECUTE FUNCTION count_statement()');
    const rows = (...notes: string[]): JoinedInsert => ({ table: 'pushes', columns: ['name', 'seq', 'note'], rows: ({ name, seq }) => notes.map((note) => [name, seq, note]) });
    const results = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(1), x, [rows('i1', 'i2'), rows('i3')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(2), y, [push('f1'), rows('i4')]),
      o.documents.appendJoined('wedding:z', Uint8Array.of(3), z, [rows('i5')]),
    ]);
    expect(results.map((r) => r.joined.map((j) => j.ok))).toEqual([[true, true], [true, true], [true]]);
    expect(await notes(a)).toEqual(['i1', 'i2', 'i3', 'f1', 'i4', 'i5']);
    const seqOf = async (note: string) => Number((await a.query<{ seq: string }>('SELECT seq FROM pushes WHERE note = $1', [note])).rows[0]!.seq);
    expect([await seqOf('i2'), await seqOf('i4'), await seqOf('i5')]).toEqual(results.map((r) => r.seq));
    // i1–i3 in one statement, f1 its own, i4–i5 in one.
    expect((await a.query('SELECT 1 FROM statements')).rowCount).toBe(3);

    // A batch holding a duplicate fails as a whole; then each write runs alone and only that one is refused.
    const [dup, fine] = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(4), x, [rows('i6'), rows('i1')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(5), y, [rows('i7')]),
    ]);
    expect(dup.joined.map((j) => j.ok)).toEqual([true, false]);
    expect(dup.joined[1]).toMatchObject({ ok: false, error: { code: '23505' } });
    expect(fine.joined).toEqual([{ ok: true }]);
    expect(await notes(a)).toEqual(['i1', 'i2', 'i3', 'f1', 'i4', 'i5', 'i6', 'i7']);
  });

  it('runs the batched writes of a group once, after the others, with every payload in queue order; alone, each in its savepoint, when a write of the group fails', async () => {
    const { opened: o, admin: a, leases: [x, y] } = await fresh('wedding:x', 'wedding:y');
    const runs: string[][] = [];
    /** A batched write (its kind: `notes`) inserting one push per payload, and recording what each run was given. */
    const batched = (note: string): JoinedBatch<string> => ({
      batch: 'notes', payload: note,
      run: async (client, items) => {
        runs.push(items.map((i) => `${i.payload}@${i.append.name}`));
        for (const i of items) await client.query('INSERT INTO pushes (name, seq, note) VALUES ($1, $2, $3)', [i.append.name, i.append.seq, i.payload]);
      },
    });
    const results = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(1), x, [batched('b1'), push('f1')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(2), y, [batched('b2')]),
      o.documents.appendJoined('wedding:x', Uint8Array.of(3), x, [push('f2'), batched('b3')]),
    ]);
    expect(results.map((r) => r.joined.map((j) => j.ok))).toEqual([[true, true], [true], [true, true]]);
    expect(runs).toEqual([['b1@wedding:x', 'b2@wedding:y', 'b3@wedding:x']]);
    expect(await notes(a)).toEqual(['f1', 'f2', 'b1', 'b2', 'b3']);
    const seqOf = async (note: string) => Number((await a.query<{ seq: string }>('SELECT seq FROM pushes WHERE note = $1', [note])).rows[0]!.seq);
    expect([await seqOf('b1'), await seqOf('b2'), await seqOf('b3')]).toEqual(results.map((r) => r.seq));

    // A function of the group fails (a duplicate note), before the batch's turn: every write runs again
    // alone, each batched one with its own payload, and only the failing one is refused.
    runs.length = 0;
    const [dup, fine] = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(4), x, [batched('b4'), push('f1')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(5), y, [batched('b5')]),
    ]);
    expect(dup.joined.map((j) => j.ok)).toEqual([true, false]);
    expect(fine.joined).toEqual([{ ok: true }]);
    expect(runs).toEqual([['b4@wedding:x'], ['b5@wedding:y']]);
    expect(await notes(a)).toEqual(['f1', 'f2', 'b1', 'b2', 'b3', 'b4', 'b5']);

    // The batch itself fails (one payload repeats a note): each of its items runs again alone, and only that one is refused.
    runs.length = 0;
    const [again, next] = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(6), x, [batched('b1')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(7), y, [batched('b6')]),
    ]);
    expect(again.joined).toMatchObject([{ ok: false, error: { code: '23505' } }]);
    expect(next.joined).toEqual([{ ok: true }]);
    expect(runs).toEqual([['b1@wedding:x', 'b6@wedding:y'], ['b1@wedding:x'], ['b6@wedding:y']]);
    expect(await notes(a)).toEqual(['f1', 'f2', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
  });

  it('runs merged writes of one kind together, put off only past inserts into the tables they name; alone, each in its savepoint, when one fails', async () => {
    const { opened: o, admin: a, leases: [x, y, z] } = await fresh('wedding:x', 'wedding:y', 'wedding:z');
    await a.query('CREATE TABLE other (id serial PRIMARY KEY, note text NOT NULL)');
    const runs: string[][] = [];
    /** A merged write (kind `slices`, put off past inserts into `other`) inserting one push per payload, and recording what each run was given. */
    const merged = (note: string): JoinedMerge<string> => ({
      merge: 'slices', deferPast: ['other'], payload: note,
      run: async (client, items) => {
        runs.push(items.map((i) => `${i.payload}@${i.append.name}`));
        for (const i of items) await client.query('INSERT INTO pushes (name, seq, note) VALUES ($1, $2, $3)', [i.append.name, i.append.seq, i.payload]);
      },
    });
    const elsewhere = (...notes: string[]): JoinedInsert => ({ table: 'other', columns: ['note'], rows: () => notes.map((note) => [note]) });
    const here = (...notes: string[]): JoinedInsert => ({ table: 'pushes', columns: ['name', 'seq', 'note'], rows: ({ name, seq }) => notes.map((note) => [name, seq, note]) });
    const others = async () => (await a.query<{ note: string }>('SELECT note FROM other ORDER BY id')).rows.map((r) => r.note);

    // Past inserts into another table: one run for the three, and those inserts in one statement before it.
    const results = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(1), x, [merged('m1'), elsewhere('o1')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(2), y, [merged('m2'), elsewhere('o2')]),
      o.documents.appendJoined('wedding:z', Uint8Array.of(3), z, [merged('m3')]),
    ]);
    expect(results.map((r) => r.joined.map((j) => j.ok))).toEqual([[true, true], [true, true], [true]]);
    expect(runs).toEqual([['m1@wedding:x', 'm2@wedding:y', 'm3@wedding:z']]);
    expect(await notes(a)).toEqual(['m1', 'm2', 'm3']);
    expect(await others()).toEqual(['o1', 'o2']);
    const seqOf = async (note: string) => Number((await a.query<{ seq: string }>('SELECT seq FROM pushes WHERE note = $1', [note])).rows[0]!.seq);
    expect([await seqOf('m1'), await seqOf('m2'), await seqOf('m3')]).toEqual(results.map((r) => r.seq));

    // Never past a function or an insert into any other table: those keep their order.
    runs.length = 0;
    await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(4), x, [merged('m4')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(5), y, [push('f5'), merged('m5')]),
      o.documents.appendJoined('wedding:z', Uint8Array.of(6), z, [merged('m6'), here('i6'), merged('m7')]),
    ]);
    expect(runs).toEqual([['m4@wedding:x'], ['m5@wedding:y', 'm6@wedding:z'], ['m7@wedding:z']]);
    expect((await notes(a)).slice(3)).toEqual(['m4', 'f5', 'm5', 'm6', 'i6', 'm7']);

    // One item fails (a repeated note): every write of the group runs again alone, and only that one is refused.
    runs.length = 0;
    const [dup, fine] = await Promise.all([
      o.documents.appendJoined('wedding:x', Uint8Array.of(7), x, [merged('m1'), elsewhere('o3')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(8), y, [merged('m8')]),
    ]);
    expect(dup.joined).toMatchObject([{ ok: false, error: { code: '23505' } }, { ok: true }]);
    expect(fine.joined).toEqual([{ ok: true }]);
    expect(runs).toEqual([['m1@wedding:x', 'm8@wedding:y'], ['m1@wedding:x'], ['m8@wedding:y']]);
    expect((await notes(a)).slice(9)).toEqual(['m8']);
    expect(await others()).toEqual(['o1', 'o2', 'o3']);
  });

  it('keeps joined writes invisible until their group commits, and resolves only after', async () => {
    const { opened: o, admin: a, leases: [lease] } = await fresh('wedding:gate');
    const gate = await closeCommitGate(a, 'pushes', COMMIT_GATE);
    let settled = false;
    const append = o.documents.appendJoined('wedding:gate', Uint8Array.of(7), lease, [push('gated')]).finally(() => { settled = true; });
    await gate.blocked('the group blocked in COMMIT');
    expect(settled).toBe(false);
    expect(await notes(a)).toEqual([]);
    expect(await o.documents.logLength('wedding:gate')).toBe(0);
    await gate.open();
    const done = await append;
    expect(done.joined).toEqual([{ ok: true }]);
    expect(await notes(a)).toEqual(['gated']);
  });

  it('rejects the appends of a group whose COMMIT a deferred constraint refuses, and stores none of their joined writes', async () => {
    const { opened: o, admin: a, leases: [p, q] } = await fresh('wedding:p', 'wedding:q');
    // Checked at COMMIT, so the savepoint of the joined write that broke it cannot catch it.
    await a.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.note = 'poison' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$`);
    await a.query(`CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON pushes
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
    const outcomes = await Promise.allSettled([
      o.documents.appendJoined('wedding:p', Uint8Array.of(1), p, [push('fine')]),
      o.documents.appendJoined('wedding:q', Uint8Array.of(2), q, [push('poison')]),
      o.documents.append('wedding:q', Uint8Array.of(3), q),
    ]);
    for (const r of outcomes) {
      expect(r.status).toBe('rejected');
      const reason = (r as PromiseRejectedResult).reason as StorageUnavailableError;
      expect(reason).toBeInstanceOf(StorageUnavailableError);
      expect(String((reason.cause as Error).message)).toMatch(/refused at commit/);
    }
    expect(await notes(a)).toEqual([]);
    expect([await o.documents.logLength('wedding:p'), await o.documents.logLength('wedding:q')]).toEqual([0, 0]);
    // The next group commits as usual.
    expect((await o.documents.appendJoined('wedding:p', Uint8Array.of(4), p, [push('next')])).joined).toEqual([{ ok: true }]);
    expect(await notes(a)).toEqual(['next']);
  });

  it('runs none of the joined writes of a stale-epoch append, and commits the rest of its group', async () => {
    const { opened: o, admin: a, leases: [mine, theirs] } = await fresh('wedding:mine', 'wedding:theirs');
    const stale = { ...theirs!, epoch: theirs!.epoch - 1 };
    let ran = 0;
    const counted: JoinedWrite = async (client, appended) => { ran++; await push('stale')(client, appended); };
    const [fresh1, refused] = await Promise.allSettled([
      o.documents.appendJoined('wedding:mine', Uint8Array.of(1), mine, [push('current')]),
      o.documents.appendJoined('wedding:theirs', Uint8Array.of(2), stale, [counted]),
    ]);
    expect(fresh1.status).toBe('fulfilled');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(StaleEpochError);
    expect(ran).toBe(0);
    expect(await notes(a)).toEqual(['current']);
    expect(await o.documents.logLength('wedding:theirs')).toBe(0);
    // An unfenced append (refused for want of a fence) runs none either.
    await expect(o.documents.appendJoined('wedding:mine', Uint8Array.of(3), undefined, [counted])).rejects.toMatchObject({ code: 'internal_error' });
    expect(ran).toBe(0);
  });

  it('fails the whole group when a joined write loses the connection', async () => {
    const { opened: o, admin: a, leases: [x, y] } = await fresh('wedding:x', 'wedding:y');
    const killsItself: JoinedWrite = async (client) => {
      await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
    };
    const outcomes = await Promise.allSettled([
      o.documents.appendJoined('wedding:x', Uint8Array.of(1), x, [push('lost')]),
      o.documents.appendJoined('wedding:y', Uint8Array.of(2), y, [killsItself]),
    ]);
    expect(outcomes.map((r) => r.status === 'rejected' && r.reason instanceof StorageUnavailableError)).toEqual([true, true]);
    expect(await notes(a)).toEqual([]);
    expect(await o.documents.logLength('wedding:x')).toBe(0);
    expect((await o.documents.appendJoined('wedding:x', Uint8Array.of(3), x, [push('again')])).joined).toEqual([{ ok: true }]);
  });
});

describe('writes joined to a group commit on SQLite (the same contract)', () => {
  /** A fresh database with a `pushes` table (its `parent` a deferred foreign key), its async store, and a joined write factory. */
  function fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-joined-'));
    const db = openDatabase(dir, { synchronous: 'normal' });
    registerTeardown(() => { db.close(); fs.rmSync(dir, { recursive: true, force: true }); });
    db.exec(`CREATE TABLE pushes (id INTEGER PRIMARY KEY, name TEXT NOT NULL, seq INTEGER NOT NULL, note TEXT UNIQUE NOT NULL,
      parent INTEGER REFERENCES pushes (id) DEFERRABLE INITIALLY DEFERRED)`);
    const errors: unknown[] = [];
    const store = new SqliteDocumentStore(new SqliteRows(db), new GroupCommit(db, (error) => errors.push(error)));
    const insert = db.prepare('INSERT INTO pushes (name, seq, note, parent) VALUES (?, ?, ?, ?)');
    const push = (note: string, parent: number | null = null): SqliteJoinedWrite => ({ name, seq }) => { insert.run(name, seq, note, parent); };
    const notes = () => db.prepare('SELECT note FROM pushes ORDER BY id').pluck().all() as string[];
    return { db, store, push, notes, errors };
  }

  it('runs joined writes after the INSERT, in order, with their append seq; one that throws is rolled back alone', async () => {
    const { db, store, push, notes } = fresh();
    const sawOwnRow: boolean[] = [];
    const results = await Promise.all([
      store.appendJoined('wedding:x', Uint8Array.of(1), undefined, [
        push('before'),
        ({ seq }) => { sawOwnRow.push(db.prepare('SELECT 1 FROM document_updates WHERE seq = ?').get(seq) !== undefined); },
        (appended) => { push('half-done')(appended); throw new Error('listener bug'); },
        push('after'),
      ]),
      store.appendJoined('wedding:y', Uint8Array.of(2), undefined, [push('before')]),
    ]);
    expect(sawOwnRow).toEqual([true]);
    expect(results[0].joined.map((r) => r.ok)).toEqual([true, true, false, true]);
    expect((results[0].joined[2] as { error: Error }).error.message).toBe('listener bug');
    expect(results[1].joined).toMatchObject([{ ok: false, error: { code: 'SQLITE_CONSTRAINT_UNIQUE' } }]);
    expect(notes()).toEqual(['before', 'after']);
    const seqs = db.prepare('SELECT seq FROM pushes ORDER BY id').pluck().all();
    expect(seqs).toEqual([results[0].seq, results[0].seq]);
    expect([await store.logLength('wedding:x'), await store.logLength('wedding:y')]).toEqual([1, 1]);
  });

  it('rejects the appends of a group whose COMMIT a deferred constraint refuses, and stores none of their joined writes', async () => {
    const { store, push, notes } = fresh();
    const outcomes = await Promise.allSettled([
      store.appendJoined('wedding:p', Uint8Array.of(1), undefined, [push('fine')]),
      store.appendJoined('wedding:q', Uint8Array.of(2), undefined, [push('orphan', 999)]),
    ]);
    expect(outcomes.map((r) => r.status === 'rejected' && r.reason instanceof StorageUnavailableError)).toEqual([true, true]);
    expect(notes()).toEqual([]);
    expect([await store.logLength('wedding:p'), await store.logLength('wedding:q')]).toEqual([0, 0]);
    expect((await store.appendJoined('wedding:p', Uint8Array.of(3), undefined, [push('next')])).joined).toEqual([{ ok: true }]);
    expect(notes()).toEqual(['next']);
  });
});
