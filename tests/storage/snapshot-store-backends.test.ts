import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDocuments, type OpenedPostgres } from '../../server/storage/backend/open-document-store.ts';
import type { NewSnapshot, SnapshotStore } from '../../server/storage/backend/snapshot-store.ts';
import { SqliteSnapshotStore } from '../../server/storage/backend/sqlite-snapshot-store.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { applyPostgresMigrations, listPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { PostgresSnapshotStore } from '../../server/storage/postgres/snapshot-store.ts';
import { SnapshotStore as SqliteSnapshots } from '../../server/storage/snapshot-store.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';

/** One snapshot operation. `ref` picks a snapshot created earlier in the run (modulo their count), or an unknown id when none. */
type Op =
  | { kind: 'create'; wedding: number; label: string; snapshotKind: 'manual' | 'auto'; createdBy: string; state: Uint8Array; clockStepMs: number }
  | { kind: 'list'; wedding: number }
  | { kind: 'get' | 'getState'; wedding: number; ref: number };

const wedding = fc.integer({ min: 0, max: 2 });
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', 'Zoë & Ana 💍', 'before restoring "x"', '\u0000', 'a\u0000b', 'lone \ud800 half', 'x'.repeat(200), 'É', 'e\u0301'),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({
    kind: fc.constant('create' as const), wedding, label: text, snapshotKind: fc.constantFrom('manual' as const, 'auto' as const),
    createdBy: fc.oneof(fc.constantFrom('admin-1', 'admin-2'), text), state: fc.uint8Array({ maxLength: 48 }),
    // Equal stamps (0) and a clock stepping back exercise the tie-break and the text order.
    clockStepMs: fc.oneof(fc.constant(0), fc.integer({ min: -1500, max: 3_600_000 })),
  }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('list' as const), wedding }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constantFrom('get' as const, 'getState' as const), wedding, ref: fc.nat(20) }), weight: 2 },
);

/** A clock that starts at `start` and moves by each create's step (ms; may stand still or go back). */
class SteppedClock {
  constructor(private at: number) {}
  readonly now = () => new Date(this.at);
  step(ms: number): void { this.at += ms; }
}

/**
 * Plays `ops` on `store` for weddings `${run}-w0…w2` and returns every result, with snapshot ids
 * replaced by the index of the create that made them (ids are random), so two backends' results
 * compare. A refused create records its error code.
 */
async function play(store: SnapshotStore, clock: SteppedClock, run: string, ops: Op[]): Promise<unknown[]> {
  const ids: string[] = [];
  const made: unknown[] = [];
  const weddingOf = (w: number) => `${run}-w${w}`;
  const named = (id: string) => (ids.includes(id) ? `#${ids.indexOf(id)}` : id);
  const summary = (s: Awaited<ReturnType<SnapshotStore['get']>>) => s && { ...s, id: named(s.id) };
  const out: unknown[] = [];
  for (const o of ops) {
    if (o.kind === 'create') {
      clock.step(o.clockStepMs);
      const input: NewSnapshot = { weddingId: weddingOf(o.wedding), label: o.label, kind: o.snapshotKind, createdBy: o.createdBy, state: o.state };
      try {
        const created = await store.create(input);
        ids.push(created.id);
        made.push(summary(created));
        out.push(summary(created));
      } catch (error) {
        out.push({ refused: (error as { code?: string }).code });
      }
    } else if (o.kind === 'list') {
      out.push((await store.listFor(weddingOf(o.wedding))).map(summary));
    } else {
      const id = ids.length > 0 ? ids[o.ref % ids.length]! : 'snap_unknown';
      const found = o.kind === 'get' ? summary(await store.get(weddingOf(o.wedding), id)) : await store.getState(weddingOf(o.wedding), id);
      // What a read finds is what create answered (the stored text, not the text given).
      if (o.kind === 'get' && found) expect(found).toEqual(made[ids.indexOf(id)]);
      out.push(found instanceof Uint8Array ? [...found] : found);
    }
  }
  return out;
}

