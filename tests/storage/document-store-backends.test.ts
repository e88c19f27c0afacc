import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentStore, Fence } from '../../server/storage/backend/document-store.ts';
import { openPostgresDocuments, storageBackendFor, type OpenedPostgres } from '../../server/storage/backend/open-document-store.ts';
import { SqliteDocumentStore } from '../../server/storage/backend/sqlite-document-store.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { DocumentStore as SqliteRows } from '../../server/storage/document-store.ts';
import { GroupCommit } from '../../server/storage/group-commit.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';

/** One edit by one of two writers that do not see each other's edits (so their updates are concurrent), or a compaction. */
type Step =
  | { kind: 'set'; writer: number; key: string; value: number }
  | { kind: 'insert'; writer: number; at: number; text: string }
  | { kind: 'delete'; writer: number; at: number; length: number }
  | { kind: 'push'; writer: number; value: string }
  | { kind: 'compact' }
  | { kind: 'compactUpTo' };

const writer = fc.integer({ min: 0, max: 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('set' as const), writer, key: fc.constantFrom('title', 'venue', 'date'), value: fc.integer() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), writer, at: fc.nat(40), text: fc.string({ minLength: 1, maxLength: 8 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), writer, at: fc.nat(40), length: fc.integer({ min: 1, max: 5 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('push' as const), writer, value: fc.string({ maxLength: 6 }) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'compact' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'compactUpTo' as const }), weight: 1 },
);

function edit(doc: Y.Doc, s: Exclude<Step, { kind: 'compact' | 'compactUpTo' }>): void {
  const text = doc.getText('notes');
  switch (s.kind) {
    case 'set': doc.getMap('meta').set(s.key, s.value); break;
    case 'insert': text.insert(Math.min(s.at, text.length), s.text); break;
    case 'delete': if (text.length > 0) text.delete(Math.min(s.at, text.length - 1), Math.min(s.length, text.length - Math.min(s.at, text.length - 1))); break;
    case 'push': doc.getArray('messages').push([s.value]); break;
    default: { const never: never = s; throw new Error(`unknown step ${JSON.stringify(never)}`); }
  }
}

const content = (doc: Y.Doc) => ({
  meta: doc.getMap('meta').toJSON(), notes: doc.getText('notes').toString(), messages: doc.getArray('messages').toJSON(),
  stateVector: [...Y.encodeStateVector(doc)],
});

function fold(stored: { state: Uint8Array | null; log: Uint8Array[] }): Y.Doc {
  const doc = new Y.Doc();
  if (stored.state) Y.applyUpdate(doc, stored.state);
  for (const update of stored.log) Y.applyUpdate(doc, update);
  return doc;
}

/**
 * Plays `steps` against `store` as the server does: each writer's update is applied to the live
 * document and appended (appends of one turn are not awaited one by one, so they share a group).
 * `compact` writes the live state; `compactUpTo` reads with `loadUpTo` and writes the fold of what
 * it read only after the next edit was appended, as when a worker folds while edits go on.
 * Returns the live document.
 */
async function play(store: DocumentStore, name: string, steps: Step[], fence?: Fence): Promise<Y.Doc> {
  const live = new Y.Doc();
  // Fixed client ids, so both backends' plays make identical updates and their results compare.
  const writers = [1, 2].map((clientID) => Object.assign(new Y.Doc(), { clientID }));
  let pending: Promise<number>[] = [];
  let folding: Awaited<ReturnType<DocumentStore['loadUpTo']>> | null = null;
  const settle = async () => {
    await Promise.all(pending);
    pending = [];
    if (folding?.upTo != null) await store.compactUpTo(name, Y.encodeStateAsUpdate(fold(folding)), folding.upTo, fence);
    folding = null;
  };
  for (const s of steps) {
    if (s.kind === 'compact') {
      await settle();
      await store.compact(name, Y.encodeStateAsUpdate(live), fence);
      continue;
    }
    if (s.kind === 'compactUpTo') {
      await settle();
      folding = await store.loadUpTo(name);
      continue;
    }
    const doc = writers[s.writer]!;
    const updates: Uint8Array[] = [];
    const capture = (u: Uint8Array) => updates.push(u);
    doc.on('update', capture);
    edit(doc, s);
    doc.off('update', capture);
    for (const u of updates) {
      Y.applyUpdate(live, u);
      pending.push(store.append(name, u, fence));
    }
    if (folding) await settle();
  }
  await settle();
  return live;
}

describe('DocumentStore on SQLite and PostgreSQL', () => {
  const server = usePostgres();
  let dir: string;
  let db: Db;
  let sqlite: SqliteDocumentStore;
  let postgres: OpenedPostgres;
  let n = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-backends-'));
    db = openDatabase(dir, { synchronous: 'normal' });
    sqlite = new SqliteDocumentStore(new SqliteRows(db), new GroupCommit(db, (error) => { throw error; }));
    postgres = await openPostgresDocuments(await server().createDatabase(), { instanceId: 'test-instance' });
  });
  afterAll(async () => {
    await postgres?.close();
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('selects the backend from DATABASE_URL and refuses any other scheme', () => {
    expect([storageBackendFor(undefined), storageBackendFor(''), storageBackendFor('postgres://h/db'), storageBackendFor('postgresql://h/db')])
      .toEqual(['sqlite', 'sqlite', 'postgres', 'postgres']);
    expect(() => storageBackendFor('mysql://h/db')).toThrow(TypeError);
  });

  it('loads any sequence of appended updates and compactions back to the live document, the same on both backends', async () => {
    await assertProperty(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const name = `wedding:prop-${n++}`;
      const lease = await postgres.leases.acquire(name, 60_000);
      expect(lease).not.toBeNull();
      const [onSqlite, onPostgres] = [await play(sqlite, name, steps), await play(postgres.documents, name, steps, lease!)];
      const [fromSqlite, fromPostgres] = [fold(await sqlite.load(name)), fold(await postgres.documents.load(name))];
      expect(content(fromSqlite)).toEqual(content(onSqlite));
      expect(content(fromPostgres)).toEqual(content(onPostgres));
      expect(content(fromPostgres)).toEqual(content(fromSqlite));
      expect(await postgres.documents.logLength(name)).toBe(await sqlite.logLength(name));
      expect(await postgres.documents.stateBytes(name) > 0).toBe(await sqlite.stateBytes(name) > 0);
    }), { numRuns: 40 });
  });

  it('answers exists, logLength, stateBytes and loadUpTo alike', async () => {
    for (const store of [sqlite, postgres.documents]) {
      const name = `wedding:alike-${store.backend}`;
      const lease = store.backend === 'postgres' ? (await postgres.leases.acquire(name, 60_000))! : undefined;
      expect([await store.exists(name), await store.logLength(name), await store.stateBytes(name)]).toEqual([false, 0, 0]);
      expect(await store.loadUpTo(name)).toEqual({ state: null, log: [], upTo: null });
      const doc = new Y.Doc();
      doc.getMap('meta').set('title', 'Ana & Ben');
      const first = await store.append(name, Y.encodeStateAsUpdate(doc), lease);
      const second = await store.append(name, Uint8Array.of(0, 0), lease);
      expect(second).toBeGreaterThan(first);
      const read = await store.loadUpTo(name);
      expect([read.upTo, read.log.length, await store.exists(name), await store.logLength(name)]).toEqual([second, 2, true, 2]);
      await store.compactUpTo(name, Y.encodeStateAsUpdate(fold(read)), first, lease);
      expect([await store.logLength(name), await store.stateBytes(name)]).toEqual([1, Y.encodeStateAsUpdate(fold(read)).byteLength]);
    }
  });
});
