import { describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { PostgresConnectionStore } from '../../server/bridge/postgres-connection-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { postgresReadPauses } from '../../server/bridge/postgres-read-pauses.ts';
import { applyPostgresMigrations, listPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';

// A connection's 429 pauses of pushes (outbox_pauses) and reads (read_pauses) are deleted with it
// (migration 041): before, a deleted connection's rows stayed for good.

const T = Date.parse('2026-12-06T10:00:00.000Z');

describe('429 pauses of a connection (PostgreSQL)', () => {
  const server = usePostgres();

  it('go with the connection; rows a deleted one left behind are dropped on upgrade; none is written for a connection deleted meanwhile', async () => {
    const pool = openPostgresPool(await server().createDatabase(), { max: 3 });
    registerTeardown(() => pool.end());
    const pauses = async (table: string) => (await pool.query<{ connection_id: string }>(`SELECT connection_id FROM ${table} ORDER BY 1`)).rows.map((r) => r.connection_id);
    const connections = new PostgresConnectionStore(pool, createCredentialCipher(Buffer.alloc(32, 7)));
    let n = 0;
    const connection = async () => (await connections.create({
      id: `con_${++n}`, system: 'google-calendar', category: 'calendar_system', workspaceId: null, label: '', runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
      configuration: {}, configurationSecrets: [], capabilities: ['pull'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
    })).id;

    // A database of the version before: one pause of each kind whose connection was deleted, one whose connection is there.
    await applyPostgresMigrations(pool, listPostgresMigrations().filter((m) => m.version < 41));
    // Written as that version's server wrote it (today's store writes columns added since).
    const kept = 'con_kept';
    await pool.query(`INSERT INTO connections (id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at)
      VALUES ($1, 'google-calendar', 'calendar_system', 'active', '', '', '{}', '[]', $2, 'per_a', $2)`, [kept, new Date(T).toISOString()]);
    for (const table of ['outbox_pauses', 'read_pauses']) {
      await pool.query(`INSERT INTO ${table} (connection_id, until) VALUES ($1, $3), ($2, $3)`, ['con_deleted_before', kept, T]);
    }
    expect(await applyPostgresMigrations(pool)).toContain(41);
    expect([await pauses('outbox_pauses'), await pauses('read_pauses')]).toEqual([[kept], [kept]]);

    // Deleting the connection deletes its pauses.
    const outbox = new PostgresOutboxStore(pool, { instanceId: 'i-a', claimTtlMs: 30_000 });
    registerTeardown(() => outbox.close());
    const reads = postgresReadPauses(pool);
    const other = await connection();
    await outbox.pauseConnection(other, T + 30_000);
    await reads.record(other, T + 30_000);
    expect(await reads.until(other)).toBe(T + 30_000);
    expect(await connections.remove(kept)).toBe(true);
    expect([await pauses('outbox_pauses'), await pauses('read_pauses')]).toEqual([[other], [other]]);
    expect(await connections.remove(other)).toBe(true);
    expect([await pauses('outbox_pauses'), await pauses('read_pauses')]).toEqual([[], []]);

    // A 429 told for a connection deleted while its request was out: nothing to pause, and no error.
    await outbox.pauseConnection(other, T + 60_000);
    await reads.record(other, T + 60_000);
    expect(await reads.until(other)).toBe(0);
    expect([await pauses('outbox_pauses'), await pauses('read_pauses')]).toEqual([[], []]);
  });
});
