import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewOutboxRow } from '../../server/bridge/outbox-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';

// A 429 is the account's rate limit: the instance told pauses the connection's pushes in memory
// (OutboxWorker) and, through the shared outbox_pauses table, every other instance's claims too.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const T = Date.parse('2026-12-05T10:00:00.000Z');

function instance(id: string): PostgresOutboxStore {
  const pool = new pg.Pool({ connectionString: db().url, max: 3 });
  pools.push(pool);
  const store = new PostgresOutboxStore(pool, { instanceId: id, claimTtlMs: 30_000 });
  registerTeardown(() => store.close());
  return store;
}

/** A connection with bindings to the given weddings (the rows a claim joins through). */
async function connection(id: string, bindings: string[]): Promise<void> {
  const now = new Date(T).toISOString();
  await db().admin.query(`INSERT INTO connections (id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at)
    VALUES ($1, 'google-calendar', 'calendar', 'active', '', '', '{}', '[]', $2, 'per_a', $2)`, [id, now]);
  for (const b of bindings) {
    await db().admin.query(`INSERT INTO integrations (id, wedding_id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at, connection_id)
      VALUES ($1, $2, 'google-calendar', 'calendar', 'active', '', '', '{}', '[]', $3, 'per_a', $3, $4)`, [b, `w_${b}`, now, id]);
  }
}

const push = (integrationId: string, entityId: string): NewOutboxRow => ({
  integrationId, weddingId: `w_${integrationId}`, kind: 'entity', entity: 'timeline', entityId, payload: { entityId }, contentHash: `h-${entityId}`, priority: 0, notBefore: T,
});

describe('a 429 pause shared by every instance (PostgreSQL)', () => {
  it('another instance claims none of the paused connection\'s bindings\' pushes until the pause ends, and goes on with other connections', async () => {
    const told = instance('i-told');
    const other = instance('i-other');
    await connection('con_limited', ['int_limited_a', 'int_limited_b']);
    await connection('con_fine', ['int_fine']);
    const rows = { a: await told.add(push('int_limited_a', 'e1'), T), b: await told.add(push('int_limited_b', 'e2'), T), fine: await told.add(push('int_fine', 'e3'), T) };
    // Both bindings of the limited connection wait out its Retry-After, on whichever instance.
    await told.pauseConnection('con_limited', T + 30_000);
    await told.pauseConnection('con_limited', T + 10_000); // an earlier end does not shorten it
    // Its pending pushes say when they go; one made during the pause is held by the claims' own check.
    expect((await other.get(rows.a))!.nextAttemptAt).toBe(T + 30_000);
    const during = await told.add(push('int_limited_b', 'e4'), T + 500);
    expect((await other.claimDue(T + 1000, 10, [], 10)).map((r) => r.id)).toEqual([rows.fine]);
    expect(await other.markDelivered(rows.fine, 200, T + 1000)).toBe('delivered');
    await other.release('int_fine');
    expect(await other.claimDue(T + 29_000, 10, [], 10)).toEqual([]);
    // Not due before the pause ends, so no pass loops on them meanwhile.
    expect(await other.nextDueAt([])).toBe(T + 30_000);
    expect((await other.claimDue(T + 30_000, 10, [], 10)).map((r) => r.id).sort((x, y) => x - y)).toEqual([rows.a, rows.b, during]);
  });
});
