import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/bridge/retention.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from './helpers.ts';

describe('retention', () => {
  it('deletes processed webhooks after the retention period but keeps parked ones and the audit trail', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'ok', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', phone: '+44 7700 900123', category: 'dj' } });
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'bad', type: 'vendor.upserted', data: { id: 'x', name: '' } });
    const count = (status: string) => t.server.db.prepare('SELECT count(*) FROM inbox WHERE status = ?').pluck().get(status) as number;
    await waitFor(() => count('applied') === 1 && count('parked') === 1, 'both processed');
    const db = t.server.db;
    expect(applyRetention(db, { processedDays: 30, auditDays: 365 }, Date.now())).toEqual({ inbox: 0, outbox: 0, audit: 0 });
    const later = Date.now() + 31 * 86_400_000;
    const removed = applyRetention(db, { processedDays: 30, auditDays: 365 }, later);
    expect(removed.inbox).toBe(1);
    expect(count('applied')).toBe(0);
    expect(count('parked')).toBe(1);
    expect(db.prepare('SELECT count(*) FROM audit').pluck().get()).toBeGreaterThan(0);
    expect(applyRetention(db, { processedDays: 30, auditDays: 365 }, Date.now() + 366 * 86_400_000).audit).toBeGreaterThan(0);
  });
});
