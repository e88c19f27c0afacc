import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore, type NewOutboxRow } from '../../server/bridge/outbox-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// A push's idempotency key names that one push, for good. A server restored from a backup (or a
// database rewound to an earlier point) numbers its new rows from where the copy stopped, reusing
// row ids the original had already sent: a key made from the row id alone then names two different
// pushes, and a subscriber that deduplicates on it drops the new one (found by the backup drill,
// tests/cli/backup-restore.test.ts).

const push = (n: number): NewOutboxRow => ({
  integrationId: 'int_k', weddingId: 'w1', kind: 'entity', entity: 'timeline', entityId: `evt_${n}`, payload: { n }, contentHash: `h${n}`, priority: 0, notBefore: 0,
});

describe('outbox idempotency keys', () => {
  const db = usePostgresDatabase();
  const pools: pg.Pool[] = [];
  beforeAll(async () => { await applyPostgresMigrations(db().admin); });
  afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

  it('on SQLite, a restored copy reuses row ids but never a key the original sent', () => {
    const dir = tempDir('outbox-keys-');
    const original = openDatabase(path.join(dir, 'a'), { synchronous: 'normal' });
    original.pragma('foreign_keys = OFF');
    registerTeardown(() => original.close());
    const a = new OutboxStore(original);
    for (let n = 0; n < 3; n++) a.add(push(n), n);
    const copyDir = path.join(dir, 'b');
    openDatabase(copyDir, { synchronous: 'normal' }).close();
    const copyFile = path.join(dir, 'copy.sqlite');
    original.prepare('VACUUM INTO ?').run(copyFile);
    const sentAfterBackup = [3, 4, 5].map((n) => a.get(a.add(push(n), n))!);

    const restored = openDatabase(copyDir, { synchronous: 'normal' });
    restored.pragma('foreign_keys = OFF');
    registerTeardown(() => restored.close());
    restored.exec(`ATTACH DATABASE '${copyFile}' AS b; DELETE FROM main.outbox; INSERT INTO main.outbox SELECT * FROM b.outbox;
      DELETE FROM main.sqlite_sequence WHERE name = 'outbox'; INSERT INTO main.sqlite_sequence SELECT * FROM b.sqlite_sequence WHERE name = 'outbox'; DETACH DATABASE b;`);
    const b = new OutboxStore(restored);
    const madeAfterRestore = [6, 7, 8].map((n) => b.get(b.add(push(n), n))!);

    expect(madeAfterRestore.map((r) => r.id)).toEqual(sentAfterBackup.map((r) => r.id));
    const sentKeys = new Set(sentAfterBackup.map((r) => r.idempotencyKey));
    expect(madeAfterRestore.filter((r) => sentKeys.has(r.idempotencyKey))).toEqual([]);
    for (const r of madeAfterRestore) expect(r.idempotencyKey).toMatch(new RegExp(`^wedsync-int_k-${r.id}-[A-Za-z0-9_-]{8}$`));
    // A retry reads the stored key: the same one every time.
    expect(b.get(madeAfterRestore[0]!.id)!.idempotencyKey).toBe(madeAfterRestore[0]!.idempotencyKey);
  });

  it('on PostgreSQL, rows numbered again after the database is rewound never reuse a key', async () => {
    const pool = new pg.Pool({ connectionString: db().url, max: 2 });
    pools.push(pool);
    const store = new PostgresOutboxStore(pool, { instanceId: 'a', claimTtlMs: 10_000 });
    const first = await Promise.all([0, 1, 2].map((n) => store.add(push(n), n)));
    const before = await Promise.all(first.map(async (id) => (await store.get(id))!));
    // A point-in-time recovery to before these rows: they are gone and their ids come round again.
    await pool.query('DELETE FROM outbox');
    await pool.query(`SELECT setval(pg_get_serial_sequence('outbox', 'id'), $1, false)`, [Math.min(...first)]);
    const again = await Promise.all([3, 4, 5].map(async (n) => (await store.get(await store.add(push(n), n)))!));
    expect(again.map((r) => r.id).sort()).toEqual(first.slice().sort());
    const sentKeys = new Set(before.map((r) => r.idempotencyKey));
    expect(again.filter((r) => sentKeys.has(r.idempotencyKey))).toEqual([]);
    for (const r of again) expect(r.idempotencyKey).toMatch(new RegExp(`^wedsync-int_k-${r.id}-[A-Za-z0-9_-]{8}$`));
    await store.close();
  });
});
