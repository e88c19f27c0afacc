import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteOAuthFlowStore, type OAuthFlowRecord, type OAuthFlowStore } from '../../server/connections/oauth-flow-store.ts';
import { PostgresOAuthFlowStore } from '../../server/connections/postgres-oauth-flow-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. An OAuth connect flow started through one instance is
// completed by the provider's redirect, which may reach another; it completes once.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

function postgresFlows(): OAuthFlowStore {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  return new PostgresOAuthFlowStore(pool);
}
function sqliteFlows(): OAuthFlowStore {
  const sqlite = openDatabase(tempDir('oauth-flows-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return new SqliteOAuthFlowStore(sqlite);
}

const MINUTE = 60_000;
const flow = (now: number, over: Partial<OAuthFlowRecord> = {}): OAuthFlowRecord => ({
  state: crypto.randomBytes(32).toString('base64url'), provider: 'google', system: 'google-calendar', codeVerifier: 'sealed:v1:…',
  principal: JSON.stringify({ sub: 'per_a', role: 'planner', weddings: ['w1'], note: 'zero \u0000 and lone \ud800 escaped by JSON' }),
  connectBody: JSON.stringify({ system: 'google-calendar', weddingId: 'w1', configuration: {}, returnTo: '/weddings/w1' }),
  redirectUri: 'https://wedsync.example/api/oauth/google/callback', createdAt: now, expiresAt: now + 10 * MINUTE, ...over,
});

describe.each([['sqlite', sqliteFlows], ['postgres', postgresFlows]] as const)('OAuth flows on %s', (_name, open) => {
  it('a flow is claimed once, by its provider, before it expires; others say why not; expired flows are dropped by the next start', async () => {
    const flows = open();
    const now = Date.UTC(2026, 11, 3, 9);
    const f = flow(now);
    await flows.add(f, now);
    expect(await flows.claim(f.state, 'microsoft', now + MINUTE)).toEqual({ refused: 'unknown' });
    expect(await flows.claim(f.state, 'google', now + MINUTE)).toEqual(f);
    expect(await flows.claim(f.state, 'google', now + MINUTE)).toEqual({ refused: 'used' });
    expect(await flows.claim('no-such-state', 'google', now)).toEqual({ refused: 'unknown' });

    const late = flow(now);
    await flows.add(late, now);
    expect(await flows.claim(late.state, 'google', late.expiresAt)).toEqual({ refused: 'expired' });
    // A start after it expired drops it (and the used one): the state is then unknown.
    await flows.add(flow(late.expiresAt + 1), late.expiresAt + 1);
    expect(await flows.claim(late.state, 'google', late.expiresAt + 1)).toEqual({ refused: 'unknown' });
    expect(await flows.claim(f.state, 'google', late.expiresAt + 1)).toEqual({ refused: 'unknown' });
  });
});

describe('OAuth flows on PostgreSQL, across instances', () => {
  it('a flow started through one instance completes through another, once, however many callbacks race for it', async () => {
    const [a, b] = [postgresFlows(), postgresFlows()];
    const now = Date.now();
    const f = flow(now, { provider: 'microsoft', system: 'outlook' });
    await a.add(f, now);
    const raced = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).claim(f.state, 'microsoft', now + 1)));
    expect(raced.filter((r) => !('refused' in r))).toEqual([f]);
    expect(raced.filter((r) => 'refused' in r)).toEqual(Array.from({ length: 5 }, () => ({ refused: 'used' })));
  });
});
