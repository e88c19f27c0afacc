import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../schema/api/activity.ts';
import type { TxOrigin } from '../../schema/index.ts';
import { MAX_VALUE_CHARS, TEXT_BURST_MS, type ActivityQuery } from '../../server/activity/activity-rows.ts';
import { ActivityStore } from '../../server/activity/activity-store.ts';
import type { FieldChange } from '../../server/activity/field-changes.ts';
import { PostgresActivityStore } from '../../server/activity/postgres-activity-store.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { runAllJoined, type AppendWrites } from '../../server/storage/postgres/joined-writes.ts';
import { inTransaction, openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import type pg from 'pg';

/** Text as it turns up in ids, field paths and names, with what PostgreSQL cannot hold (U+0000) and lone surrogates. */
const text = fc.oneof(
  { arbitrary: fc.constantFrom('e1', 'e2', 'notes'), weight: 6 },
  { arbitrary: fc.constantFrom('Zoë & Ana 💍', 'a\u0000b', 'half \ud800', '\udc00', 'É', 'e\u0301', 'links', 'links.google'), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 6 }), weight: 1 },
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined), fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null),
  fc.constant('x'.repeat(MAX_VALUE_CHARS + 5)), fc.constant({ nested: ['y'.repeat(MAX_VALUE_CHARS)] }), fc.constant('nul \u0000 inside'),
);
/** Typing into one text field, the same one again and again: the bursts the store folds. */
const typing: fc.Arbitrary<FieldChange> = fc.record({
  root: fc.constant('timeline'), entityId: fc.constantFrom('e1', 'e2'), field: fc.constant('notes'),
  previous: fc.string({ maxLength: 4 }), value: fc.string({ maxLength: 6 }), text: fc.constant(true as const),
});
const anyChange: fc.Arbitrary<FieldChange> = fc.record({
  root: fc.constantFrom('timeline', 'vendors', 'meta'), entityId: fc.oneof(fc.constant(''), text), field: fc.oneof(fc.constantFrom('', 'notes', 'start', 'links.google'), text),
  previous: value, value, text: fc.option(fc.constant(true as const), { nil: undefined }),
}, { requiredKeys: ['root', 'entityId', 'field', 'previous', 'value'] });
const change = fc.oneof({ arbitrary: anyChange, weight: 2 }, { arbitrary: typing, weight: 1 });
const origin: fc.Arbitrary<TxOrigin> = fc.oneof(
  fc.record({ kind: fc.constant('client' as const), userId: fc.constantFrom('ana', 'ana', 'ana', 'ben', 'x\u0000y'), name: fc.option(text, { nil: undefined }), role: fc.constantFrom('planner', 'vendor') }),
  fc.record({ kind: fc.constant('adapter' as const), integrationId: fc.constantFrom('int-1', 'int-2'), system: fc.constantFrom('google-calendar', 'stripe') }),
  fc.record({ kind: fc.constant('admin' as const), userId: fc.constantFrom('admin'), action: fc.constantFrom('restore', 'payments.plan') }),
  fc.record({ kind: fc.constant('system' as const), reason: fc.constantFrom('reminders', 'budget') }),
) as fc.Arbitrary<TxOrigin>;

type Op =
  | { kind: 'record'; wedding: number; doc: number; stepMs: number; origin: TxOrigin; changes: FieldChange[] }
  | { kind: 'dependants'; wedding: number; entityId: string; stepMs: number; origin: TxOrigin }
  | { kind: 'list'; wedding: number; q: Omit<ActivityQuery, 'before'>; pages: number }
  | { kind: 'latest'; wedding: number; root: string; ids?: string[] };

