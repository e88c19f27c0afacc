import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooksAdapter, webhooksAdapter } from '../../adapters/webhooks/index.ts';
import type { AdapterRuntime } from '../../adapters/core/index.ts';
import { WeddingDoc, adapterOrigin, clientOrigin, type TxOrigin } from '../../schema/index.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationRegistry, LiveBinding } from '../../server/bridge/integration-registry.ts';
import { IntegrationStore } from '../../server/bridge/integration-store.ts';
import { LinkStore } from '../../server/bridge/link-store.ts';
import { PostgresPushPlanning } from '../../server/bridge/postgres-push-planning.ts';
import { OutboundPlanner } from '../../server/bridge/outbound-planner.ts';
import { OutboxStore } from '../../server/bridge/outbox-store.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { describeOrigin } from '../../server/collab/origin.ts';
import type { JoinedListenerWrite } from '../../server/collab/joined-listeners.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15, "let other writes join the group": on PostgreSQL the outbound planner plans inside the
// append's transaction (a joined write) instead of SQLite's group. Whatever the edits, their
// origins and what the links say the systems hold, both forms must plan the same pushes.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const NOW = 1_780_000_000_000;
const COALESCE_MS = 250;

const runtime = (integrationId: string): AdapterRuntime => ({
  integrationId, weddingId: 'w1', webhookUrl: '', webhookSecret: 'whsec_test', fetch,
  egress: { fetch, lookup: () => undefined } as unknown as AdapterRuntime['egress'], now: () => NOW,
  state: { get: () => ({}), set: () => undefined },
});

/**
 * Two outbound webhook bindings of wedding w1 (real adapters; nothing is sent): `all` takes every
 * change, `events` only timeline and meta ones (the adapter's `accepts`).
 */
function registryOf(ids: { all: string; events: string }): IntegrationRegistry {
  const registry = new IntegrationRegistry();
  const bind = (id: string, configuration: Record<string, unknown>) => {
    const integration = { id, weddingId: 'w1', connectionId: id, system: 'webhooks', runMode: 'in_process' } as unknown as ConstructorParameters<typeof LiveBinding>[0];
    registry.put(new LiveBinding(integration, webhooksAdapter, () => createWebhooksAdapter({ integrationId: id, weddingId: 'w1', credentials: {}, configuration, runtime: runtime(id) })));
  };
  bind(ids.all, { url: 'http://127.0.0.1:9/hook', direction: 'outbound' });
  bind(ids.events, { url: 'http://127.0.0.1:9/hook', direction: 'outbound', events: ['timeline.upserted', 'timeline.deleted', 'meta.updated'] });
  return registry;
}

type Edit =
  | { kind: 'event'; id: string; title: string }
  | { kind: 'deleteEvent'; id: string }
  | { kind: 'vendor'; id: string; name: string }
  | { kind: 'meta'; title: string; weddingDay: boolean };

function apply(doc: Y.Doc, edit: Edit, origin: TxOrigin): void {
  const w = new WeddingDoc(doc);
  doc.transact(() => {
    switch (edit.kind) {
      case 'event': w.upsertEvent({ id: edit.id, title: edit.title, start: '2026-06-13T14:00:00Z', end: '2026-06-13T15:00:00Z' }); break;
      case 'deleteEvent': w.deleteEvent(edit.id); break;
      case 'vendor': w.upsertVendor({ id: edit.id, name: edit.name, category: 'florist' }); break;
      case 'meta': w.setMeta({ title: edit.title, weddingDayMode: edit.weddingDay }); break;
    }
  }, origin);
}