describe('SnapshotStore on SQLite and PostgreSQL', () => {
  const server = usePostgres();
  let dir: string;
  let db: Db;
  let postgres: OpenedPostgres;
  let n = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-snapshots-'));
    db = openDatabase(dir, { synchronous: 'normal' });
    postgres = await openPostgresDocuments(await server().createDatabase(), { instanceId: 'test-instance' });
  });
  afterAll(async () => {
    await postgres?.close();
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same results on both backends for any sequence of snapshot operations', async () => {
    await assertProperty(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
      const run = `run-${n++}`;
      const start = Date.UTC(2026, 11, 1, 10);
      const [sqliteClock, postgresClock] = [new SteppedClock(start), new SteppedClock(start)];
      const sqlite = new SqliteSnapshotStore(new SqliteSnapshots(db, sqliteClock.now));
      const onPostgres = new PostgresSnapshotStore(postgres.pool, postgresClock.now);
      const fromSqlite = await play(sqlite, sqliteClock, run, ops);
      const fromPostgres = await play(onPostgres, postgresClock, run, ops);
      expect(fromPostgres).toEqual(fromSqlite);
      // And both are right: newest first, the later created first among equal stamps.
      const lists = fromSqlite.filter((_, i) => ops[i]!.kind === 'list') as { id: string; createdAt: string }[][];
      for (const list of lists) {
        const expected = [...list].sort((a, b) => (a.createdAt === b.createdAt ? Number(b.id.slice(1)) - Number(a.id.slice(1)) : a.createdAt < b.createdAt ? 1 : -1));
        expect(list).toEqual(expected);
      }
    }), { numRuns: 150 });
  });

  it('refuses a label holding U+0000 on both backends before writing, stores other text as given, and lone surrogates as U+FFFD', async () => {
    const stores: SnapshotStore[] = [new SqliteSnapshotStore(new SqliteSnapshots(db)), postgres.snapshots];
    for (const store of stores) {
      await expect(store.create({ weddingId: 'nul', label: 'a\u0000b', kind: 'manual', createdBy: 'admin', state: Uint8Array.of(1) }))
        .rejects.toMatchObject({ code: 'validation_failed', status: 400 });
      expect(await store.listFor('nul')).toEqual([]);
      const made = await store.create({ weddingId: 'text', label: 'Zoë 💍 "quoted"', kind: 'auto', createdBy: 'admin', state: Uint8Array.of(0, 255) });
      expect(await store.get('text', made.id)).toEqual(made);
      expect([...(await store.getState('text', made.id))!]).toEqual([0, 255]);
      expect(await store.get('other-wedding', made.id)).toBeUndefined();
      const lone = await store.create({ weddingId: 'text', label: 'half \ud800 a pair', kind: 'manual', createdBy: '\udc00', state: Uint8Array.of() });
      expect([lone.label, lone.createdBy]).toEqual(['half \ufffd a pair', '\ufffd']);
      expect(await store.get('text', lone.id)).toEqual(lone);
    }
  });

  it('migrates an existing snapshots table: rows stored before 003 keep their order', async () => {
    const url = await server().createDatabase();
    const admin = new pg.Pool({ connectionString: url, max: 2 });
    try {
      // The schema as it was before 003_snapshots_order.sql, with rows in it.
      await applyPostgresMigrations(admin, listPostgresMigrations().filter((m) => m.version < 3));
      for (const id of ['snap_a', 'snap_b']) {
        await admin.query(`INSERT INTO snapshots (id, wedding_id, label, kind, created_at, created_by, state, size_bytes)
          VALUES ($1, 'w', $1, 'manual', '2026-12-01T10:00:00.000Z', 'admin', '\\x00', 1)`, [id]);
      }
      expect(await applyPostgresMigrations(admin)).toContain(3);
      expect((await new PostgresSnapshotStore(admin).listFor('w')).map((s) => s.id)).toEqual(['snap_b', 'snap_a']);
    } finally {
      await admin.end();
    }
  });
});