const wedding = fc.integer({ min: 0, max: 1 });
/** A filter that is usually absent, so most reads find rows. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 3 });
// Steps within and beyond a burst of typing, and a clock standing still.
const stepMs = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 }), fc.constant(TEXT_BURST_MS + 1));
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('record' as const), wedding, doc: fc.integer({ min: 0, max: 1 }), stepMs, origin, changes: fc.array(change, { minLength: 1, maxLength: 3 }) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('dependants' as const), wedding, entityId: text, stepMs, origin }), weight: 1 },
  { arbitrary: fc.record({
    kind: fc.constant('list' as const), wedding, pages: fc.integer({ min: 1, max: 3 }),
    q: fc.record({ root: rarely(fc.constantFrom('timeline', 'vendors', 'meta')), entityId: rarely(text),
      field: rarely(fc.oneof(fc.constantFrom('links', 'notes'), text)), actor: rarely(fc.constantFrom('ana', 'x\u0000y', 'int-1')),
      limit: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: ['limit'] }),
  }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('latest' as const), wedding, root: fc.constantFrom('timeline', 'vendors'), ids: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }) }), weight: 2 },
);

interface Backend {
  record(weddingId: string, documentName: string, seq: number, at: number, origin: TxOrigin, changes: FieldChange[]): Promise<void>;
  dependants(weddingId: string, entityId: string, at: number, origin: TxOrigin): Promise<void>;
  list(weddingId: string, q: ActivityQuery): Promise<{ entries: ActivityEntry[]; nextCursor: string | null }>;
  latest(weddingId: string, root: string, ids?: string[]): Promise<ActivityEntry[]>;
}

/** Plays `ops` for weddings `${run}-w0/1` and returns every read, with row ids as their order among the run's ids (the two databases number rows alike only by chance). */
async function play(backend: Backend, run: string, ops: Op[]): Promise<unknown[]> {
  let at = Date.UTC(2026, 5, 13, 12);
  let seq = 0;
  const reads: unknown[] = [];
  const ids = new Set<number>();
  const weddingId = (w: number) => `${run}-w${w}`;
  for (const o of ops) {
    if (o.kind === 'record') {
      at += o.stepMs;
      await backend.record(weddingId(o.wedding), o.doc === 0 ? `wedding:${weddingId(o.wedding)}` : `wedding:${weddingId(o.wedding)}/couple`, ++seq, at, o.origin, o.changes);
    } else if (o.kind === 'dependants') {
      at += o.stepMs;
      await backend.dependants(weddingId(o.wedding), o.entityId, at, o.origin);
    } else if (o.kind === 'list') {
      let before: number | undefined;
      for (let page = 0; page < o.pages; page++) {
        const got = await backend.list(weddingId(o.wedding), { ...o.q, ...(before === undefined ? {} : { before }) });
        for (const e of got.entries) ids.add(e.id);
        reads.push(got);
        if (got.nextCursor === null) break;
        before = Number(got.nextCursor);
      }
    } else {
      const got = await backend.latest(weddingId(o.wedding), o.root, o.ids);
      for (const e of got) ids.add(e.id);
      reads.push(got);
    }
  }
  // Everything, at the end: every page of each wedding's trail, and the latest per entity of each root.
  for (const w of [0, 1]) {
    let before: number | undefined;
    for (;;) {
      const got = await backend.list(weddingId(w), { limit: 3, ...(before === undefined ? {} : { before }) });
      for (const e of got.entries) ids.add(e.id);
      reads.push(got);
      if (got.nextCursor === null) break;
      before = Number(got.nextCursor);
    }
    for (const root of ['timeline', 'vendors', 'meta']) {
      const got = await backend.latest(weddingId(w), root);
      for (const e of got) ids.add(e.id);
      reads.push(got);
    }
  }
  const rank = new Map([...ids].sort((a, b) => a - b).map((id, i) => [id, i]));
  return JSON.parse(JSON.stringify(reads, (k, v: unknown) => (k === 'id' && typeof v === 'number' ? `#${rank.get(v)}` : k === 'nextCursor' && typeof v === 'string' ? `#${rank.get(Number(v))}` : v)));
}

