import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundChange } from '../../adapters/core/index.ts';
import { AuditLog, sqliteAuditRecords, type AuditRecords } from '../../server/bridge/audit-log.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { InboxStore, type InboxRow, type NewInboxRow } from '../../server/bridge/inbox-store.ts';
import { IntegrationStore, sqliteIntegrationRecords, type IntegrationRecords } from '../../server/bridge/integration-store.ts';
import { LinkStore, sqliteLinkRecords, type LinkRecords } from '../../server/bridge/link-store.ts';
import { PostgresAuditLog } from '../../server/bridge/postgres-audit-log.ts';
import { PostgresInboxStore } from '../../server/bridge/postgres-inbox-store.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { PostgresRouteRecords } from '../../server/bridge/postgres-route-records.ts';
import { PostgresUnmatchedStore } from '../../server/bridge/postgres-unmatched-store.ts';
import { sqliteRouteRecords, type RouteRecords, type RoutedDelivery } from '../../server/bridge/route-records.ts';
import { UnmatchedStore, sqliteUnmatchedRecords, type UnmatchedRecords } from '../../server/bridge/unmatched-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: what routing writes for one delivery (receipt, inbox rows, the unmatched queue, audit)
// commits in one transaction, the same on SQLite and PostgreSQL, and a webhook is stored once
// however many times (and through however many instances) it arrives.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const cipher = createCredentialCipher(crypto.randomBytes(32));
const T0 = Date.parse('2026-12-03T13:00:00.000Z');

interface Opened {
  route: RouteRecords;
  records: IntegrationRecords;
  links: LinkRecords;
  unmatched: UnmatchedRecords;
  audit: AuditRecords;
  inboxRow(id: number): Promise<InboxRow | undefined>;
  /** The inbox's own add (a single-wedding delivery, or routing's shortcut with `unlessReceived`). */
  add(row: NewInboxRow): Promise<number | null>;
  park(id: number, error: string): Promise<void>;
  applied(id: number): Promise<void>;
}

function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('route-records-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  const integrations = new IntegrationStore(sqlite, cipher);
  const inbox = new InboxStore(sqlite);
  const unmatched = new UnmatchedStore(sqlite);
  const audit = new AuditLog(sqlite, () => T0);
  return {
    route: sqliteRouteRecords({
      db: sqlite, inbox, unmatched, audit, write: (fn) => sqlite.transaction(fn)(),
      receipt: (connectionId, eventId, at) => integrations.connections.receipt(connectionId, eventId, at),
    }),
    records: sqliteIntegrationRecords(integrations),
    links: sqliteLinkRecords(new LinkStore(sqlite)),
    unmatched: sqliteUnmatchedRecords(unmatched),
    audit: sqliteAuditRecords(audit),
    inboxRow: async (id) => inbox.get(id),
    add: async (r) => inbox.add(r),
    park: async (id, error) => { inbox.park(id, error); },
    applied: async (id) => { inbox.applied(id, {}, T0); },
  };
}

function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  const inbox = new PostgresInboxStore(pool, { instanceId: `i_${crypto.randomUUID()}` });
  registerTeardown(() => inbox.close());
  return {
    route: new PostgresRouteRecords(pool, () => T0),
    records: new PostgresIntegrationStore(pool, cipher),
    links: new PostgresLinkStore(pool),
    unmatched: new PostgresUnmatchedStore(pool),
    audit: new PostgresAuditLog(pool, () => T0),
    inboxRow: (id) => inbox.get(id),
    add: (r) => inbox.add(r),
    // Outcomes are fenced by an inbox claim on PostgreSQL; the fixture sets them directly.
    park: async (id, error) => { await pool.query("UPDATE inbox SET status = 'parked', last_error = $2 WHERE id = $1", [id, error]); },
    applied: async (id) => { await pool.query("UPDATE inbox SET status = 'applied' WHERE id = $1", [id]); },
  };
}

