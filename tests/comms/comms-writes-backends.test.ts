import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore } from '../../server/bridge/integration-store.ts';
import { OutboxStore } from '../../server/bridge/outbox-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { SqliteCommsWrites, type CommsWrites } from '../../server/comms/comms-writes.ts';
import { EscalationWatch } from '../../server/comms/escalation-watch.ts';
import { JobQueue } from '../../server/comms/job-queue.ts';
import { LastSeen } from '../../server/comms/last-seen.ts';
import { NotificationStore } from '../../server/comms/notification-store.ts';
import { PostgresCommsWrites, type PostgresCommsParts } from '../../server/comms/postgres-comms-writes.ts';
import { PostgresEscalationWatch } from '../../server/comms/postgres-escalation-watch.ts';
import { PostgresJobQueue } from '../../server/comms/postgres-job-queue.ts';
import { PostgresLastSeen } from '../../server/comms/postgres-last-seen.ts';
import { PostgresNotificationStore } from '../../server/comms/postgres-notification-store.ts';
import { createLogger } from '../../server/logger.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: what a document change writes of comms' rows commits with it, on either backend. On
// SQLite each write is made at once; on PostgreSQL they are made later, on the append's
// transaction, and may be made a second time after a savepoint was rolled back. Either way a
// write's `then` sees what the writes before it left, and what it asks for is made right after it.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
const logger = createLogger({ LOG_LEVEL: 'silent' });
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

function postgresParts(): PostgresCommsParts {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  return {
    lastSeen: new PostgresLastSeen(pool), notifications: new PostgresNotificationStore(pool), watch: new PostgresEscalationWatch(pool),
    jobs: new PostgresJobQueue({ pool, instanceId: 'test', now: Date.now, logger }), outbox: new PostgresOutboxStore(pool, { instanceId: 'test' }), now: Date.now,
  };
}

/** A backend's writes for one change and how the change is stored; `read` reads a last-seen value back. */
interface Backend { ask(fn: (w: CommsWrites) => void): Promise<void>; read(weddingId: string, key: string): Promise<unknown>; outboxKeys(weddingId: string): Promise<string[]> }

function sqliteBackend(): Backend {
  const sqlite: Db = openDatabase(tempDir('comms-writes-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  // SQLite's outbox rows belong to a binding (a foreign key).
  new IntegrationStore(sqlite, createCredentialCipher(crypto.randomBytes(32))).createStandalone({
    id: 'int_mail', weddingId: 'w', system: 'email', category: 'communication', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'unused',
    configuration: {}, configurationSecrets: [], capabilities: ['messaging'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
  });
  const lastSeen = new LastSeen(sqlite);
  const writes = new SqliteCommsWrites({
    db: sqlite, lastSeen, notifications: new NotificationStore(sqlite), jobs: new JobQueue(sqlite, Date.now, logger), watch: new EscalationWatch(sqlite), outbox: new OutboxStore(sqlite),
  });
  return {
    ask: async (fn) => { sqlite.transaction(() => fn(writes))(); },
    read: async (w, k) => lastSeen.get(w, k),
    outboxKeys: async (w) => sqlite.prepare('SELECT idempotency_key FROM outbox WHERE wedding_id = ? ORDER BY id').pluck().all(w) as string[],
  };
}
function postgresBackend(): Backend {
  const parts = postgresParts();
  const pool = pools.at(-1)!;
  return {
    async ask(fn) {
      const writes = new PostgresCommsWrites(parts);
      fn(writes);
      await inTransaction(pool, (c) => writes.run(c));
      writes.committed();
    },
    read: (w, k) => parts.lastSeen.get(w, k),
    outboxKeys: async (w) => (await pool.query<{ k: string }>('SELECT idempotency_key AS k FROM outbox WHERE wedding_id = $1 ORDER BY id', [w])).rows.map((r) => r.k),
  };
}

let n = 0;
const wedding = () => `w-${process.pid}-${++n}`;
const send = (weddingId: string, key: string) => ({
  integrationId: 'int_mail', weddingId, kind: 'message', entity: 'messages', entityId: key, payload: {}, contentHash: key, priority: 5, notBefore: 0, idempotencyKey: key,
});

describe.each([['sqlite', sqliteBackend], ['postgres', postgresBackend]] as const)('comms writes on %s', (_name, backend) => {
  it('a then step sees the writes before it, and what it asks for is made right after it, before the writes asked for later', async () => {
    const b = backend();
    const w = wedding();
    const seen: unknown[] = [];
    await b.ask((writes) => {
      writes.swapLastSeen(w, 'k', 1, (before) => {
        seen.push(before);
        writes.swapLastSeen(w, 'k', 2, (b2) => seen.push(b2));
      });
      writes.swapLastSeen(w, 'k', 3, (b3) => seen.push(b3));
    });
    expect(seen).toEqual([undefined, 1, 2]);
    expect(await b.read(w, 'k')).toBe(3);
  });

  it('a send is added once per idempotency key, and the step after a commit hears whether it was', async () => {
    const b = backend();
    const w = wedding();
    const added: boolean[] = [];
    let woken = 0;
    const plan = (writes: CommsWrites) => {
      for (const key of [`${w}-1`, `${w}-2`, `${w}-1`]) {
        writes.addSend(send(w, key), 0, (was) => {
          added.push(was);
          if (was) writes.afterCommit(() => { woken++; });
        });
      }
    };
    await b.ask(plan);
    await b.ask(plan);
    expect(added).toEqual([true, true, false, false, false, false]);
    expect(woken).toBe(2);
    expect(await b.outboxKeys(w)).toEqual([`${w}-1`, `${w}-2`]);
  });
});

describe('comms writes on PostgreSQL, made again after a rollback', () => {
  it('start again from what was asked: each write made once in what commits, its steps run again, the after-commit steps once', async () => {
    const parts = postgresParts();
    const pool = pools.at(-1)!;
    const w = wedding();
    const writes = new PostgresCommsWrites(parts);
    const thens: unknown[] = [];
    let woken = 0;
    writes.swapLastSeen(w, 'count', 120, (before) => {
      thens.push(before);
      writes.addSend(send(w, `${w}-s`), 0, (added) => { if (added) writes.afterCommit(() => { woken++; }); });
    });
    await inTransaction(pool, async (c) => {
      await c.query('SAVEPOINT joined');
      await writes.run(c);
      // The group's joined writes failed elsewhere: rolled back to the savepoint, then made again.
      await c.query('ROLLBACK TO SAVEPOINT joined');
      await writes.run(c);
      await c.query('RELEASE SAVEPOINT joined');
    });
    writes.committed();
    expect(thens).toEqual([undefined, undefined]);
    expect(woken).toBe(1);
    expect(await parts.lastSeen.get(w, 'count')).toBe(120);
    expect((await pool.query('SELECT count(*)::int AS n FROM outbox WHERE wedding_id = $1', [w])).rows[0].n).toBe(1);
  });

  it('a then step that throws fails the writes (rolled back by the caller), and nothing after it is made', async () => {
    const parts = postgresParts();
    const pool = pools.at(-1)!;
    const w = wedding();
    const writes = new PostgresCommsWrites(parts);
    writes.decide(w, 'missing', 'sent', 'p', 0, null, (decided) => { if (!decided) throw new Error('already decided'); });
    writes.swapLastSeen(w, 'after', 1);
    await expect(inTransaction(pool, (c) => writes.run(c))).rejects.toThrow('already decided');
    expect(await parts.lastSeen.get(w, 'after')).toBeUndefined();
  });
});
