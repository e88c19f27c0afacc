import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { connectWebhooks } from '../bridge/helpers.ts';

type Audit = { entries: { action: string; detail: { refusals?: number; code?: string } }[] };

describe('refused webhooks', () => {
  it('are each refused and counted, but audited once a minute per integration and kind of refusal, with how many they stand for', async () => {
    let clock = Date.now();
    const t = await startTestServer({ now: () => clock, env: { RATE_LIMIT_WEBHOOKS_PER_MIN: '0', RATE_LIMIT_PER_IP_PER_MIN: '0' } });
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    const forge = (i: number) => sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: `msg_forged_${i}`, type: 'timeline.upserted', data: { id: 'x', title: 'Forged' } }, { signWith: 'whsec_' + Buffer.alloc(24, 7).toString('base64') });
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++) statuses.add((await forge(i)).status);
    expect([...statuses]).toEqual([401]);
    const refusedRows = async () => ((await (await t.fetch('/api/integrations/wedding/w1/audit?limit=500', { token: planner })).json()) as Audit).entries.filter((e) => e.action === 'webhook.refused');
    expect((await refusedRows()).map((e) => e.detail.refusals)).toEqual([1]);
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(/wedsync_webhook_ack_seconds_count\{[^}]*outcome="refused"[^}]*\} 200/);

    clock += 61_000;
    await forge(200);
    // Newest first: the second row stands for itself and the 199 held back in the first minute.
    expect((await refusedRows()).map((e) => e.detail.refusals)).toEqual([200, 1]);

    // Another kind of refusal in the same minute has its own entry: a sender with a wrong clock is
    // not hidden behind the forgeries (nor the other way round).
    const stale = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_stale', type: 'timeline.upserted', data: { id: 'x', title: 'Late' } }, { nowMs: clock - 3_600_000 });
    expect(stale.status).toBe(401);
    await forge(201);
    expect((await refusedRows()).map((e) => [e.detail.code, e.detail.refusals])).toEqual([['signature_stale', 1], ['signature_invalid', 200], ['signature_invalid', 1]]);
  });
});
