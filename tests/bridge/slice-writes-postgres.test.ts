import crypto from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { PostgresBookingIndex } from '../../server/calendar/postgres-booking-index.ts';
import type { JoinedListenerWrite } from '../../server/collab/joined-listeners.ts';
import { runAllJoined } from '../../server/storage/postgres/joined-writes.ts';
import { BufferedLinks } from '../../server/bridge/buffered-links.ts';
import type { Link } from '../../server/bridge/link-store.ts';
import { PostgresAuditLog } from '../../server/bridge/postgres-audit-log.ts';
import { PostgresInboxStore } from '../../server/bridge/postgres-inbox-store.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import type { BindingFields } from '../../server/bridge/connection-rows.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { storedWebhook } from '../helpers/cluster-clients.ts';

/**
 * What the inbox slices of a group write on PostgreSQL in few statements (postgres-inbox-worker.ts
 * `flushSlices`): the links they saved and removed (runs of saves in one upsert each, a row saved
 * again for the same external object folded into the run), the rows they applied (one fenced
 * UPDATE), their audit entries (one INSERT, in order) and their bindings' updates end as they
 * would written one at a time.
 */
describe('an inbox slice’s writes, batched, on PostgreSQL', () => {
  const postgres = usePostgres();
  const pools = usePostgresPools(postgres);

  /** A link op: save `entityId` (linked to `externalId`, with `hash` and maybe a snapshot) or remove it. */
  const op = fc.oneof(
    fc.record({
      op: fc.constant('save' as const), entityId: fc.constantFrom('a', 'b', 'c', 'a\u0000'), externalId: fc.constantFrom('x', 'y', 'z', null),
      hash: fc.constantFrom('h1', 'h2'), snapshot: fc.option(fc.record({ at: fc.integer({ min: 0, max: 9 }), rank: fc.integer({ min: 0, max: 2 }) }), { nil: undefined }),
    }),
    fc.record({ op: fc.constant('remove' as const), entityId: fc.constantFrom('a', 'b', 'c') }),
  );

  /** `client`, with the text of every statement sent through it pushed onto `statements`. */
  const counting = (client: pg.ClientBase, statements: string[]): pg.ClientBase => new Proxy(client, {
    get: (target, prop) => prop === 'query' ? (sql: string, params: unknown[]) => { statements.push(sql); return target.query(sql, params); } : Reflect.get(target, prop) as unknown,
  });

  type SaveOp = { op: 'save'; entityId: string; externalId: string | null; hash: string; snapshot?: { at: number; rank: number } | undefined };

  it('links saved and removed in any order, by one slice or by the slices of a group flushed together: the same rows as saving and removing them one by one (fast-check)', async () => {
    const pool = pools.poolOn(await postgres().createDatabase({ migrated: true }), 4);
    const store = new PostgresLinkStore(pool);
    let run = 0;
    const opsOf = fc.tuple(fc.array(op, { maxLength: 6 }), fc.array(op, { minLength: 1, maxLength: 12 }));
    // One to three slices (bindings), flushed together with BufferedLinks.flushAll.
    await fc.assert(fc.asyncProperty(fc.array(opsOf, { minLength: 1, maxLength: 3 }), async (slices) => {
      run++;
      const link = (integrationId: string, o: SaveOp): Link => ({
        integrationId, entity: 'timeline', entityId: o.entityId, externalId: o.externalId, lastSynced: { title: o.hash }, lastHash: o.hash, version: null,
        ...(o.snapshot ? { snapshot: o.snapshot } : {}),
      });
      const buffers: BufferedLinks[] = [];
      const sequential: { seq: string; buf: string; accepted: (typeof slices)[number][1] }[] = [];
      for (const [k, [before, slice]] of slices.entries()) {
        const seq = `seq-${run}-${k}`;
        const buf = `buf-${run}-${k}`;
        // The same links before the slice in both; then the slice's ops that BufferedLinks accepts (it
        // refuses an external id linked to another entity, as the unique index would).
        for (const integrationId of [seq, buf]) {
          const setup = await BufferedLinks.load(store, [integrationId], ['timeline']);
          for (const o of before) {
            try {
              if (o.op === 'save') setup.save(link(integrationId, o)); else setup.remove(integrationId, 'timeline', o.entityId);
            } catch { /* refused: skipped */ }
          }
          await inTransaction(pool, (client) => setup.flush(client));
        }
        const buffered = await BufferedLinks.load(store, [buf], ['timeline']);
        const accepted: typeof slice = [];
        for (const o of slice) {
          try {
            if (o.op === 'save') buffered.save(link(buf, o)); else buffered.remove(buf, 'timeline', o.entityId);
            accepted.push(o);
          } catch { /* refused */ }
        }
        buffers.push(buffered);
        sequential.push({ seq, buf, accepted });
      }
      await inTransaction(pool, (client) => BufferedLinks.flushAll(client, buffers));
      await inTransaction(pool, async (client) => {
        for (const { seq, accepted } of sequential) {
          for (const o of accepted) {
            if (o.op === 'save') await store.save(link(seq, o), client); else await store.remove(seq, 'timeline', o.entityId, client);
          }
        }
      });
      const rows = async (integrationId: string) => (await pool.query(
        'SELECT entity_id, external_id, last_synced, last_hash, snapshot FROM links WHERE integration_id = $1 ORDER BY entity_id COLLATE "C"', [integrationId])).rows;
      for (const { seq, buf } of sequential) expect({ buf, rows: await rows(buf) }).toEqual({ buf, rows: await rows(seq) });
    }), { numRuns: 60 });
  });

  it('a link saved again and again in a slice, for the same external object, is one statement; another external object starts the next', async () => {
    const pool = pools.poolOn(await postgres().createDatabase({ migrated: true }), 4);
    const store = new PostgresLinkStore(pool);
    const link = (entityId: string, externalId: string, hash: string, at: number): Link => ({
      integrationId: 'int_f', entity: 'timeline', entityId, externalId, lastSynced: { title: hash }, lastHash: hash, version: null, snapshot: { at, rank: 0 },
    });
    const buffered = await BufferedLinks.load(store, ['int_f'], ['timeline']);
    // A CRM sending one job's updates in a burst: five saves of a, three of b, one snapshot out of order.
    for (const [i, at] of [5, 9, 7, 10, 8].entries()) buffered.save(link('a', 'x', `a${i}`, at));
    for (const i of [0, 1, 2]) buffered.save(link('b', 'y', `b${i}`, i));
    const statements: string[] = [];
    await inTransaction(pool, (client) => buffered.flush(counting(client, statements)));
    expect(statements).toHaveLength(1);
    const rows = (await pool.query<{ entity_id: string; external_id: string; last_hash: string; snapshot: string }>('SELECT entity_id, external_id, last_hash, snapshot FROM links WHERE integration_id = $1 ORDER BY entity_id', ['int_f'])).rows;
    expect(rows.map((r) => [r.entity_id, r.external_id, r.last_hash, JSON.parse(r.snapshot).at])).toEqual([['a', 'x', 'a4', 10], ['b', 'y', 'b2', 2]]);

    // a moved to another external object: its row is written twice, in two statements.
    const moved = await BufferedLinks.load(store, ['int_f'], ['timeline']);
    moved.save(link('a', 'x', 'a5', 11));
    moved.save(link('a', 'z', 'a6', 1));
    statements.length = 0;
    await inTransaction(pool, (client) => moved.flush(counting(client, statements)));
    expect(statements).toHaveLength(2);
    expect((await pool.query<{ external_id: string; snapshot: string }>('SELECT external_id, snapshot FROM links WHERE integration_id = $1 AND entity_id = $2', ['int_f', 'a'])).rows.map((r) => [r.external_id, JSON.parse(r.snapshot).at])).toEqual([['z', 1]]);
  });

  it('buffers of one binding flushed together are written one after the other, in order', async () => {
    const pool = pools.poolOn(await postgres().createDatabase({ migrated: true }), 4);
    const store = new PostgresLinkStore(pool);
    const link = (hash: string): Link => ({ integrationId: 'int_s', entity: 'timeline', entityId: 'a', externalId: 'x', lastSynced: { title: hash }, lastHash: hash, version: null });
    const first = await BufferedLinks.load(store, ['int_s'], ['timeline']);
    first.save(link('first'));
    const second = await BufferedLinks.load(store, ['int_s'], ['timeline']);
    second.save(link('second'));
    // In one statement the row would be changed twice (PostgreSQL refuses that).
    await inTransaction(pool, (client) => BufferedLinks.flushAll(client, [first, second]));
    expect((await pool.query<{ last_hash: string }>("SELECT last_hash FROM links WHERE integration_id = 'int_s'")).rows).toEqual([{ last_hash: 'second' }]);
  });

  it('bindings\' updates of a group: a run of bindings setting the same columns in one statement, ending as updated one by one', async () => {
    const pool = pools.poolOn(await postgres().createDatabase({ migrated: true }), 4);
    const integrations = new PostgresIntegrationStore(pool, createCredentialCipher(crypto.randomBytes(32)));
    for (const id of ['int_1', 'int_2', 'int_3']) {
      await integrations.createStandalone({
        id, weddingId: `w-${id}`, system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
        capabilities: ['webhook'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null }, configuration: {}, configurationSecrets: [],
      });
    }
    const entries: [string, BindingFields][] = [
      ['int_1', { last_sync_at: '2027-01-01T00:00:01.000Z', last_success_at: '2027-01-01T00:00:01.000Z' }],
      ['int_2', { last_success_at: '2027-01-01T00:00:02.000Z', last_sync_at: '2027-01-01T00:00:02.000Z' }],
      ['int_3', { last_sync_at: '2027-01-01T00:00:03.000Z', last_success_at: '2027-01-01T00:00:03.000Z' }],
      ['int_3', { last_error_at: '2027-01-01T00:00:04.000Z', last_error: 'transient: \u0000 down', consecutive_failures: 2, breaker_until: 1_800_000_000_000 }],
      ['int_1', { last_error_at: '2027-01-01T00:00:05.000Z', last_error: 'again', consecutive_failures: 1, breaker_until: null }],
      ['int_2', { cursor: 'c-2' }],
      ['int_2', { last_sync_at: '2027-01-01T00:00:06.000Z', last_success_at: '2027-01-01T00:00:06.000Z' }],
    ];
    const statements: string[] = [];
    await inTransaction(pool, (client) => integrations.updateAll(entries, counting(client, statements)));
    // int_1–3's sync times in one, int_3's and int_1's errors in one, the cursor, then int_2's times.
    expect(statements).toHaveLength(4);
    const read = async () => Promise.all(['int_1', 'int_2', 'int_3'].map(async (id) => {
      const i = (await integrations.get(id))!;
      return [i.lastSyncAt, i.lastSuccessAt, i.lastErrorAt, i.lastError, i.consecutiveFailures, i.breakerUntil, i.cursor];
    }));
    const merged = await read();
    for (const [id, fields] of entries) await integrations.update(id, fields);
    expect(merged).toEqual(await read());
    expect(merged[2]).toEqual(['2027-01-01T00:00:03.000Z', '2027-01-01T00:00:03.000Z', '2027-01-01T00:00:04.000Z', expect.stringContaining('down'), 2, 1_800_000_000_000, null]);
  });

  it('applied rows are marked in one statement only where the wedding is held here; audit entries keep their order', async () => {
    const pool = pools.poolOn(await postgres().createDatabase({ migrated: true }), 4);
    const inbox = new PostgresInboxStore(pool, { instanceId: 'here' });
    const elsewhere = new PostgresInboxStore(pool, { instanceId: 'there' });
    const add = (weddingId: string, eventId: string) => inbox.add({ integrationId: 'int_1', weddingId, eventId, kind: 'webhook', payload: storedWebhook('timeline.upserted', { id: eventId }), receivedAt: 1 });
    const ids = [await add('w-here', 'e1'), await add('w-here', 'e2'), await add('w-there', 'e3')] as number[];
    expect(await inbox.claimWeddings(Date.now(), 1, ['w-there'])).toEqual(['w-here']);
    expect(await elsewhere.claimWeddings(Date.now(), 5, [])).toEqual(['w-there']);
    const marked = await inTransaction(pool, (client) => inbox.appliedAll(ids.map((id, i) => ({ id, result: { n: i }, at: 1000 + i })), client));
    expect(marked).toBe(2);
    const status = (await pool.query<{ id: string; status: string; applied_at: string | null; result: string | null; attempts: number }>('SELECT id, status, applied_at, result, attempts FROM inbox ORDER BY id')).rows;
    expect(status.map((r) => [r.status, r.applied_at === null ? null : Number(r.applied_at), r.result, r.attempts])).toEqual([
      ['applied', 1000, '{"n":0}', 1], ['applied', 1001, '{"n":1}', 1], ['pending', null, null, 0],
    ]);
    await inbox.close();
    await elsewhere.close();

    const audit = new PostgresAuditLog(pool, () => Date.UTC(2027, 0, 1));
    const entries = Array.from({ length: 40 }, (_, i) => ({ weddingId: 'w-here', integrationId: 'int_1', actor: 'adapter:webhooks', action: `row.${i}`, entity: 'timeline', entityId: `e${i}`, result: 'ok' as const, detail: { i } }));
    await inTransaction(pool, (client) => audit.recordAll(entries, client));
    const listed = (await audit.list('w-here', 100)).entries;
    expect(listed.map((e) => e.action).reverse()).toEqual(entries.map((e) => e.action));
  });
});

