import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/bridge/retention.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from './helpers.ts';

describe('retention', () => {
  it('deletes processed webhooks after the retention period but keeps parked ones, the audit trail and the change attribution until theirs', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'ok', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', phone: '+44 7700 900123', category: 'dj' } });
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'bad', type: 'vendor.upserted', data: { id: 'x', name: '' } });
    const count = (status: string) => t.server.db.prepare('SELECT count(*) FROM inbox WHERE status = ?').pluck().get(status) as number;
    await waitFor(() => count('applied') === 1 && count('parked') === 1, 'both processed');
    const db = t.server.db;
    // A connection's delivery ids and its unmatched queue (issue 12): one sent to a wedding, one ignored, one open.
    const at = Date.now();
    db.prepare('INSERT INTO connection_receipts (connection_id, event_id, received_at) VALUES (?, ?, ?)').run(conn.integrationId, 'evt-old', at);
    for (const [id, status] of [['unm_a', 'assigned'], ['unm_i', 'ignored'], ['unm_o', 'open']] as const) {
      db.prepare(`INSERT INTO unmatched (id, connection_id, workspace_id, entity, external_id, change, status, received_at, updated_at) VALUES (?, ?, NULL, 'timeline', ?, '{}', ?, ?, ?)`).run(id, conn.integrationId, id, status, at, at);
    }
    expect(applyRetention(db, { processedDays: 30, auditDays: 365 }, Date.now())).toEqual({ inbox: 0, outbox: 0, audit: 0, activity: 0, receipts: 0, unmatched: 0 });
    const later = Date.now() + 31 * 86_400_000;
    const removed = applyRetention(db, { processedDays: 30, auditDays: 365 }, later);
    expect(removed.inbox).toBe(1);
    expect(removed.receipts).toBe(1);
    // Sent to a wedding: its links route it now. Ignored: kept, so it stays ignored. Open: waits for a person.
    expect(db.prepare('SELECT id FROM unmatched ORDER BY id').pluck().all()).toEqual(['unm_i', 'unm_o']);
    expect(count('applied')).toBe(0);
    expect(count('parked')).toBe(1);
    expect(db.prepare('SELECT count(*) FROM audit').pluck().get()).toBeGreaterThan(0);
    // The webhook's change is attributed to its integration, and kept as long as the audit trail.
    const attributed = () => db.prepare("SELECT count(*) FROM activity WHERE actor_kind = 'adapter' AND root = 'vendors' AND entity_id = 'dj'").pluck().get() as number;
    expect(attributed()).toBe(1);
    expect(removed.activity).toBe(0);
    const longAfter = applyRetention(db, { processedDays: 30, auditDays: 365 }, Date.now() + 366 * 86_400_000);
    expect(longAfter.audit).toBeGreaterThan(0);
    expect(longAfter.activity).toBeGreaterThan(0);
    expect(attributed()).toBe(0);
  });
});
