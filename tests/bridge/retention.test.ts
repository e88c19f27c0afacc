import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyPostgresRetention } from '../../server/bridge/postgres-retention.ts';
import { applyRetention, type RetentionSettings } from '../../server/bridge/retention.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from './helpers.ts';

/** The retention pass of the server's backend (what RETENTION's timer runs), at `now` (ms since the epoch). */
function retention(t: TestServer): (settings: RetentionSettings, now: number) => Promise<ReturnType<typeof applyRetention>> {
  const url = t.server.config.DATABASE_URL;
  if (!url) return async (settings, now) => applyRetention(t.server.db, settings, now);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  registerTeardown(() => pool.end());
  return (settings, now) => applyPostgresRetention(pool, settings, now);
}

describe('retention', () => {
  it('deletes processed webhooks after the retention period but keeps parked ones, the audit trail and the change attribution until theirs', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'ok', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', phone: '+44 7700 900123', category: 'dj' } });
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'bad', type: 'vendor.upserted', data: { id: 'x', phone: '+44 7700 900124' } }); // valid values, but a new vendor needs a name: parked when applied
    const sql = serverSql(t.server);
    const count = (status: string) => sql.value<number>('SELECT count(*) FROM inbox WHERE status = ?', status);
    await waitFor(async () => (await count('applied')) === 1 && (await count('parked')) === 1, 'both processed');
    const retain = retention(t);
    // A connection's delivery ids and its unmatched queue (issue 12): one sent to a wedding, one ignored, one open.
    const at = Date.now();
    await sql.run('INSERT INTO connection_receipts (connection_id, event_id, received_at) VALUES (?, ?, ?)', conn.integrationId, 'evt-old', at);
    for (const [id, status] of [['unm_a', 'assigned'], ['unm_i', 'ignored'], ['unm_o', 'open']] as const) {
      await sql.run(`INSERT INTO unmatched (id, connection_id, workspace_id, entity, external_id, change, status, received_at, updated_at) VALUES (?, ?, NULL, 'timeline', ?, '{}', ?, ?, ?)`, id, conn.integrationId, id, status, at, at);
    }
    const settings = { processedDays: 30, auditDays: 365 };
    expect(await retain(settings, Date.now())).toEqual({ inbox: 0, outbox: 0, audit: 0, activity: 0, receipts: 0, unmatched: 0, goneLinks: 0 });
    const later = Date.now() + 31 * 86_400_000;
    const removed = await retain(settings, later);
    expect(removed.inbox).toBe(1);
    // The one inserted: a connection made from one wedding keeps no receipt of its deliveries (the
    // inbox row's key stands for it: InboundRouter.onlyClaim).
    expect(removed.receipts).toBe(1);
    // Sent to a wedding: its links route it now. Ignored: kept, so it stays ignored. Open: waits for a person.
    expect(await sql.values('SELECT id FROM unmatched ORDER BY id')).toEqual(['unm_i', 'unm_o']);
    expect(await count('applied')).toBe(0);
    expect(await count('parked')).toBe(1);
    expect(await sql.value('SELECT count(*) FROM audit')).toBeGreaterThan(0);
    // The webhook's change is attributed to its integration, and kept as long as the audit trail.
    const attributed = () => sql.value<number>("SELECT count(*) FROM activity WHERE actor_kind = 'adapter' AND root = 'vendors' AND entity_id = 'dj'");
    expect(await attributed()).toBe(1);
    expect(removed.activity).toBe(0);
    const longAfter = await retain(settings, Date.now() + 366 * 86_400_000);
    expect(longAfter.audit).toBeGreaterThan(0);
    expect(longAfter.activity).toBeGreaterThan(0);
    expect(await attributed()).toBe(0);
  });
});
