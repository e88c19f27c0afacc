import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore, sqliteIntegrationRecords, type IntegrationRecords } from '../../server/bridge/integration-store.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { sqliteBusyRecords, type BusyRecords } from '../../server/calendar/busy-blocks.ts';
import { PostgresBusyStore } from '../../server/calendar/postgres-busy-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: the busy blocks of vendors' connected calendars (what the double-booking checks read),
// the same on SQLite and PostgreSQL.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const cipher = createCredentialCipher(crypto.randomBytes(32));
const T0 = Date.parse('2026-12-03T14:00:00.000Z');
const H = 3_600_000;

interface Opened { busy: BusyRecords; records: IntegrationRecords }
function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('busy-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return { busy: sqliteBusyRecords(sqlite), records: sqliteIntegrationRecords(new IntegrationStore(sqlite, cipher)) };
}
function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  return { busy: new PostgresBusyStore(pool), records: new PostgresIntegrationStore(pool, cipher) };
}

let n = 0;
const unique = (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}_${process.pid}`;
async function binding(o: Opened): Promise<string> {
  const made = await o.records.createStandalone({
    id: unique('int'), weddingId: unique('w'), system: 'google-calendar', category: 'calendar_system', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
    configuration: {}, configurationSecrets: [], capabilities: ['pull'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
  });
  return made.id;
}

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('busy blocks on %s', (_name, open) => {
  it('a read replaces each binding\'s blocks; the vendor\'s overlapping blocks come back by start, ids exactly, titles storable', async () => {
    const o = open();
    const [a, b] = [await binding(o), await binding(o)];
    const vendor = unique('v');
    expect(await o.busy.lastRefresh(a)).toBeUndefined();
    await o.busy.replace([{ integrationId: a, vendorId: vendor }], [{ externalId: 'old', startMs: T0, endMs: T0 + H, title: 'Old' }], T0);
    // One calendar read serving two bindings; a block listed twice is kept once (the last).
    const blocks = [
      { externalId: 'evt\u0000-2\ud800', startMs: T0 + 3 * H, endMs: T0 + 4 * H, title: 'Dentist\u0000' },
      { externalId: 'evt-1', startMs: T0 + H, endMs: T0 + 2 * H, title: null },
      { externalId: 'evt-1', startMs: T0 + H, endMs: T0 + 2 * H + 1, title: 'Gym' },
      { externalId: 'far', startMs: T0 + 100 * H, endMs: T0 + 101 * H, title: 'Later' },
    ];
    await o.busy.replace([{ integrationId: a, vendorId: vendor }, { integrationId: b, vendorId: vendor }], blocks, T0 + 5);
    const found = await o.busy.busyFor(vendor, T0, T0 + 10 * H);
    expect(found.map((x) => [x.integrationId, x.externalId, x.startMs, x.endMs, x.title])).toEqual([
      [a, 'evt-1', T0 + H, T0 + 2 * H + 1, 'Gym'], [b, 'evt-1', T0 + H, T0 + 2 * H + 1, 'Gym'],
      [a, 'evt\u0000-2\ud800', T0 + 3 * H, T0 + 4 * H, 'Dentist\ufffd'], [b, 'evt\u0000-2\ud800', T0 + 3 * H, T0 + 4 * H, 'Dentist\ufffd'],
    ].sort((x, y) => Number(x[2]) - Number(y[2]) || String(x[0]).localeCompare(String(y[0]))));
    expect(found.every((x) => x.vendorId === vendor)).toBe(true);
    // [from, to) overlap: a block ending at `from` or starting at `to` is outside.
    expect((await o.busy.busyFor(vendor, T0 + 2 * H + 1, T0 + 3 * H)).map((x) => x.externalId)).toEqual([]);
    expect(await o.busy.busyFor(unique('v'), 0, T0 + 1000 * H)).toEqual([]);
    expect(await o.busy.lastRefresh(a)).toEqual({ refreshedAt: T0 + 5, error: null });

    // A failed read keeps the blocks and records the error; a later read clears it.
    await o.busy.failed([a, b], T0 + 9, 'calendar unreachable\u0000');
    expect(await o.busy.lastRefresh(b)).toEqual({ refreshedAt: T0 + 9, error: 'calendar unreachable\ufffd' });
    expect(await o.busy.busyFor(vendor, T0, T0 + 10 * H)).toHaveLength(4);
    await o.busy.replace([{ integrationId: a, vendorId: vendor }], [], T0 + 10);
    expect(await o.busy.lastRefresh(a)).toEqual({ refreshedAt: T0 + 10, error: null });
    expect((await o.busy.busyFor(vendor, 0, T0 + 1000 * H)).map((x) => x.integrationId)).toEqual([b, b, b]);

    // A binding removed takes its blocks and its refresh record with it.
    await o.records.remove(b);
    expect(await o.busy.busyFor(vendor, 0, T0 + 1000 * H)).toEqual([]);
    expect(await o.busy.lastRefresh(b)).toBeUndefined();
  });
});
