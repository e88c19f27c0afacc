import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { applyPostgresMigrations, listPostgresMigrations, postgresMigrationsCurrent } from '../../server/storage/postgres/migrations.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';

describe('PostgreSQL migrations', () => {
  const server = usePostgres();

  it('applies schema/migrations/postgres in order once, records each, and applies none twice when instances start together', async () => {
    const url = await server().createDatabase();
    const pools = [0, 1, 2].map(() => openPostgresPool(url, { max: 2 }));
    registerTeardown(async () => { for (const p of pools) await p.end(); });
    const versions = listPostgresMigrations().map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.slice(0, 2)).toEqual([1, 2]);
    expect(await postgresMigrationsCurrent(pools[0]!)).toBe(false);

    const applied = await Promise.all(pools.map((p) => applyPostgresMigrations(p)));
    expect(applied.flat().sort((a, b) => a - b)).toEqual(versions);
    const recorded = await pools[0]!.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(recorded.rows).toEqual(listPostgresMigrations().map((m) => ({ version: m.version, name: m.name })));
    expect(await postgresMigrationsCurrent(pools[1]!)).toBe(true);
    expect(await applyPostgresMigrations(pools[2]!)).toEqual([]);
    const tables = await pools[0]!.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.rows.map((r) => r.t)).toEqual(['activity', 'api_keys', 'audit', 'calendar_busy', 'calendar_busy_refresh', 'calendar_event_versions', 'calendar_feeds', 'calendar_overlaps', 'collab_instances', 'comms_job_claims', 'comms_jobs', 'comms_last_seen', 'comms_notify_settings', 'comms_pending', 'comms_sends', 'comms_watch', 'connection_duties', 'connection_receipts', 'connections', 'consistency_results', 'document_leases', 'document_updates', 'documents', 'email_link_tokens', 'inbox', 'inbox_claims', 'integrations', 'invitations', 'links', 'oauth_flows', 'outbox', 'outbox_claims', 'outbox_pauses', 'participants', 'passkey_challenges_spent', 'passkeys', 'people', 'person_identities', 'rate_limits', 'read_pauses', 'schema_migrations', 'server_keys', 'sessions', 'snapshots', 'unmatched', 'vendor_booking_weddings', 'vendor_bookings', 'weddings', 'workspace_members', 'workspaces']);
  });

  it('rolls a failing migration back whole and keeps the ones before it', async () => {
    const url = await server().createDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-pgmig-'));
    registerTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, '001_first.sql'), 'CREATE TABLE first (id integer);');
    fs.writeFileSync(path.join(dir, '002_broken.sql'), 'CREATE TABLE second (id integer); SELECT no_such_function();');
    const pool = openPostgresPool(url);
    registerTeardown(() => pool.end());
    await expect(applyPostgresMigrations(pool, listPostgresMigrations(dir))).rejects.toThrow(/002_broken failed/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('SELECT version FROM schema_migrations')).rows).toEqual([{ version: 1 }]);
      expect((await client.query("SELECT to_regclass('first')::text AS a, to_regclass('second')::text AS b")).rows).toEqual([{ a: 'first', b: null }]);
    } finally { await client.end(); }
  });
});