describe('vendor bookings written for a whole group at once (a JoinedBatch), on PostgreSQL', () => {
  const postgres = usePostgres();
  const pools = usePostgresPools(postgres);

  const edit = fc.oneof(
    fc.record({ op: fc.constant('upsert' as const), id: fc.constantFrom('e1', 'e2', 'e3'), vendorIds: fc.subarray(['v1', 'v2']), hour: fc.integer({ min: 10, max: 20 }), title: fc.constantFrom('Ceremony', 'Dinner') }),
    fc.record({ op: fc.constant('delete' as const), id: fc.constantFrom('e1', 'e2', 'e3') }),
  );

  type Edit = { op: 'upsert'; id: string; vendorIds: string[]; hour: number; title: string } | { op: 'delete'; id: string };

  it('any edits of indexed weddings, written as one group: the same bookings, and the same vendors told, as written one update at a time (fast-check)', async () => {
    const pool = pools.poolOn(await postgres().createDatabase({ migrated: true }), 4);
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(edit, { maxLength: 4 }), fc.array(fc.tuple(fc.boolean(), edit), { minLength: 1, maxLength: 10 }), async (setup, edits) => {
      run++;
      const told = new Map<string, Set<string>>();
      const index = new PostgresBookingIndex(pool, (weddingId, vendors) => { const s = told.get(weddingId) ?? new Set(); vendors.forEach((v) => s.add(v)); told.set(weddingId, s); });
      const listener = index.joined();
      // Two weddings per side: `edits` go to the first or the second (the tuple's boolean).
      const sides = ['one', 'many'].map((side) => [0, 1].map((k) => {
        const doc = new Y.Doc();
        const name = `wedding:${side}-${k}-${run}`;
        const writes: { name: string; write: JoinedListenerWrite }[] = [];
        doc.on('afterTransaction', (tr: Y.Transaction) => {
          const w = listener(name, doc as never, tr);
          if (w && 'write' in w) writes.push({ name, write: w });
        });
        return { doc: new WeddingDoc(doc), writes, weddingId: name.slice('wedding:'.length) };
      }));
      const apply = (w: WeddingDoc, e: Edit) => {
        if (e.op === 'delete') w.deleteEvent(e.id);
        else w.upsertEvent({ id: e.id, title: e.title, start: `2027-06-12T${e.hour}:00:00Z`, end: `2027-06-12T${e.hour}:30:00Z`, vendorIds: e.vendorIds });
      };
      let seq = 1;
      const runGroup = (items: { name: string; write: JoinedListenerWrite }[]) => inTransaction(pool, async (client) => {
        const outcomes = await runAllJoined(client, items.map((i) => ({ append: { name: i.name, seq: seq++ }, writes: [i.write.write] })));
        expect(outcomes.flat().every((o) => o.ok)).toBe(true);
      }).then(() => { for (const i of items) i.write.committed(); });
      // Indexed first (a whole write), then the edits.
      for (const side of sides) {
        for (const w of side) {
          w.doc.upsertEvent({ id: 'e0', title: 'Portraits', start: '2027-06-12T09:00:00Z', end: '2027-06-12T09:30:00Z', vendorIds: ['v1'] });
          for (const e of setup) apply(w.doc, e);
          await runGroup(w.writes.splice(0));
        }
      }
      told.clear();
      const bookings = async (weddingId: string) => (await pool.query<{ event_id: string; vendor_id: string; start_ms: string; end_ms: string; title: string }>(
        'SELECT event_id, vendor_id, start_ms::text, end_ms::text, title FROM vendor_bookings WHERE wedding_id = $1 ORDER BY event_id COLLATE "C", vendor_id COLLATE "C"', [weddingId])).rows;
      const before = await Promise.all(sides[1]!.map((w) => bookings(w.weddingId)));
      for (const [second, e] of edits) for (const side of sides) apply(side[second ? 1 : 0]!.doc, e);
      // `one`: each update in a transaction of its own; `many`: all in one group (as AppendGroup runs them).
      for (const w of sides[0]!.flatMap((s) => s.writes.splice(0))) await runGroup([w]);
      await runGroup(sides[1]!.flatMap((s) => s.writes.splice(0)));
      for (const k of [0, 1]) {
        const after = await bookings(sides[1]![k]!.weddingId);
        expect(after).toEqual(await bookings(sides[0]![k]!.weddingId));
        // Told: every vendor whose bookings differ after the group (a booking made and undone within
        // it changed nothing), and none that one update at a time would not tell.
        const key = (r: object) => JSON.stringify(r);
        const was = new Set(before[k]!.map(key));
        const is = new Set(after.map(key));
        const changed = new Set([...before[k]!.filter((r) => !is.has(key(r))), ...after.filter((r) => !was.has(key(r)))].map((r) => r.vendor_id));
        const many = told.get(sides[1]![k]!.weddingId) ?? new Set();
        const one = told.get(sides[0]![k]!.weddingId) ?? new Set();
        expect([...changed].filter((v) => !many.has(v))).toEqual([]);
        expect([...many].filter((v) => !one.has(v))).toEqual([]);
      }
    }), { numRuns: 40 });
  });
});
