import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { openReadinessPool, PostgresReadiness } from '../../server/storage/postgres/readiness.ts';
import { startPostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15 item 2: HAProxy health checks on /readyz. An instance whose PostgreSQL does not answer
// (or lacks this version's migrations) must say so, so the load balancer sends clients elsewhere.

const postgres = usePostgres();

/** Runs `sql` on the maintenance database (ALTER DATABASE cannot run in the database it alters). */
async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client(postgres().adminUrl);
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}
/** Closes the database to new connections and ends the open ones: the instance's database is gone. */
const cutOff = (name: string) => asAdmin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`).then(() => asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`));
const restore = (name: string) => asAdmin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);

describe('readiness on PostgreSQL', () => {
  it('reports the database and migrations; checks asked at once share one round of queries; a database that stops answering fails within the timeout', async () => {
    const url = await postgres().createDatabase();
    const name = new URL(url).pathname.slice(1);
    const pool = openReadinessPool(url, 1_000);
    registerTeardown(() => pool.end());
    let acquired = 0;
    pool.on('acquire', () => { acquired++; });
    const readiness = new PostgresReadiness(pool, { timeoutMs: 1_000, reuseMs: 0 });
    expect(await readiness.check()).toEqual({ database: { ok: true }, migrations: { ok: false, detail: 'migrations of this version are not all applied' } });
    const migrator = openPostgresPool(url, { max: 1 });
    await applyPostgresMigrations(migrator);
    await migrator.end();
    acquired = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, () => readiness.check()));
    for (const a of answers) expect(a).toEqual({ database: { ok: true }, migrations: { ok: true } });
    // One round: the recovery check and the migrations read (2 queries), not 40.
    expect(acquired).toBeLessThanOrEqual(3);

    await cutOff(name);
    registerTeardown(() => restore(name));
    const started = performance.now();
    const down = await readiness.check();
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(down.database).toEqual({ ok: false, detail: expect.stringMatching(/^PostgreSQL: /) });
    expect(down.migrations?.ok).toBe(false);
    await restore(name);
    await waitFor(async () => (await readiness.check()).database?.ok, 'the database to answer again', 10_000, 100);
  });

  it("a collaboration node's /readyz answers 503 with the reason while its database is cut off, and 200 again after", async () => {
    const url = await postgres().createDatabase();
    const name = new URL(url).pathname.slice(1);
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'ready', leaseMs: 3_000, dataDir: tempDir() });
    registerTeardown(() => node.stop());
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${node.port}/readyz`);
      return { status: res.status, body: await res.json() as { status: string; checks: Record<string, { ok: boolean; detail?: string }> } };
    };
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', checks: { serving: { ok: true }, database: { ok: true }, migrations: { ok: true } } } });
    await cutOff(name);
    registerTeardown(() => restore(name));
    const down = await waitFor(async () => { const r = await readyz(); return r.status === 503 ? r : null; }, '/readyz to answer 503', 10_000, 100);
    expect(down.body).toMatchObject({ status: 'not_ready', checks: { serving: { ok: true }, database: { ok: false, detail: expect.stringMatching(/^PostgreSQL: /) } } });
    await restore(name);
    await waitFor(async () => (await readyz()).status === 200, '/readyz to answer 200 again', 15_000, 100);
  });
});
