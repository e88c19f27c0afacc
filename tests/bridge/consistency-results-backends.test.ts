import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsistencyResult } from '../../server/bridge/consistency-audit.ts';
import { postgresConsistencyResults, sqliteConsistencyResults, type ConsistencyResults } from '../../server/bridge/consistency-results.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore, type NewStandalone } from '../../server/bridge/integration-store.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: the consistency audit's last results (docs/connections.md, "Consistency audit") kept the
// same on SQLite and PostgreSQL, where every instance answers with the result any of them stored.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const cipher = createCredentialCipher(crypto.randomBytes(32));
let n = 0;
const unique = (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}_${process.pid}`;
const standalone = (id: string): NewStandalone => ({
  id, weddingId: unique('w'), system: 'webhooks', category: 'communication', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
  configuration: {}, configurationSecrets: [], capabilities: ['push'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
});

interface Opened { results: ConsistencyResults; connection(): Promise<string>; disconnect(id: string): Promise<void> }

function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('consistency-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  const integrations = new IntegrationStore(sqlite, cipher);
  return {
    results: sqliteConsistencyResults(sqlite),
    async connection() { const id = unique('con'); integrations.createStandalone(standalone(id)); return id; },
    async disconnect(id) { integrations.connections.remove(id); },
  };
}

function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  const integrations = new PostgresIntegrationStore(pool, cipher);
  return {
    results: postgresConsistencyResults(pool),
    async connection() { const id = unique('con'); await integrations.createStandalone(standalone(id)); return id; },
    async disconnect(id) { await integrations.connections.remove(id); },
  };
}

const result = (ratio: number, checkedAt: string, weddingId = 'w1'): ConsistencyResult => ({
  checkedAt, ratio, compared: 4, consistent: Math.round(ratio * 4),
  drift: ratio < 1 ? [{ weddingId, entity: 'timeline', entityId: 'ceremony\u0000odd', externalId: 'ext-1', kind: 'missed_webhook', fields: ['start'], repaired: true }] : [],
  weddings: [{ weddingId, ratio }],
});

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('consistency results on %s', (_name, open) => {
  it('stores a connection\'s result and its bindings\' together, replaces them on the next audit, and drops those of a removed connection', async () => {
    const o = open();
    const kept = await o.connection();
    const removed = await o.connection();
    const at1 = '2026-12-03T10:00:00.000Z';
    await o.results.save([
      { id: kept, connectionId: kept, weddingId: null, result: result(0.75, at1) },
      { id: `${kept}_b1`, connectionId: kept, weddingId: 'w1', result: result(0.75, at1) },
    ], at1);
    await o.results.save([{ id: removed, connectionId: removed, weddingId: null, result: result(1, at1) }], at1);
    expect((await o.results.get(kept))?.result).toEqual(result(0.75, at1));
    expect(await o.results.get(`${kept}_b1`)).toEqual({ id: `${kept}_b1`, connectionId: kept, weddingId: 'w1', result: result(0.75, at1) });
    expect(await o.results.get(unique('none'))).toBeUndefined();

    const at2 = '2026-12-03T11:00:00.000Z';
    await o.results.save([{ id: kept, connectionId: kept, weddingId: null, result: result(1, at2) }], at2);
    expect((await o.results.get(kept))?.result).toEqual(result(1, at2));

    await o.disconnect(removed);
    const loaded = (await o.results.load()).filter((r) => r.connectionId === kept || r.connectionId === removed);
    expect(loaded.map((r) => [r.id, r.weddingId, r.result.ratio]).sort()).toEqual([[kept, null, 1], [`${kept}_b1`, 'w1', 0.75]]);
    expect(await o.results.get(removed)).toBeUndefined();
  });
});
