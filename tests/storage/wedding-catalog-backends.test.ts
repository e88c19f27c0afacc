import fc from 'fast-check';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { PostgresWeddingCatalog } from '../../server/storage/postgres/wedding-catalog.ts';
import { SqliteWeddingCatalog, type WeddingCatalog } from '../../server/storage/wedding-catalog.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: which weddings are stored (what the calendar's start-up backfill of the booking index
// walks, and GET /api/weddings lists for admins), the same on SQLite and PostgreSQL.

const server = usePostgres();
const { database, poolOn } = usePostgresPools(server);
let url = '';
beforeAll(async () => { url = await database(); });

/** Where a document's rows are: a compacted state, update-log rows, or both. */
type Stored = 'state' | 'log' | 'both';

/** A catalog over its own empty database, and how to store a document in it (as the document stores do). */
interface Opened { catalog: WeddingCatalog; store(name: string, where: Stored): Promise<void>; clear(): Promise<void> }

function openSqlite(): Opened {
  const db: Db = openDatabase(tempDir('catalog-'), { synchronous: 'normal' });
  registerTeardown(() => db.close());
  const state = db.prepare('INSERT OR REPLACE INTO documents (name, state) VALUES (?, ?)');
  const log = db.prepare('INSERT INTO document_updates (name, update_data, created_at) VALUES (?, ?, 0)');
  return {
    catalog: new SqliteWeddingCatalog(db),
    async store(name, where) {
      if (where !== 'log') state.run(name, Buffer.from([0]));
      if (where !== 'state') log.run(name, Buffer.from([1]));
    },
    async clear() { db.exec('DELETE FROM documents; DELETE FROM document_updates'); },
  };
}

function openPostgres(pool: pg.Pool): Opened {
  return {
    catalog: new PostgresWeddingCatalog(pool),
    async store(name, where) {
      if (where !== 'log') await pool.query('INSERT INTO documents (name, state) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, Buffer.from([0])]);
      if (where !== 'state') await pool.query('INSERT INTO document_updates (name, update_data, created_at) VALUES ($1, $2, 0)', [name, Buffer.from([1])]);
    },
    async clear() { await pool.query('TRUNCATE documents, document_updates'); },
  };
}

describe.each([['sqlite', () => openSqlite()], ['postgres', () => openPostgres(poolOn(url, 2))]] as const)('the wedding catalog on %s', (_name, open) => {
  it('lists each stored wedding once, compacted or only in the log, sorted, and skips documents that are not weddings', async () => {
    const o = open();
    await o.clear();
    expect(await o.catalog.storedWeddingIds()).toEqual([]);
    await o.store('wedding:zeta', 'state');
    await o.store('wedding:Alpha', 'log');
    await o.store('wedding:alpha', 'both');
    await o.store('wedding:alpha', 'log');
    await o.store('wedding:_a-1', 'log');
    // Not weddings: another kind of document, an id the schema refuses, an empty id.
    await o.store('workspace:alpha', 'state');
    await o.store('wedding:no spaces', 'log');
    await o.store('wedding:', 'state');
    // Sorted by code unit, as Array.prototype.sort does: upper case before '_' before lower case.
    expect(await o.catalog.storedWeddingIds()).toEqual(['Alpha', '_a-1', 'alpha', 'zeta']);
  });
});

describe('the wedding catalog on both backends', () => {
  it('gives the same list on SQLite and PostgreSQL for any stored names', async () => {
    const sqlite = openSqlite();
    const postgres = openPostgres(poolOn(url, 2));
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    const name = fc.oneof(id.map((i) => `wedding:${i}`), fc.string({ maxLength: 12 }).map((s) => s.replaceAll('\u0000', '')), id.map((i) => `wedding:${i} `));
    const docs = fc.array(fc.tuple(name, fc.constantFrom<Stored>('state', 'log', 'both')), { maxLength: 25 });
    await assertProperty(fc.asyncProperty(docs, async (stored) => {
      await sqlite.clear();
      await postgres.clear();
      for (const [n, where] of stored) {
        await sqlite.store(n, where);
        await postgres.store(n, where);
      }
      const ids = await sqlite.catalog.storedWeddingIds();
      expect(await postgres.catalog.storedWeddingIds()).toEqual(ids);
      expect(ids).toEqual([...new Set(stored.map(([n]) => n).filter((n) => /^wedding:[A-Za-z0-9_-]{1,64}$/.test(n)).map((n) => n.slice(8)))].sort());
    }), { numRuns: 40 });
  });
});
