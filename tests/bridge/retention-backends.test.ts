import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, sqliteAuditRecords, type AuditRecords } from '../../server/bridge/audit-log.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore, sqliteIntegrationRecords, type IntegrationRecords } from '../../server/bridge/integration-store.ts';
import { PostgresAuditLog } from '../../server/bridge/postgres-audit-log.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { applyPostgresRetention } from '../../server/bridge/postgres-retention.ts';
import { PostgresUnmatchedStore } from '../../server/bridge/postgres-unmatched-store.ts';
import { applyRetention } from '../../server/bridge/retention.ts';
import { sqliteUnmatchedRecords, UnmatchedStore, type UnmatchedRecord, type UnmatchedRecords } from '../../server/bridge/unmatched-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: retention deletes the same rows on PostgreSQL as on SQLite (processed webhooks and
// pushes after RETENTION_DAYS, the audit trail and change attribution after AUDIT_RETENTION_DAYS).

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-03T12:00:00.000Z');
const SETTINGS = { processedDays: 30, auditDays: 365 };
const AGES = [1, 29, 31, 364, 366];
const cipher = createCredentialCipher(crypto.randomBytes(32));

interface Backend {
  integrations: IntegrationRecords;
  unmatched: UnmatchedRecords;
  audit: (clock: () => number) => AuditRecords;
  /** Runs `sql` with `?` placeholders. */
  exec(sql: string, params: unknown[]): Promise<void>;
  /** What is left, per table, as sorted labels. */
  left(): Promise<Record<string, string[]>>;
  retention(): Promise<Record<string, number>>;
}

const LEFT = {
  inbox: 'SELECT event_id AS l FROM inbox', outbox: 'SELECT idempotency_key AS l FROM outbox', audit: 'SELECT action AS l FROM audit',
  activity: 'SELECT field AS l FROM activity', receipts: 'SELECT event_id AS l FROM connection_receipts', unmatched: 'SELECT external_id AS l FROM unmatched',
  links: 'SELECT entity_id AS l FROM links',
};

function sqliteBackend(): Backend {
  const sqlite = openDatabase(tempDir('retention-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return {
    integrations: sqliteIntegrationRecords(new IntegrationStore(sqlite, cipher)),
    unmatched: sqliteUnmatchedRecords(new UnmatchedStore(sqlite)),
    audit: (clock) => sqliteAuditRecords(new AuditLog(sqlite, clock)),
    exec: async (sql, params) => { sqlite.prepare(sql).run(...params); },
    left: async () => Object.fromEntries(Object.entries(LEFT).map(([t, sql]) => [t, (sqlite.prepare(sql).pluck().all() as string[]).sort()])),
    retention: async () => applyRetention(sqlite, SETTINGS, NOW),
  };
}

function postgresBackend(): Backend {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  return {
    integrations: new PostgresIntegrationStore(pool, cipher),
    unmatched: new PostgresUnmatchedStore(pool),
    audit: (clock) => new PostgresAuditLog(pool, clock),
    exec: async (sql, params) => { let i = 0; await pool.query(sql.replace(/\?/g, () => `$${++i}`), params); },
    left: async () => Object.fromEntries(await Promise.all(Object.entries(LEFT).map(async ([t, sql]) => [t, (await pool.query<{ l: string }>(sql)).rows.map((r) => r.l).sort()]))),
    retention: () => applyPostgresRetention(pool, SETTINGS, NOW),
  };
}

/** The same rows on a backend: every kind of row at every age, in each status retention looks at. */
async function seed(b: Backend): Promise<void> {
  const con = 'con_retention';
  await b.integrations.createStandalone({
    id: con, weddingId: 'w1', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
    configuration: {}, configurationSecrets: [], capabilities: [], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
  });
  for (const age of AGES) {
    const at = NOW - age * DAY;
    for (const status of ['applied', 'parked', 'pending']) {
      await b.exec(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at, applied_at)
        VALUES (?, 'w1', ?, 'webhook', '{}', ?, ?, ?, ?)`, [con, `${status}-${age}`, at, status, at, status === 'applied' ? at : null]);
    }
    for (const status of ['delivered', 'cancelled', 'dead', 'pending']) {
      await b.exec(`INSERT INTO outbox (integration_id, wedding_id, kind, payload, content_hash, idempotency_key, status, next_attempt_at, created_at)
        VALUES (?, 'w1', 'entity', '{}', 'h', ?, ?, ?, ?)`, [con, `${status}-${age}`, status, at, at]);
    }
    await b.audit(() => at).record({ weddingId: 'w1', integrationId: con, actor: 'system', action: `push.delivered-${age}`, result: 'ok' });
    await b.exec(`INSERT INTO activity (wedding_id, document, update_seq, at, root, entity_id, field, actor_kind, actor_id)
      VALUES ('w1', 'wedding:w1', 1, ?, 'timeline', 'e1', ?, 'system', 'test')`, [at, `title-${age}`]);
    await b.integrations.connections.receipt(con, `evt-${age}`, at);
    // Links kept after our deletion (gone) and live ones, written at that age.
    for (const [kind, hash] of [['gone', 'deleted'], ['live', 'h1']]) {
      await b.exec(`INSERT INTO links (integration_id, entity, entity_id, external_id, last_synced, last_hash, version, updated_at, snapshot)
        VALUES (?, 'timeline', ?, ?, '{}', ?, NULL, ?, NULL)`, [con, `${kind}-${age}`, `ext-${kind}-${age}`, hash, new Date(at).toISOString()]);
    }
    for (const status of ['assigned', 'created', 'ignored', 'open'] as const) {
      const change = { op: 'upsert', entity: 'timeline', externalId: `${status}-${age}`, data: {} } as UnmatchedRecord['change'];
      const put = await b.unmatched.put({ connectionId: con, workspaceId: null, change, proposals: [], at });
      if (status !== 'open') await b.unmatched.resolve(put.id, status, 'per_a', [], at);
    }
  }
}

describe('retention on PostgreSQL against SQLite', () => {
  it('deletes the same rows, and counts them the same', async () => {
    const [sqlite, postgres] = [sqliteBackend(), postgresBackend()];
    await seed(sqlite);
    await seed(postgres);
    const removed = await postgres.retention();
    expect(removed).toEqual(await sqlite.retention());
    expect(removed).toEqual({ inbox: 3, outbox: 6, audit: 1, activity: 1, receipts: 3, unmatched: 6, goneLinks: 3 });
    const left = await postgres.left();
    expect(left).toEqual(await sqlite.left());
    // Parked and pending webhooks, dead-lettered and pending pushes, ignored and open queue records stay.
    expect(left.inbox).toEqual(['applied-1', 'applied-29', ...AGES.map((a) => `parked-${a}`), ...AGES.map((a) => `pending-${a}`)].sort());
    expect((left.unmatched ?? []).filter((l) => l.startsWith('ignored'))).toHaveLength(AGES.length);
    // Live links stay at any age; gone ones go once older than processed rows are kept.
    expect(left.links).toEqual(['gone-1', 'gone-29', ...AGES.map((a) => `live-${a}`)].sort());
    // Run again: nothing more.
    expect(Object.values(await postgres.retention()).every((n) => n === 0)).toBe(true);
  });
});
