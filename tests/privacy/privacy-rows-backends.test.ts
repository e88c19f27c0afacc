import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresPrivacyRows } from '../../server/privacy/postgres-privacy-rows.ts';
import { needleList, needleRegex, type Needles } from '../../server/privacy/redaction.ts';
import { sqlitePrivacyRows } from '../../server/privacy/sqlite-privacy-rows.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { DocumentStore } from '../../server/storage/document-store.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: the rows a person's erasure finds and redacts (server/privacy/privacy-rows.ts) are
// searched and rewritten by SQL written twice, once per backend. For any rows of a wedding and of
// another one, both backends must find the same rows, redact the same texts the same way, and
// replace the same activity values of the erased entry.
//
// NOTE: texts hold the needles in lower, title and upper case, but no upper-case non-ASCII letter:
// SQLite's lower() folds ASCII only, so its pre-selection misses "ZOË" where PostgreSQL's finds it
// (a row PostgreSQL redacts and SQLite keeps; reported, not changed here).

const W = 'w1';
const OTHER = 'w2';
const NEEDLES: Needles = { names: ['Zoë Quill', 'Zoe Quil'], emails: ['zoe.quill@example.org'], phones: ['+44 7700 900123'] };
const re = needleRegex(NEEDLES)!;
const list = needleList(NEEDLES);

const piece = fc.constantFrom('Zoë Quill', 'zoë quill', 'Zoe Quil', 'ZOE QUIL', 'zoe.quill@example.org', 'ZOE.QUILL@EXAMPLE.ORG', '+44 7700 900123',
  'Zoe', 'Quill', 'seat', ' ', '"', '\\', 'é', 'Ä');
const plain = fc.array(piece, { maxLength: 5 }).map((p) => p.join(''));
/** A stored text: plain, or JSON holding it (as payloads, details and values are). */
const stored = fc.oneof(plain, plain.map((t) => JSON.stringify({ note: t, list: [t] })), plain.map((t) => JSON.stringify(t)));
const maybe = fc.option(stored, { nil: null });
const wedding = fc.constantFrom(W, W, OTHER);

const rowsArb = fc.record({
  inbox: fc.array(fc.record({ wedding, payload: stored, result: maybe, error: maybe }), { maxLength: 3 }),
  outbox: fc.array(fc.record({ wedding, payload: stored, error: maybe }), { maxLength: 3 }),
  audit: fc.array(fc.record({ wedding, detail: stored }), { maxLength: 3 }),
  activity: fc.array(fc.record({ wedding, entity: fc.constantFrom('guest-zoe', 'guest-ola'), field: fc.constantFrom('', 'name', 'email', 'notes', 'category'), previous: maybe, value: maybe, actor: maybe }), { maxLength: 5 }),
  jobs: fc.array(fc.record({ wedding, payload: stored, error: maybe }), { maxLength: 3 }),
  bookings: fc.uniqueArray(fc.record({ wedding, event: fc.constantFrom('e1', 'e2'), title: stored }), { selector: (b) => `${b.wedding}/${b.event}`, maxLength: 3 }),
  links: fc.uniqueArray(fc.record({ binding: fc.constantFrom('int-1', 'int-2'), entity: fc.constantFrom('c1', 'c2'), synced: stored }), { selector: (l) => `${l.binding}/${l.entity}`, maxLength: 3 }),
  busy: fc.uniqueArray(fc.record({ binding: fc.constantFrom('int-1', 'int-2'), external: fc.constantFrom('b1', 'b2'), title: maybe }), { selector: (b) => `${b.binding}/${b.external}`, maxLength: 3 }),
  bindingError: maybe,
  entry: fc.option(fc.record({ root: fc.constantFrom('contacts', 'vendors'), id: fc.constantFrom('guest-zoe', 'guest-ola'), allFields: fc.boolean() }), { nil: undefined }),
});
type Rows = typeof rowsArb extends fc.Arbitrary<infer T> ? T : never;