let n = 0;
const unique = (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}_${process.pid}`;
const planner = { sub: 'per_a', role: 'planner' as const, vendorId: null };

/** A connection bound to two weddings: its ids. */
async function connection(o: Opened): Promise<{ id: string; a: { id: string; weddingId: string }; b: { id: string; weddingId: string } }> {
  const made = await o.records.createStandalone({
    id: unique('con'), weddingId: unique('w'), system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process',
    credentials: {}, webhookSecret: 'whsec_x', capabilities: ['webhook'], createdBy: 'per_a', connector: planner, configuration: {}, configurationSecrets: [],
  });
  const b = await o.records.create({
    id: unique('bnd'), connectionId: made.id, weddingId: unique('w'), system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process',
    overrides: {}, capabilities: ['webhook'], createdBy: 'per_a', connector: planner, claimsUnmatched: false, onUnbind: 'keep',
  });
  return { id: made.id, a: { id: made.id, weddingId: made.weddingId }, b: { id: b.id, weddingId: b.weddingId } };
}

const record = (externalId: string): Extract<InboundChange, { op: 'upsert' }> => ({ op: 'upsert', entity: 'timeline', externalId, data: { title: `Event ${externalId}` } });
const row = (binding: { id: string; weddingId: string }, eventId: string, over: Partial<NewInboxRow> = {}): NewInboxRow => ({
  integrationId: binding.id, weddingId: binding.weddingId, eventId, kind: 'changes', payload: '{"changes":[]}', receivedAt: T0, ...over,
});

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('routing records on %s', (_name, open) => {
  it('a delivery\'s rows, queued records and audit entries commit together; links are found per binding, external ids exactly', async () => {
    const o = open();
    const c = await connection(o);
    const odd = 'job\u0000-7\ud800';
    for (const b of [c.a, c.b]) {
      await o.links.save({ integrationId: b.id, entity: 'timeline', entityId: `e_${b.id}`, externalId: odd, lastSynced: {}, lastHash: 'h', version: null });
    }
    await o.links.save({ integrationId: c.a.id, entity: 'timeline', entityId: 'e_plain', externalId: 'plain', lastSynced: {}, lastHash: 'h', version: null });
    expect((await o.route.linkedTo(c.id, 'timeline', odd)).sort()).toEqual([c.a.id, c.b.id].sort());
    expect(await o.route.linkedTo(c.id, 'timeline', 'plain')).toEqual([c.a.id]);
    expect(await o.route.linkedTo(c.id, 'payments', 'plain')).toEqual([]);
    expect(await o.route.linkedTo(c.id, 'timeline', 'job\u0000-7')).toEqual([]);
    expect(await o.route.linkedTo('con_other', 'timeline', 'plain')).toEqual([]);

    const eventId = unique('evt');
    const delivery: RoutedDelivery = {
      receipt: { connectionId: c.id, eventId, at: T0 },
      rows: [row(c.a, eventId), row(c.b, eventId, { payload: '{"changes":[1]}' })],
      forget: [],
      put: [{ connectionId: c.id, workspaceId: null, change: record('new-1'), proposals: [], at: T0 }],
      audit: [{ weddingId: c.a.weddingId, integrationId: c.a.id, actor: `connection:${c.id}`, action: 'route.matched', entity: 'timeline', entityId: null, result: 'ok', detail: { externalId: 'x' } }],
    };
    expect(await o.route.seenBefore(c.id, eventId)).toBe(false);
    const first = await o.route.commit(delivery);
    if (first.duplicate) throw new Error('the first delivery was taken for a duplicate');
    expect(first.rows).toHaveLength(2);
    const [ra, rb] = first.rows as [number, number];
    expect(await o.inboxRow(ra)).toMatchObject({ integrationId: c.a.id, weddingId: c.a.weddingId, eventId, status: 'pending', kind: 'changes' });
    expect(await o.inboxRow(rb)).toMatchObject({ integrationId: c.b.id, payload: '{"changes":[1]}' });
    expect(first.unmatched).toEqual([(await o.unmatched.byRecord(c.id, 'timeline', 'new-1'))!.id]);
    expect((await o.audit.list(c.a.weddingId, 10)).entries.map((e) => e.action)).toEqual(['route.matched']);
    expect(await o.route.seenBefore(c.id, eventId)).toBe(true);

    // Sent again: nothing at all is written, not even its queued record's new content or its audit entry.
    const again = await o.route.commit({ ...delivery, put: [{ ...delivery.put[0]!, change: record('new-2') }] });
    expect(again).toEqual({ duplicate: true });
    expect(await o.unmatched.byRecord(c.id, 'timeline', 'new-2')).toBeUndefined();
    expect((await o.audit.list(c.a.weddingId, 10)).entries).toHaveLength(1);

    // Held at one wedding (parked), applied at the other: routed again, the held row is tried again
    // with what arrived now (its id kept), and the applied one is left alone.
    await o.park(rb, 'needs a vendor');
    await o.applied(ra);
    expect(await o.route.seenBefore(c.id, eventId)).toBe(false);
    const held = await o.route.commit({ ...delivery, rows: [row(c.a, eventId), row(c.b, eventId, { payload: '{"changes":[2]}' })], put: [], audit: [] });
    expect(held).toEqual({ duplicate: false, rows: [null, rb], unmatched: [] });
    expect(await o.inboxRow(rb)).toMatchObject({ status: 'pending', payload: '{"changes":[2]}', attempts: 0 });
    expect(await o.inboxRow(ra)).toMatchObject({ status: 'applied' });
  });

  it('routing\'s shortcut and routing take one delivery once, whichever stored it first; a parked one is taken again', async () => {
    const o = open();
    const c = await connection(o);
    const routed = (eventId: string, rows: NewInboxRow[]): RoutedDelivery => ({ receipt: { connectionId: c.id, eventId, at: T0 }, rows, forget: [], put: [], audit: [] });
    // Stored by the shortcut in the claiming binding (no receipt): routing, and a CSV preview, take it for a duplicate.
    const shortcut = `${unique('evt')}\u0000\ud800`;
    expect(await o.add({ ...row(c.a, shortcut), unlessReceived: true })).toEqual(expect.any(Number));
    expect(await o.route.seenBefore(c.id, shortcut)).toBe(true);
    expect(await o.route.commit(routed(shortcut, [row(c.b, shortcut)]))).toEqual({ duplicate: true });
    // Routed to b first (a receipt): the shortcut stores nothing of it in a.
    const first = unique('evt');
    expect((await o.route.commit(routed(first, [row(c.b, first)]))).duplicate).toBe(false);
    expect(await o.add({ ...row(c.a, first), unlessReceived: true })).toBeNull();
    // Without the flag (a single-wedding delivery) the inbox's key alone decides, as before.
    expect(await o.add(row(c.a, first))).toEqual(expect.any(Number));
    // Held: a row the shortcut stored and the wedding parked is pending again when sent again, by either path.
    const held = unique('evt');
    const id = (await o.add({ ...row(c.a, held), unlessReceived: true }))!;
    await o.park(id, 'invalid_payload: no vendor');
    expect(await o.route.seenBefore(c.id, held)).toBe(false);
    expect(await o.route.commit(routed(held, [row(c.a, held, { payload: '{"changes":[3]}' })]))).toMatchObject({ duplicate: false, rows: [id] });
    expect(await o.add({ ...row(c.a, held), unlessReceived: true })).toBeNull();
    await o.park(id, 'invalid_payload: no vendor');
    expect(await o.add({ ...row(c.a, held, { payload: '{"changes":[4]}' }), unlessReceived: true })).toBe(id);
    expect(await o.inboxRow(id)).toMatchObject({ status: 'pending', payload: '{"changes":[4]}' });
  });

  it('a delivery whose writes fail leaves nothing, not even its receipt: sent again it is stored', async () => {
    const o = open();
    const c = await connection(o);
    const eventId = unique('evt');
    const delivery: RoutedDelivery = {
      receipt: { connectionId: c.id, eventId, at: T0 }, rows: [row(c.a, eventId)], forget: [],
      put: [{ connectionId: c.id, workspaceId: null, change: record('kept-out'), proposals: [], at: T0 }], audit: [],
    };
    // A row the schema refuses (the inbox's kind is checked), written after the receipt.
    await expect(o.route.commit({ ...delivery, rows: [row(c.a, eventId, { kind: 'bogus' as NewInboxRow['kind'] })] })).rejects.toThrow();
    expect(await o.route.seenBefore(c.id, eventId)).toBe(false);
    expect(await o.unmatched.byRecord(c.id, 'timeline', 'kept-out')).toBeUndefined();
    const stored = await o.route.commit(delivery);
    expect(stored.duplicate).toBe(false);
    expect(await o.unmatched.byRecord(c.id, 'timeline', 'kept-out')).toBeDefined();
  });

  it('one webhook delivered several times at once is stored once', async () => {
    const o = open();
    const c = await connection(o);
    const eventId = unique('evt');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => o.route.commit({
      receipt: { connectionId: c.id, eventId, at: T0 }, rows: [row(c.a, eventId)], forget: [], put: [], audit: [],
    })));
    expect(outcomes.filter((x) => !x.duplicate)).toHaveLength(1);
  });

  it('a held delivery sent again several times at once is routed again once; event ids are kept exactly', async () => {
    const o = open();
    const c = await connection(o);
    for (const [i, eventId] of [unique('evt'), `${unique('evt')}\u0000\ud800`].entries()) {
      const delivery = (n: number): RoutedDelivery => ({
        receipt: { connectionId: c.id, eventId, at: T0 }, rows: [row(c.a, eventId, { payload: `{"changes":[${n}]}` })], forget: [],
        put: [{ connectionId: c.id, workspaceId: null, change: record(`q${i}-${n}`), proposals: [], at: T0 }], audit: [],
      });
      const first = await o.route.commit(delivery(0));
      if (first.duplicate) throw new Error('the first delivery was taken for a duplicate');
      expect(await o.inboxRow(first.rows[0]!)).toMatchObject({ eventId });
      expect(await o.route.commit(delivery(9))).toEqual({ duplicate: true });
      await o.park(first.rows[0]!, 'needs a vendor');
      expect(await o.route.seenBefore(c.id, eventId)).toBe(false);
      const again = await Promise.all([1, 2, 3, 4].map((k) => o.route.commit(delivery(k))));
      expect(again.filter((x) => !x.duplicate)).toHaveLength(1);
      // Only the delivery routed again wrote its queued record.
      const queued = await Promise.all([1, 2, 3, 4].map((k) => o.unmatched.byRecord(c.id, 'timeline', `q${i}-${k}`)));
      expect(queued.filter(Boolean)).toHaveLength(1);
      expect(await o.inboxRow(first.rows[0]!)).toMatchObject({ status: 'pending', eventId });
      expect(await o.route.seenBefore(c.id, eventId)).toBe(true);
    }
  });

  it('a record deleted before anyone took it in leaves the queue when open or ignored, not once assigned; deliveries without a receipt are not deduplicated by it', async () => {
    const o = open();
    const c = await connection(o);
    const put = (ext: string) => ({ connectionId: c.id, workspaceId: null, change: record(ext), proposals: [], at: T0 });
    const made = await o.route.commit({ rows: [], forget: [], put: [put('open'), put('ignored'), put('assigned')], audit: [] });
    if (made.duplicate) throw new Error('no receipt, no duplicate');
    expect(made.unmatched).toHaveLength(3);
    await o.unmatched.resolve(made.unmatched[1]!, 'ignored', 'per_a', [], T0);
    await o.unmatched.resolve(made.unmatched[2]!, 'assigned', 'per_a', [c.a.weddingId], T0);
    const forget = ['open', 'ignored', 'assigned'].map((externalId) => ({ connectionId: c.id, entity: 'timeline', externalId }));
    expect(await o.route.commit({ rows: [], forget, put: [], audit: [] })).toEqual({ duplicate: false, rows: [], unmatched: [] });
    expect(await o.unmatched.byRecord(c.id, 'timeline', 'open')).toBeUndefined();
    expect(await o.unmatched.byRecord(c.id, 'timeline', 'ignored')).toBeUndefined();
    expect(await o.unmatched.byRecord(c.id, 'timeline', 'assigned')).toMatchObject({ status: 'assigned' });
    // A pulled page has no receipt: a row per binding and event id, stored once (null for a repeat).
    const page = unique('pull');
    const first = await o.route.commit({ rows: [row(c.a, page), row(c.a, page)], forget: [], put: [], audit: [] });
    expect(first.duplicate === false && first.rows[0] !== null && first.rows[1] === null).toBe(true);
  });
});
