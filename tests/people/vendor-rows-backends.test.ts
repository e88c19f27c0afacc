import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresVendorRows } from '../../server/people/postgres-vendor-rows.ts';
import { sqliteVendorRows } from '../../server/people/sqlite-vendor-rows.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: what hangs off a vendor (server/people/vendor-dependants.ts) is counted, moved and
// removed by SQL written twice, once per backend (JSON settings, key scopes, a booking of both
// vendors on one event, a vendor workspace bound to both). Any rows and any sequence of merges and
// removals must leave both backends with the same rows and the same answers.

const W = 'w1';
const OTHER = 'w2';
const VENDORS = ['a', 'b', 'c'] as const;
const PEOPLE = ['p1', 'p2', 'p3', 'p4'] as const;
const NOW = Date.UTC(2027, 0, 10, 12);

const vendor = fc.constantFrom(...VENDORS);
const wedding = fc.constantFrom(W, W, OTHER);
/** A `vendorId` setting: one of ours, none, JSON null, or a number (which matches no vendor on either backend). */
const setting = fc.constantFrom<unknown>(...VENDORS, undefined, null, 7);

const rowsArb = fc.record({
  members: fc.subarray([...PEOPLE]),
  participants: fc.uniqueArray(fc.record({ wedding, person: fc.constantFrom(...PEOPLE), vendor: fc.option(vendor) }), { selector: (p) => `${p.wedding}/${p.person}`, maxLength: 6 }),
  vendorWorkspaces: fc.uniqueArray(fc.record({ wedding, workspace: fc.constantFrom('vw1', 'vw2'), vendor }), { selector: (p) => `${p.wedding}/${p.workspace}/${p.vendor}`, maxLength: 4 }),
  invitations: fc.array(fc.record({ wedding, vendor, revoked: fc.boolean() }), { maxLength: 4 }),
  feeds: fc.array(fc.record({ wedding, vendor: fc.option(vendor), revoked: fc.boolean() }), { maxLength: 4 }),
  bookings: fc.uniqueArray(fc.record({ wedding, event: fc.constantFrom('e1', 'e2', 'e3'), vendor, title: fc.constantFrom('x', 'y') }), { selector: (b) => `${b.wedding}/${b.event}/${b.vendor}`, maxLength: 8 }),
  bindings: fc.uniqueArray(fc.record({
    wedding, vendor: fc.option(vendor), connector: fc.option(vendor), setting, connectionSetting: setting, connectionConnector: fc.option(vendor),
    /** Its connection: its own (the connection's id is the binding's), or one shared by weddings (one binding per wedding each). */
    connection: fc.constantFrom('own', 'con-x', 'con-y'), busy: fc.array(vendor, { maxLength: 2 }),
  }), { selector: (b) => `${b.wedding}/${b.connection}`, maxLength: 4 }),
  keys: fc.array(fc.record({
    vendor, workspace: fc.constantFrom('ws1', 'ws2'), revoked: fc.boolean(),
    weddings: fc.constantFrom([W], [W, OTHER], [OTHER, W], [OTHER], ['*'], [W, W], [W, '*']),
  }), { maxLength: 4 }),
});
type Rows = typeof rowsArb extends fc.Arbitrary<infer T> ? T : never;

type Op = { kind: 'move'; from: string; to: string } | { kind: 'remove'; vendor: string } | { kind: 'survey'; vendor: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(vendor, vendor).filter(([f, t]) => f !== t).map(([from, to]): Op => ({ kind: 'move', from, to })),
  vendor.map((v): Op => ({ kind: 'remove', vendor: v })),
  vendor.map((v): Op => ({ kind: 'survey', vendor: v })),
);