function inserts(r: Rows): [string, unknown[]][] {
  const out: [string, unknown[]][] = [];
  const add = (sql: string, ...params: unknown[]) => out.push([sql, params]);
  for (const [id, w] of [['int-1', W], ['int-2', OTHER]] as const) {
    add(`INSERT INTO connections (id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at)
      VALUES (?, 'webhooks', 'other', 'active', '', '', '{}', '[]', 't', 'p', 't')`, `con-${id}`);
    add(`INSERT INTO integrations (id, wedding_id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at, connection_id, last_error)
      VALUES (?, ?, 'webhooks', 'other', 'active', '', '', '{}', '[]', 't', 'p', 't', ?, ?)`, id, w, `con-${id}`, id === 'int-1' ? r.bindingError : null);
  }
  const binding = (w: string) => (w === W ? 'int-1' : 'int-2');
  r.inbox.forEach((x, i) => add(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at, result, last_error)
    VALUES (?, ?, ?, 'webhook', ?, 1, 'applied', 1, ?, ?)`, binding(x.wedding), x.wedding, `ev-${i}`, x.payload, x.result, x.error));
  r.outbox.forEach((x, i) => add(`INSERT INTO outbox (integration_id, wedding_id, kind, payload, content_hash, idempotency_key, status, next_attempt_at, created_at, last_error)
    VALUES (?, ?, 'upsert', ?, 'h', ?, 'delivered', 1, 1, ?)`, binding(x.wedding), x.wedding, x.payload, `k-${i}`, x.error));
  for (const x of r.audit) add(`INSERT INTO audit (at, wedding_id, actor, action, result, detail) VALUES ('t', ?, 'a', 'x', 'ok', ?)`, x.wedding, x.detail);
  for (const x of r.activity) add(`INSERT INTO activity (wedding_id, document, update_seq, at, root, entity_id, field, previous, value, actor_kind, actor_id, actor_name)
    VALUES (?, ?, 1, 1, 'contacts', ?, ?, ?, ?, 'client', 'per_1', ?)`, x.wedding, `wedding:${x.wedding}`, x.entity, x.field, x.previous, x.value, x.actor);
  for (const x of r.jobs) add(`INSERT INTO comms_jobs (wedding_id, kind, payload, status, not_before, created_at, last_error) VALUES (?, 'message', ?, 'done', 1, 1, ?)`, x.wedding, x.payload, x.error);
  for (const x of r.bookings) add('INSERT INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title) VALUES (?, ?, ?, 0, 1, ?)', x.wedding, x.event, 'photo', x.title);
  for (const x of r.links) add(`INSERT INTO links (integration_id, entity, entity_id, last_synced, last_hash, updated_at) VALUES (?, 'contacts', ?, ?, 'h', 't')`, x.binding, x.entity, x.synced);
  for (const x of r.busy) add('INSERT INTO calendar_busy (integration_id, vendor_id, external_id, start_ms, end_ms, title) VALUES (?, ?, ?, 0, 1, ?)', x.binding, 'photo', x.external, x.title);
  return out;
}

/** Children first. */
const TABLES = ['calendar_busy', 'links', 'vendor_bookings', 'comms_jobs', 'activity', 'audit', 'outbox', 'inbox', 'integrations', 'connections'];
/** The texts erasure may change, in one order on both backends. */
const DUMPS = [
  'SELECT payload, result, last_error FROM inbox ORDER BY event_id',
  'SELECT payload, last_error FROM outbox ORDER BY idempotency_key',
  'SELECT wedding_id, detail FROM audit ORDER BY id',
  'SELECT wedding_id, entity_id, field, previous, value, actor_name FROM activity ORDER BY id',
  'SELECT payload, last_error FROM comms_jobs ORDER BY id',
  'SELECT id, last_error FROM integrations ORDER BY id',
  'SELECT wedding_id, event_id, title FROM vendor_bookings ORDER BY wedding_id, event_id',
  'SELECT integration_id, entity_id, last_synced FROM links ORDER BY integration_id, entity_id',
  'SELECT integration_id, external_id, title FROM calendar_busy ORDER BY integration_id, external_id',
];

/** A found row as both backends give it: its table and text columns (ids and row numbers differ). */
const foundKey = (f: { table: string; row: Record<string, unknown> }) => JSON.stringify([f.table,
  ...['payload', 'result', 'last_error', 'detail', 'previous', 'value', 'actor_name', 'title', 'last_synced', 'wedding_id', 'integration_id', 'entity_id', 'field'].map((c) => f.row[c] ?? null)]);

describe('privacy rows on SQLite and PostgreSQL', () => {
  const pgdb = usePostgresDatabase();
  let sqlite: Db;
  beforeAll(async () => {
    await applyPostgresMigrations(pgdb().admin);
    sqlite = openDatabase(tempDir('privacy-rows-'), { synchronous: 'normal' });
    registerTeardown(() => sqlite.close());
  });

  it('find and redact the same rows the same way for any rows of two weddings (fast-check)', async () => {
    const pool = pgdb().admin;
    const lite = sqlitePrivacyRows(sqlite, new DocumentStore(sqlite));
    const post = postgresPrivacyRows(pool);
    const dump = async () => {
      const out: { sqlite: unknown; postgres: unknown }[] = [];
      for (const sql of DUMPS) out.push({ sqlite: sqlite.prepare(sql).all(), postgres: (await pool.query(sql.replace(/ORDER BY (.*)$/, (_m, c: string) => `ORDER BY ${c.split(', ').map((x) => (x === 'id' ? x : `${x} COLLATE "C"`)).join(', ')}`))).rows });
      return out;
    };
    await assertProperty(fc.asyncProperty(rowsArb, async (rows) => {
      sqlite.transaction(() => {
        for (const t of TABLES) sqlite.prepare(`DELETE FROM ${t}`).run();
        for (const [sql, params] of inserts(rows)) sqlite.prepare(sql).run(...params);
      })();
      await inTransaction(pool, async (client) => {
        for (const t of TABLES) await client.query(`DELETE FROM ${t}`);
        for (const [sql, params] of inserts(rows)) {
          let i = 0;
          await client.query(sql.replace(/\?/g, () => `$${++i}`), params);
        }
      });
      const found = { sqlite: (await lite.find(W, re, list)).map(foundKey).sort(), postgres: (await post.find(W, re, list)).map(foundKey).sort() };
      expect(found.postgres).toEqual(found.sqlite);
      const erasure = { rewriteSnapshot: () => null, re, needles: list, ...(rows.entry ? { entry: rows.entry } : {}) };
      const erased = { sqlite: await lite.eraseInWedding(W, erasure), postgres: await post.eraseInWedding(W, erasure) };
      expect(erased.postgres).toEqual(erased.sqlite);
      for (const { sqlite: a, postgres: b } of await dump()) expect(b).toEqual(a);
    }), { numRuns: 40 });
  }, 120_000);
});