describe('the outbound planner: joined on PostgreSQL against SQLite', () => {
  it('plans the same pushes from the same edits, origins and links (fast-check)', async () => {
    const sqlite = openDatabase(tempDir('planner-'), { synchronous: 'normal' });
    registerTeardown(() => sqlite.close());
    const pool = new pg.Pool({ connectionString: db().url, max: 2 });
    pools.push(pool);
    const integrations = new IntegrationStore(sqlite, createCredentialCipher(crypto.randomBytes(32)));
    const sqliteLinks = new LinkStore(sqlite);
    const sqliteOutbox = new OutboxStore(sqlite);
    const pgStores = { links: new PostgresLinkStore(pool), outbox: new PostgresOutboxStore(pool, { instanceId: 'planner-test' }) };
    registerTeardown(() => pgStores.outbox.close());
    let run = 0;

    const edit: fc.Arbitrary<Edit> = fc.oneof(
      fc.record({ kind: fc.constant('event' as const), id: fc.constantFrom('e1', 'e2'), title: fc.constantFrom('Ceremony', 'Dinner') }),
      fc.record({ kind: fc.constant('deleteEvent' as const), id: fc.constantFrom('e1', 'e2') }),
      fc.record({ kind: fc.constant('vendor' as const), id: fc.constantFrom('v1', 'v2'), name: fc.constantFrom('Flora', 'Blooms') }),
      fc.record({ kind: fc.constant('meta' as const), title: fc.constantFrom('A & B', 'B & A'), weddingDay: fc.boolean() }),
    );
    // Each step: an edit by someone, optionally from one of the bindings (not pushed back to it),
    // then optionally "the system now holds what was planned" for one binding (the pusher saves a link).
    const step = fc.record({ edit, from: fc.constantFrom('planner', 'all', 'events'), delivered: fc.constantFrom(null, 'all', 'events') });

    await assertProperty(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
      run++;
      const ids = { all: `int_all_${process.pid}_${run}`, events: `int_ev_${process.pid}_${run}` };
      for (const id of Object.values(ids)) {
        integrations.createStandalone({
          id, weddingId: 'w1', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
          configuration: {}, configurationSecrets: [], capabilities: ['push'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
        });
      }
      const registry = registryOf(ids);
      let plannedOnSqlite = 0;
      let plannedOnPostgres = 0;
      const deps = { registry, now: () => NOW, coalesceMs: COALESCE_MS, describeOrigin };
      const onSqlite = new OutboundPlanner({ ...deps, links: sqliteLinks, outbox: sqliteOutbox, onPlanned: () => plannedOnSqlite++ }).onAppend;
      const onPostgres = new PostgresPushPlanning({
        ...deps, ...pgStores, persistence: { changeWithWrites: () => { throw new Error('not used here'); } }, withDocument: () => { throw new Error('not used here'); },
        onPlanned: () => plannedOnPostgres++,
      }).onAppend;

      const doc = new Y.Doc();
      let seq = 0;
      for (const s of steps) {
        let joined: JoinedListenerWrite | null = null;
        const listen = (_u: Uint8Array, _o: unknown, d: Y.Doc, tr: Y.Transaction) => {
          onSqlite('wedding:w1', d, tr);
          joined = onPostgres('wedding:w1', d as never, tr) as JoinedListenerWrite | null;
        };
        doc.on('update', listen);
        apply(doc, s.edit, s.from === 'planner' ? clientOrigin('per_a') : adapterOrigin('webhooks', ids[s.from]));
        doc.off('update', listen);
        const write = joined as JoinedListenerWrite | null;
        if (write) {
          await inTransaction(pool, (client) => (write.write as (c: pg.ClientBase, a: { seq: number }) => Promise<void>)(client, { seq: ++seq }));
          write.committed();
        }
        expect(plannedOnPostgres).toBe(plannedOnSqlite);
        if (s.delivered) {
          // What the pusher records after a delivery: the system holds the newest planned content.
          const id = ids[s.delivered];
          const newest = sqlite.prepare("SELECT entity, entity_id, content_hash, payload FROM outbox WHERE integration_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 1").get(id) as
            { entity: string; entity_id: string; content_hash: string; payload: string } | undefined;
          if (newest) {
            const link = { integrationId: id, entity: newest.entity, entityId: newest.entity_id, externalId: newest.content_hash === 'deleted' ? null : `x-${newest.entity_id}`,
              lastSynced: {}, lastHash: newest.content_hash, version: null };
            sqliteLinks.save(link);
            await pgStores.links.save(link);
          }
        }
      }
      const rowsOf = async (id: string) => {
        const fromSqlite = sqlite.prepare('SELECT entity, entity_id, content_hash, status, priority, next_attempt_at, payload FROM outbox WHERE integration_id = ? ORDER BY id').all(id) as Record<string, unknown>[];
        const fromPostgres = (await pool.query(`SELECT entity, entity_id, content_hash, status, priority, next_attempt_at::double precision AS next_attempt_at, payload
          FROM outbox WHERE integration_id = $1 ORDER BY id`, [id])).rows as Record<string, unknown>[];
        const shape = (r: Record<string, unknown>) => ({ ...r, payload: JSON.parse(r.payload as string) as unknown });
        return { fromSqlite: fromSqlite.map(shape), fromPostgres: fromPostgres.map(shape) };
      };
      for (const id of Object.values(ids)) {
        const { fromSqlite, fromPostgres } = await rowsOf(id);
        expect(fromPostgres).toEqual(fromSqlite);
      }
    }), { numRuns: 25 });
  });
});
