import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteApiKeyStore, type ApiKeyStore } from '../../server/auth/api-keys.ts';
import { AuthError } from '../../server/auth/auth-error.ts';
import { PostgresApiKeyStore } from '../../server/auth/postgres-api-keys.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: every store on both backends. An API key made through one instance opens through any,
// and its revocation closes the sockets opened with it on every instance.

const MINUTE = 60_000;
const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
const stores: PostgresApiKeyStore[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(pools.map((p) => p.end()));
});

function postgresStore(now: () => number, name = 'wedsync-keys-test'): PostgresApiKeyStore {
  const pool = new pg.Pool({ connectionString: db().url, max: 3, application_name: name });
  pools.push(pool);
  const store = new PostgresApiKeyStore(pool, now);
  stores.push(store);
  return store;
}
function sqliteStore(now: () => number): SqliteApiKeyStore {
  const sqlite = openDatabase(tempDir('api-keys-'), { synchronous: 'normal' });
  // Keys reference workspaces; the PostgreSQL twin has no workspaces table yet.
  sqlite.pragma('foreign_keys = OFF');
  registerTeardown(() => sqlite.close());
  return new SqliteApiKeyStore(sqlite, now);
}

const BACKENDS: [string, (now: () => number) => ApiKeyStore][] = [['sqlite', sqliteStore], ['postgres', postgresStore]];
const workspace = () => `ws_${crypto.randomBytes(4).toString('hex')}`;
const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e instanceof AuthError ? e.code : `not an AuthError: ${String(e)}`));

describe.each(BACKENDS)('API keys on %s', (_name, open) => {
  it('a key opens only with its own secret, records its use at most once a minute, and is refused once expired or revoked', async () => {
    let now = Date.UTC(2026, 5, 1);
    const keys = open(() => now);
    const ws = workspace();
    const { summary, key } = await keys.create({ workspaceId: ws, name: 'CRM sync', role: 'vendor', weddings: ['w1', 'w2'], vendorId: 'florist', createdBy: 'per_a' });
    expect(summary).toEqual({
      id: expect.stringMatching(/^key_/), workspaceId: ws, name: 'CRM sync', role: 'vendor', weddings: ['w1', 'w2'], vendorId: 'florist', createdBy: 'per_a',
      createdAt: now, expiresAt: null, lastUsedAt: null, revokedAt: null,
    });
    expect(key).toMatch(new RegExp(`^wsk_${summary.id}_[A-Za-z0-9_-]{43}$`));
    const secret = key.slice(-43);
    const otherSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [key.replace(secret, otherSecret), `wsk_key_${'x'.repeat(20)}_${secret}`, 'wsk_nonsense', '']) {
      expect(await refusal(keys.authenticate(bad))).toBe('token_invalid');
    }

    expect(await keys.authenticate(key)).toEqual({ ...summary, lastUsedAt: now });
    now += 30_000;
    expect((await keys.authenticate(key)).lastUsedAt).toBe(now - 30_000);
    now += MINUTE;
    expect((await keys.authenticate(key)).lastUsedAt).toBe(now);
    expect((await keys.list(ws))[0]!.lastUsedAt).toBe(now);

    const brief = await keys.create({ workspaceId: ws, name: 'Import', role: 'planner', weddings: ['*'], expiresAt: now + MINUTE });
    now += MINUTE;
    expect(await refusal(keys.authenticate(brief.key))).toBe('token_expired');
    expect((await keys.list(ws)).map((k) => k.id)).toEqual([brief.summary.id, summary.id]);
    expect(await keys.list(workspace())).toEqual([]);

    const announced: string[][] = [];
    keys.onRevoked((ids) => announced.push(ids));
    expect(await keys.revoke(workspace(), summary.id)).toBe(false);
    expect(await keys.revoke(ws, summary.id)).toBe(true);
    expect(await keys.revoke(ws, summary.id)).toBe(false);
    expect(announced).toEqual([[summary.id]]);
    expect(await refusal(keys.authenticate(key))).toBe('token_invalid');
    expect((await keys.list(ws)).find((k) => k.id === summary.id)!.revokedAt).toBe(now);
  });
});

describe('API keys on PostgreSQL, across instances', () => {
  it("a use recorded while another instance records a later one reports the later one, and never moves it back", async () => {
    const t = Date.UTC(2026, 6, 1);
    const behind = postgresStore(() => t, 'keys-behind');
    const ws = workspace();
    const { summary, key } = await behind.create({ workspaceId: ws, name: 'Bot', role: 'viewer', weddings: ['w1'] });
    // Another instance (its clock ahead) is recording a use: its UPDATE holds the row until COMMIT.
    const other = await db().admin.connect();
    try {
      await other.query('BEGIN');
      await other.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [t + 120_000, summary.id]);
      const used = behind.authenticate(key);
      await waitFor(async () => (await db().admin.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'keys-behind' AND wait_event_type = 'Lock'")).rowCount, 'the use to wait for the row');
      await other.query('COMMIT');
      expect((await used).lastUsedAt).toBe(t + 120_000);
    } finally {
      other.release();
    }
    expect((await behind.list(ws)).find((k) => k.id === summary.id)?.lastUsedAt).toBe(t + 120_000);
  });

  it('a key made through one instance opens through another, and its revocation reaches every instance once', async () => {
    const now = () => Date.now();
    const [a, b] = [postgresStore(now, 'keys-a'), postgresStore(now, 'keys-b')];
    await Promise.all([a.listen(), b.listen()]);
    const heard: Record<'a' | 'b', string[][]> = { a: [], b: [] };
    a.onRevoked((ids) => heard.a.push(ids));
    b.onRevoked((ids) => heard.b.push(ids));
    const ws = workspace();
    const { summary, key } = await a.create({ workspaceId: ws, name: 'Bot', role: 'viewer', weddings: ['w1'] });
    expect((await b.authenticate(key)).id).toBe(summary.id);
    expect(await b.revoke(ws, summary.id)).toBe(true);
    await waitFor(() => heard.a.length > 0, 'the revocation on the other instance');
    // Notifications reach a listener in commit order: once b hears a's later revocation, its own
    // earlier notification (which it must skip) has arrived too.
    const later = await a.create({ workspaceId: ws, name: 'Marker', role: 'viewer', weddings: ['w1'] });
    await a.revoke(ws, later.summary.id);
    await waitFor(() => heard.b.length > 1, 'the marker revocation on b');
    expect(heard).toEqual({ a: [[summary.id], [later.summary.id]], b: [[summary.id], [later.summary.id]] });
    expect(await refusal(a.authenticate(key))).toBe('token_invalid');
  });

  it('after its listening connection is lost, a store listens again and announces the keys revoked meanwhile', async () => {
    const now = () => Date.now();
    const a = postgresStore(now, 'keys-relisten');
    const b = postgresStore(now, 'keys-other');
    await a.listen();
    const heard: string[] = [];
    a.onRevoked((ids) => heard.push(...ids));
    const ws = workspace();
    const { summary } = await b.create({ workspaceId: ws, name: 'Bot', role: 'viewer', weddings: ['w1'] });
    const listening = async () => (await db().admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'keys-relisten' AND query LIKE 'LISTEN %'")).rows.map((r) => r.pid);
    const [pid] = await waitFor(async () => { const p = await listening(); return p.length === 1 ? p : null; }, 'the listening connection');
    await db().admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // Revoked while a is not listening: announced once it listens again.
    await b.revoke(ws, summary.id);
    await waitFor(() => heard.includes(summary.id), 'the revocation made while not listening', 10_000);
    await waitFor(async () => (await listening()).length === 1, 'listening again');
  });
});
