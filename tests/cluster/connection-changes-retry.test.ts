import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresConnectionChanges } from '../../server/bridge/postgres-connection-changes.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { waitFor } from '../helpers/wait.ts';

// Review of session 53: an instance whose announcement of a connection change could not be sent
// (its database connections busy or unreachable for a moment) left the other instances running the
// old settings, a rotated signing secret refused by them, until they restarted.

describe('a connection change announced while the database cannot be reached from here (PostgreSQL)', () => {
  const server = usePostgres();

  it('reaches the other instances once it can, sent again with longer waits; announced twice meanwhile, it is sent once', async () => {
    const url = await server().createDatabase();
    const other = openPostgresPool(url, { max: 2 });
    // This instance's pool: one connection, which the test holds, and a short wait for it.
    const here = openPostgresPool(url, { max: 1, connectionTimeoutMillis: 100 });
    registerTeardown(async () => { await other.end(); await here.end(); });
    const now = () => Date.now();
    const listening = postgresConnectionChanges(other, { now });
    const announcing = postgresConnectionChanges(here, { now, retryMs: { first: 50, max: 200 } });
    registerTeardown(async () => { await listening.close(); await announcing.close(); });
    const heard: string[] = [];
    listening.onChange((ids) => heard.push(...ids), () => []);
    await listening.listen();

    // Sent at once when the database answers.
    await announcing.announce('con_first');
    await waitFor(() => heard.includes('con_first'), 'the first change heard');

    // The only connection is taken: the announcement cannot be sent now.
    const held = await here.connect();
    const sent = announcing.announce('con_rotated');
    const again = announcing.announce('con_rotated');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(heard).not.toContain('con_rotated');
    held.release();
    await Promise.all([sent, again]);
    await waitFor(() => heard.includes('con_rotated'), 'the change heard once it could be sent');
    expect(heard.filter((id) => id === 'con_rotated')).toHaveLength(1);
  });

  it('is given up only when the channel closes, and then says so', async () => {
    const url = await server().createDatabase();
    const here = openPostgresPool(url, { max: 1, connectionTimeoutMillis: 50 });
    registerTeardown(() => here.end());
    const announcing = postgresConnectionChanges(here, { now: () => Date.now(), retryMs: { first: 50, max: 100 } });
    // The pool's one connection, held so that the announcement cannot get one. The 50 ms timeout is
    // for what waits behind it; opening it on a loaded machine can take longer (ci100), so that is
    // tried again, up to 50 times.
    let held: pg.PoolClient | undefined;
    for (let attempt = 1; !held; attempt++) held = await here.connect().catch((error: unknown) => { if (attempt >= 50) throw error; return undefined; });
    try {
      const sent = announcing.announce('con_x');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await announcing.close();
      await expect(sent).rejects.toThrow(/not announced: the channel closed first/);
    } finally {
      held.release();
    }
  });
});
