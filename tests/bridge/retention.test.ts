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
    expect(applyRetention(db, { processedDays: 30, auditDays: 365 }, Date.now())).toEqual({ inbox: 0, outbox: 0, audit: 0, activity: 0 });
    const later = Date.now() + 31 * 86_400_000;
    const removed = applyRetention(db, { processedDays: 30, auditDays: 365 }, later);
    expect(removed.inbox).toBe(1);
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