/** The statements that make `rows`, with `?` placeholders. */
function inserts(r: Rows): [string, unknown[]][] {
  const out: [string, unknown[]][] = [];
  const add = (sql: string, ...params: unknown[]) => out.push([sql, params]);
  for (const p of PEOPLE) add('INSERT INTO people (id, email, name, created_at) VALUES (?, ?, ?, ?)', p, `${p}@example.com`, p, NOW);
  for (const ws of ['ws1', 'ws2', 'vw1', 'vw2']) add('INSERT INTO workspaces (id, name, kind, created_at) VALUES (?, ?, ?, ?)', ws, ws, 'planner', NOW);
  add('INSERT INTO weddings (id, workspace_id, created_at) VALUES (?, ?, ?)', W, 'ws1', NOW);
  add('INSERT INTO weddings (id, workspace_id, created_at) VALUES (?, ?, ?)', OTHER, 'ws2', NOW);
  for (const m of r.members) add('INSERT INTO workspace_members (workspace_id, person_id, role, created_at) VALUES (?, ?, ?, ?)', 'ws1', m, 'member', NOW);
  r.participants.forEach((p, i) => add('INSERT INTO participants (id, wedding_id, person_id, role, vendor_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    `par-${i}`, p.wedding, p.person, p.vendor ? 'vendor' : 'couple', p.vendor, NOW));
  r.vendorWorkspaces.forEach((p, i) => add('INSERT INTO participants (id, wedding_id, vendor_workspace_id, role, vendor_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    `pvw-${i}`, p.wedding, p.workspace, 'vendor', p.vendor, NOW));
  r.invitations.forEach((v, i) => add(`INSERT INTO invitations (id, wedding_id, token_hash, role, vendor_id, invited_by, created_at, expires_at, max_uses, revoked_at)
    VALUES (?, ?, ?, 'vendor', ?, 'p1', ?, ?, 1, ?)`, `inv-${i}`, v.wedding, Buffer.from(`hash-${i}`), v.vendor, NOW, NOW + 1000, v.revoked ? NOW - 1 : null));
  r.feeds.forEach((f, i) => add('INSERT INTO calendar_feeds (id, wedding_id, vendor_id, token_hash, created_at, created_by, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    `feed-${i}`, f.wedding, f.vendor, `hash-${i}`, 'then', 'p1', f.revoked ? 'before' : null));
  for (const b of r.bookings) add('INSERT INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title) VALUES (?, ?, ?, 0, 1, ?)', b.wedding, b.event, b.vendor, `${b.vendor}:${b.title}`);
  const json = (vendorId: unknown) => JSON.stringify(vendorId === undefined ? { other: 1 } : { other: 1, vendorId });
  const connection = (id: string, setting: unknown, connector: string | null) => add(`INSERT INTO connections (id, workspace_id, system, category, status, credentials_enc, webhook_secret_enc,
    configuration, capabilities, created_at, created_by, updated_at, connector_vendor_id) VALUES (?, 'ws1', 'webhooks', 'other', 'active', '', '', ?, '[]', 'then', 'p1', 'then', ?)`,
    id, json(setting), connector);
  connection('con-x', 'a', 'b');
  connection('con-y', undefined, null);
  r.bindings.forEach((b, i) => {
    const id = `int-${i}`;
    if (b.connection === 'own') connection(id, b.connectionSetting, b.connectionConnector);
    add(`INSERT INTO integrations (id, wedding_id, system, category, vendor_id, status, credentials_enc, webhook_secret_enc, configuration, capabilities,
      created_at, created_by, updated_at, connector_vendor_id, connection_id) VALUES (?, ?, 'webhooks', 'other', ?, 'active', '', '', ?, '[]', 'then', 'p1', 'then', ?, ?)`,
    id, b.wedding, b.vendor, json(b.setting), b.connector, b.connection === 'own' ? id : b.connection);
    b.busy.forEach((v, j) => add('INSERT INTO calendar_busy (integration_id, vendor_id, external_id, start_ms, end_ms) VALUES (?, ?, ?, 0, 1)', id, v, `busy-${j}`));
  });
  r.keys.forEach((k, i) => add(`INSERT INTO api_keys (id, workspace_id, name, secret_hash, role, weddings, vendor_id, created_at, revoked_at) VALUES (?, ?, 'k', ?, 'vendor', ?, ?, ?, ?)`,
    `key-${i}`, k.workspace, Buffer.from('x'), JSON.stringify(k.weddings), k.vendor, NOW, k.revoked ? NOW - 1 : null));
  return out;
}

/** Children first, so the deletes meet no foreign key. */
const TABLES = ['calendar_busy', 'integrations', 'connections', 'api_keys', 'vendor_bookings', 'calendar_feeds', 'invitations', 'participants', 'workspace_members', 'weddings', 'workspaces', 'people'];
/** What the merge and removal may change, read in one order on both backends. */
const DUMPS: Record<string, string> = {
  participants: 'SELECT id, wedding_id, person_id, vendor_workspace_id, vendor_id FROM participants ORDER BY id',
  invitations: 'SELECT id, vendor_id, revoked_at FROM invitations ORDER BY id',
  calendar_feeds: 'SELECT id, vendor_id, revoked_at FROM calendar_feeds ORDER BY id',
  vendor_bookings: 'SELECT wedding_id, event_id, vendor_id, title FROM vendor_bookings ORDER BY wedding_id, event_id, vendor_id',
  calendar_busy: 'SELECT integration_id, external_id, vendor_id FROM calendar_busy ORDER BY integration_id, external_id',
  integrations: 'SELECT id, vendor_id, connector_vendor_id, configuration FROM integrations ORDER BY id',
  connections: 'SELECT id, connector_vendor_id, configuration FROM connections ORDER BY id',
  api_keys: 'SELECT id, vendor_id, weddings, revoked_at FROM api_keys ORDER BY id',
};
const collated = (sql: string) => sql.replace(/ORDER BY (.*)$/, (_m, cols: string) => `ORDER BY ${cols.split(', ').map((c) => `${c} COLLATE "C"`).join(', ')}`);

/** Rows as compared: bigint times as numbers (pg gives them as text), JSON settings parsed (the backends spell them differently). */
function normal(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k,
    k === 'configuration' ? JSON.parse(v as string) : k === 'revoked_at' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v])));
}

describe('vendor dependants on SQLite and PostgreSQL', () => {
  const pgdb = usePostgresDatabase();
  let sqlite: Db;
  beforeAll(async () => {
    await applyPostgresMigrations(pgdb().admin);
    sqlite = openDatabase(tempDir('vendor-rows-'), { synchronous: 'normal' });
    registerTeardown(() => sqlite.close());
  });

  it('count, move and remove the same rows for any rows and any sequence of merges and removals (fast-check)', async () => {
    const lite = sqliteVendorRows(sqlite);
    const pool = pgdb().admin;
    const post = postgresVendorRows(pool);
    const dump = async () => {
      const out: Record<string, { sqlite: unknown; postgres: unknown }> = {};
      for (const [table, sql] of Object.entries(DUMPS)) {
        out[table] = { sqlite: normal(sqlite.prepare(sql).all() as Record<string, unknown>[]), postgres: normal((await pool.query(collated(sql))).rows) };
      }
      return out;
    };
    await assertProperty(fc.asyncProperty(rowsArb, fc.array(opArb, { minLength: 1, maxLength: 5 }), async (rows, ops) => {
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
      for (const op of ops) {
        if (op.kind === 'survey') {
          expect(await post.survey(W, op.vendor), `survey ${op.vendor}`).toEqual(lite.survey(W, op.vendor));
          continue;
        }
        if (op.kind === 'move') {
          lite.move(W, op.from, op.to, NOW);
          await inTransaction(pool, (client) => post.move(client, W, op.from, op.to, NOW));
        } else {
          lite.remove(W, op.vendor, NOW);
          await inTransaction(pool, (client) => post.remove(client, W, op.vendor, NOW));
        }
        for (const [table, { sqlite: a, postgres: b }] of Object.entries(await dump())) expect(b, `${table} after ${JSON.stringify(op)}`).toEqual(a);
      }
      for (const v of VENDORS) expect(await post.survey(W, v)).toEqual(lite.survey(W, v));
    }), { numRuns: 40 });
  }, 120_000);
});
