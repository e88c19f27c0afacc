import { describe, expect, it } from 'vitest';
import { Metrics } from '../../server/metrics.ts';
import { PoolIdleErrors } from '../../server/storage/postgres/idle-errors.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { capturedLogger } from '../helpers/captured-logger.ts';
import { waitFor } from '../helpers/wait.ts';

const counted = async (metrics: Metrics, pool: string) => (await metrics.postgresIdleErrors.get()).values.find((v) => v.labels.pool === pool)?.value ?? 0;

describe('idle PostgreSQL connections the database drops', () => {
  const db = usePostgresDatabase();

  it('are counted per pool and logged once a minute per pool, a restart’s losses in one line; the pool goes on with new ones', async () => {
    const { logger, lines } = capturedLogger();
    let now = 1_000_000;
    const idle = new PoolIdleErrors(logger, () => now);
    const metrics = new Metrics();
    const pool = openPostgresPool(db().url, { max: 4, onIdleError: idle.handler('stores') });
    try {
      // Four idle connections, then the database ends them all (as a restart does).
      const held = await Promise.all([0, 1, 2, 3].map(() => pool.connect()));
      const pids = await Promise.all(held.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
      for (const c of held) c.release();
      idle.report(metrics); // the server's metrics come after the pools
      await db().admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      await waitFor(async () => (await counted(metrics, 'stores')) === 4, 'the four lost connections counted');
      const warned = await waitFor(() => { const w = lines.filter((l) => l.level === 40); return w.length ? w : null; }, 'the line about them');
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({ pool: 'stores', lost: 4, msg: expect.stringContaining('PostgreSQL dropped idle pooled connections') });
      // The pool opens new connections on its next use.
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);

      // A minute on, the next loss is logged again with how many were lost since the last line.
      now += 61_000;
      const again = await pool.connect();
      const pid = (await again.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      again.release();
      await db().admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor(async () => (await counted(metrics, 'stores')) === 5, 'the fifth counted');
      await waitFor(() => lines.filter((l) => l.level === 40).length === 2, 'its line');
      expect(lines.filter((l) => l.level === 40).map((l) => l.lost)).toEqual([4, 1]);
    } finally {
      await pool.end();
    }
  });
});
