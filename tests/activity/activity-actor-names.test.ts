import { describe, expect, it } from 'vitest';
import { adminOrigin, clientOrigin, type ActivityLatestResponse, type ActivityResponse } from '../../schema/index.ts';
import pg from 'pg';
import { ActivityStore } from '../../server/activity/activity-store.ts';
import { PostgresActivityStore } from '../../server/activity/postgres-activity-store.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const W = 'w1';

type Row = Parameters<ActivityStore['record']>;

/** Writes activity rows as they are in the server's own store, on either backend. */
async function storeRows(t: TestServer, rows: Row[]): Promise<void> {
  const url = t.server.config.DATABASE_URL;
  if (!url) {
    const store = new ActivityStore(t.server.db);
    for (const row of rows) store.record(...row);
    return;
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const store = new PostgresActivityStore(pool);
    await inTransaction(pool, async (client) => { for (const row of rows) await store.record(client, ...row); });
  } finally {
    await pool.end();
  }
}
const PAYMENT = { vendorId: 'ven_lens', milestone: 'deposit', amount: 72_000, currency: 'GBP', due: '2026-11-20', status: 'planned' };

describe('activity: rows stored before services carried the person are named from the people store', () => {
  it('names the person a service acted for, and a nameless client row; leaves the operator and unknown ids as stored', async () => {
    const t = await startTestServer();
    const pia = await signedIn(t, 'pia@bloom.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Bloom Planning', [W]);
    const at = Date.parse('2026-12-01T17:00:00Z');
    const change = (entityId: string) => [{ root: 'payments', entityId, field: '', previous: undefined, value: { id: entityId, ...PAYMENT } }];
    // As the code before commit ecabef6 wrote them: adminOrigin(action, p.sub) with no name or role.
    await storeRows(t, [
      [W, 'wedding:w1', 1, at, adminOrigin('payments.plan', pia.person.id), change('p1')],
      [W, 'wedding:w1', 2, at + 1, clientOrigin(pia.person.id), change('p2')],
      [W, 'wedding:w1', 3, at + 2, adminOrigin('payments.transaction', 'per_goneGoneGoneGone0000'), change('p3')],
      [W, 'wedding:w1', 4, at + 3, adminOrigin('payments.transaction', 'admin'), change('p4')],
    ]);

    const token = await pia.accessToken(W);
    const res = await t.fetch(`/api/weddings/${W}/activity`, { token });
    expect(res.status).toBe(200);
    const byEntity = Object.fromEntries(((await res.json()) as ActivityResponse).entries.map((e) => [e.entityId, e.actor]));
    expect(byEntity).toEqual({
      p1: { kind: 'admin', id: pia.person.id, action: 'payments.plan', name: 'Pia Planner', role: 'planner' },
      p2: { kind: 'client', id: pia.person.id, name: 'Pia Planner', role: 'planner' },
      p3: { kind: 'admin', id: 'per_goneGoneGoneGone0000', action: 'payments.transaction' },
      p4: { kind: 'admin', id: 'admin', action: 'payments.transaction' },
    });
    const latest = await (await t.fetch(`/api/weddings/${W}/activity/latest?root=payments&ids=p1`, { token })).json() as ActivityLatestResponse;
    expect(latest.entries.map((e) => e.actor)).toEqual([byEntity.p1]);
  });
});
