import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSendLedger } from '../../server/comms/postgres-send-ledger.ts';
import { SqliteSendLedger, type SendLedger } from '../../server/comms/send-ledger.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. A message send's next attempt, on whichever instance it
// runs, must know whether the last attempt went out, so nobody gets a text twice.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

function postgresLedger(): SendLedger {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  return new PostgresSendLedger(pool);
}
function sqliteLedger(): SendLedger {
  const sqlite = openDatabase(tempDir('sends-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return new SqliteSendLedger(sqlite);
}

let n = 0;
const key = () => `wedsync-int_sms-${process.pid}-${++n}`;

describe.each([['sqlite', sqliteLedger], ['postgres', postgresLedger]] as const)('the send ledger on %s', (_name, open) => {
  it('records each attempt: started, then sent with the provider id, or refused; a sent send is not un-sent by a late refusal or start', async () => {
    const ledger = open();
    const k = key();
    expect(await ledger.get(k)).toBeUndefined();
    expect(await ledger.markStarted(k, 'int_sms', 'w1', 1_000)).toBeUndefined();
    expect(await ledger.get(k)).toEqual({ idempotencyKey: k, status: 'started', providerId: null, attempts: 1, startedAt: 1_000 });
    await ledger.markRefused(k);
    expect(await ledger.get(k)).toMatchObject({ status: 'refused', attempts: 1 });
    await ledger.markStarted(k, 'int_sms', 'w1', 2_000);
    expect(await ledger.get(k)).toEqual({ idempotencyKey: k, status: 'started', providerId: null, attempts: 2, startedAt: 2_000 });
    await ledger.markSent(k, 'SM123', 2_500);
    await ledger.markRefused(k);
    const sent = { idempotencyKey: k, status: 'sent', providerId: 'SM123', attempts: 2, startedAt: 2_000 };
    expect(await ledger.get(k)).toEqual(sent);
    // A late start (a stalled attempt that looked before the send was recorded) changes nothing and is told it was sent.
    expect(await ledger.markStarted(k, 'int_sms', 'w1', 3_000)).toEqual(sent);
    expect(await ledger.get(k)).toEqual(sent);
  });
});

describe('the send ledger on PostgreSQL, across instances', () => {
  it("an attempt taken over by another instance sees the first one's unknown outcome, and its mark is committed before the send goes out", async () => {
    const [a, b] = [postgresLedger(), postgresLedger()];
    const k = key();
    await a.markStarted(k, 'int_sms', 'w1', 1_000);
    // a died with the request in flight: b finds it started (unknown outcome) and must look it up first.
    expect(await b.get(k)).toMatchObject({ status: 'started', attempts: 1 });
    await b.markSent(k, 'SM9', 5_000);
    expect(await a.get(k)).toMatchObject({ status: 'sent', providerId: 'SM9' });
    // Attempts counted on the stored row, whoever starts them, even at once.
    const k2 = key();
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).markStarted(k2, 'int_sms', 'w1', 1_000 + i)));
    expect((await a.get(k2))?.attempts).toBe(6);
  });
});
