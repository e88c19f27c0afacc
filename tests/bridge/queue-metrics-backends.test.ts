import crypto from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindBridgeMetrics, postgresQueueDepths, sqliteQueueDepths, type QueueDepths } from '../../server/bridge/bridge-metrics.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore } from '../../server/bridge/integration-store.ts';
import { Metrics } from '../../server/metrics.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: the inbox and outbox depth and age gauges (GET /metrics) read the same on SQLite and
// PostgreSQL. Rows are written with SQL here: what is measured is the reading of the tables.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const INBOX = [['pending', T0 + 1000], ['pending', T0], ['parked', T0 - 5000], ['applied', T0 - 9000]] as const;
const OUTBOX = [['pending', T0 + 2000], ['inflight', T0 - 3000], ['dead', T0 - 7000], ['delivered', T0 - 8000], ['cancelled', T0 - 9000]] as const;

interface Opened { depths: QueueDepths; insert(sql: string, params: unknown[]): Promise<void>; placeholders(n: number): string }

function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('queue-metrics-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  // The SQLite queues reference their binding.
  new IntegrationStore(sqlite, createCredentialCipher(crypto.randomBytes(32))).createStandalone({
    id: 'i1', weddingId: 'w1', system: 'webhooks', category: 'communication', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
    configuration: {}, configurationSecrets: [], capabilities: ['push'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
  });
  return { depths: sqliteQueueDepths(sqlite), insert: async (sql, params) => { sqlite.prepare(sql).run(...params); }, placeholders: (k) => Array(k).fill('?').join(', ') };
}

function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  return { depths: postgresQueueDepths(pool), insert: async (sql, params) => { await pool.query(sql, params); }, placeholders: (k) => Array.from({ length: k }, (_, i) => `$${i + 1}`).join(', ') };
}

/** The value of one sample of the exposition text, e.g. `wedsync_inbox_depth{status="pending"}`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('queue depth gauges on %s', (_name, open) => {
  it('count the inbox and outbox rows by status and give the age of the oldest waiting row, from one read per scrape', async () => {
    const o = open();
    const metrics = new Metrics();
    const reads = { inbox: 0, outbox: 0 };
    const counted: QueueDepths = {
      inbox: () => { reads.inbox++; return o.depths.inbox(); },
      outbox: () => { reads.outbox++; return o.depths.outbox(); },
    };
    bindBridgeMetrics(counted, metrics, () => T0 + 10_000, () => 3, () => 1, pino({ level: 'silent' }));
    let text = await metrics.registry.metrics();
    expect([sample(text, 'wedsync_inbox_oldest_pending_seconds'), sample(text, 'wedsync_outbox_oldest_pending_seconds')]).toEqual([0, 0]);
    expect(reads).toEqual({ inbox: 1, outbox: 1 });

    for (const [i, [status, at]] of INBOX.entries()) {
      await o.insert(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at) VALUES (${o.placeholders(8)})`,
        ['i1', 'w1', `evt_${i}`, 'changes', '{}', at, status, at]);
    }
    for (const [i, [status, at]] of OUTBOX.entries()) {
      await o.insert(`INSERT INTO outbox (integration_id, wedding_id, kind, entity, entity_id, payload, content_hash, idempotency_key, priority, status, next_attempt_at, created_at) VALUES (${o.placeholders(12)})`,
        ['i1', 'w1', 'entity', 'timeline', `e${i}`, '{}', `h${i}`, `k${i}`, 0, status, at, at]);
    }
    text = await metrics.registry.metrics();
    expect({
      inboxPending: sample(text, 'wedsync_inbox_depth{status="pending"}'), inboxParked: sample(text, 'wedsync_inbox_depth{status="parked"}'),
      inboxApplied: sample(text, 'wedsync_inbox_depth{status="applied"}'), inboxOldest: sample(text, 'wedsync_inbox_oldest_pending_seconds'),
      outboxPending: sample(text, 'wedsync_outbox_depth{status="pending"}'), outboxInflight: sample(text, 'wedsync_outbox_depth{status="inflight"}'),
      outboxDead: sample(text, 'wedsync_outbox_depth{status="dead"}'), outboxDelivered: sample(text, 'wedsync_outbox_depth{status="delivered"}'),
      outboxOldest: sample(text, 'wedsync_outbox_oldest_pending_seconds'),
      integrations: sample(text, 'wedsync_active_integrations'), built: sample(text, 'wedsync_binding_adapters_built'),
    }).toEqual({
      inboxPending: 2, inboxParked: 1, inboxApplied: undefined, inboxOldest: 10,
      outboxPending: 1, outboxInflight: 1, outboxDead: 1, outboxDelivered: undefined, outboxOldest: 13,
      integrations: 3, built: 1,
    });
    expect(reads).toEqual({ inbox: 2, outbox: 2 });
  });

  it('a queue whose read fails keeps its previous values and the rest of the scrape is answered', async () => {
    const o = open();
    const metrics = new Metrics();
    let failing = false;
    const flaky: QueueDepths = {
      inbox: () => (failing ? Promise.reject(new Error('database unreachable')) : o.depths.inbox()),
      outbox: () => o.depths.outbox(),
    };
    await o.insert(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at) VALUES (${o.placeholders(8)})`,
      ['i1', 'w1', 'evt_f', 'changes', '{}', T0, 'pending', T0]);
    bindBridgeMetrics(flaky, metrics, () => T0 + 4000, () => 2, () => 0, pino({ level: 'silent' }));
    const gauges = (text: string) => [sample(text, 'wedsync_inbox_depth{status="pending"}'), sample(text, 'wedsync_inbox_oldest_pending_seconds'), sample(text, 'wedsync_active_integrations')];
    const before = gauges(await metrics.registry.metrics());
    expect(before[0]).toBeGreaterThanOrEqual(1);
    // The oldest pending row is at least the one added here (T0, read at T0 + 4 s).
    expect(before[1]).toBeGreaterThanOrEqual(4);
    expect(before[2]).toBe(2);
    failing = true;
    expect(gauges(await metrics.registry.metrics())).toEqual(before);
  });
});