describe('the activity store on SQLite and PostgreSQL', () => {
  const server = usePostgres();
  let dir: string;
  let db: Db;
  let pool: pg.Pool;
  let n = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-activity-'));
    db = openDatabase(dir, { synchronous: 'normal' });
    pool = openPostgresPool(await server().createDatabase(), { max: 4 });
    await applyPostgresMigrations(pool);
  });
  afterAll(async () => {
    await pool?.end();
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records and answers alike for any sequence of changes, bursts of typing, removals, filters and pages', async () => {
    let withRows = 0;
    const sqlite = new ActivityStore(db);
    const postgres = new PostgresActivityStore(pool);
    const onSqlite: Backend = {
      record: async (...args) => { db.transaction(() => sqlite.record(...args))(); },
      dependants: async (w, id, at, o) => sqlite.recordDependantsRemoved(w, 'vendors', id, at, o, { feeds: 1 }),
      list: async (w, q) => sqlite.list(w, q),
      latest: async (w, r, ids) => sqlite.latestPerEntity(w, r, ids),
    };
    // On PostgreSQL the changes are recorded as the server does, as joined writes (recordWrite), and
    // consecutive records go in one group (batched inserts, text bursts between them), written
    // before the next read or removal.
    let group: AppendWrites[] = [];
    const flush = async () => {
      const appends = group;
      group = [];
      if (appends.length === 0) return;
      const outcomes = await inTransaction(pool, (client) => runAllJoined(client, appends));
      expect(outcomes.flat().every((o) => o.ok)).toBe(true);
    };
    const onPostgres: Backend = {
      record: async (weddingId, documentName, seq, at, origin, changes) => {
        group.push({ append: { name: documentName, seq }, writes: [postgres.recordWrite(weddingId, documentName, at, origin, changes)] });
      },
      dependants: async (w, id, at, o) => { await flush(); await postgres.recordDependantsRemoved(w, 'vendors', id, at, o, { feeds: 1 }); },
      list: async (w, q) => { await flush(); return postgres.list(w, q); },
      latest: async (w, r, ids) => { await flush(); return postgres.latestPerEntity(w, r, ids); },
    };
    await assertProperty(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      const run = `run-${n++}`;
      const fromSqlite = await play(onSqlite, run, ops);
      const fromPostgres = await play(onPostgres, run, ops);
      expect(fromPostgres).toEqual(fromSqlite);
      const trail = JSON.stringify(fromSqlite);
      if (/"updateSeq":\d+/.test(trail)) withRows++;
    }), { numRuns: 120 });
    // The runs wrote and read rows (not just empty trails): most of them.
    expect(withRows).toBeGreaterThan(60);
  });

  it('stores U+0000 and lone surrogates of ids, paths and names as U+FFFD on both, and finds them by the text given', async () => {
    const sqlite = new ActivityStore(db);
    const postgres = new PostgresActivityStore(pool);
    const who: TxOrigin = { kind: 'client', userId: 'a\u0000b', name: 'half \ud800', role: 'planner' };
    const changes: FieldChange[] = [{ root: 'timeline', entityId: 'e\u0000', field: 'links.\udc00', previous: undefined, value: 'v' }];
    db.transaction(() => sqlite.record('nul', 'wedding:nul', 1, 1000, who, changes))();
    await inTransaction(pool, (client) => postgres.record(client, 'nul', 'wedding:nul', 1, 1000, who, changes));
    for (const store of [sqlite, postgres]) {
      const { entries } = await store.list('nul', { entityId: 'e\u0000', field: 'links.\udc00', actor: 'a\u0000b', limit: 5 });
      expect(entries.map((e) => [e.entityId, e.field, e.actor])).toEqual([['e\ufffd', 'links.\ufffd', { kind: 'client', id: 'a\ufffdb', name: 'half \ufffd', role: 'planner' }]]);
    }
  });
});
