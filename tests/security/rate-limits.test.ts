import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { connectWebhooks } from '../bridge/helpers.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';
import type { BindingSummary, ConnectionResult } from '../../schema/index.ts';
import { STORY_WEDDINGS, api, studio } from '../connections/helpers.ts';
import { budgetFallbackReporter } from '../../server/http/budget-limiter.ts';
import { createLogger } from '../../server/logger.ts';
import { Metrics } from '../../server/metrics.ts';

const retryAfter = (res: Response) => Number(res.headers.get('retry-after'));

describe('rate limits', () => {
  it('answer 429 with Retry-After once a token has spent its budget, and other tokens go on', async () => {
    const t = await startTestServer({ env: { RATE_LIMIT_PER_TOKEN_PER_MIN: '5' } });
    const a = await t.token('planner', ['w1'], { sub: 'a' });
    const b = await t.token('planner', ['w1'], { sub: 'b' });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) { last = await t.fetch('/api/weddings', { token: a }); statuses.push(last.status); }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(retryAfter(last!)).toBeGreaterThanOrEqual(1);
    expect(retryAfter(last!)).toBeLessThanOrEqual(60);
    expect(await last!.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await t.fetch('/api/weddings', { token: b })).status).toBe(200);
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(/wedsync_rate_limited_total\{limit="token"\} 2/);
  });

  it('limit one address across tokens and unauthenticated requests', async () => {
    const t = await startTestServer({ env: { RATE_LIMIT_PER_IP_PER_MIN: '4' } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.fetch('/api/weddings')).status);
    for (let i = 0; i < 2; i++) statuses.push((await t.fetch('/api/weddings', { token: await t.token('planner', ['w1'], { sub: `p${i}` }) })).status);
    expect(statuses).toEqual([401, 401, 401, 200, 429]);
    // Liveness stays outside the API budget: an orchestrator must always reach it.
    expect((await t.fetch('/healthz')).status).toBe(200);
  });

  it('limit webhook deliveries per integration before the body is read, and the refused ones are not stored', async () => {
    const t = await startTestServer({ env: { RATE_LIMIT_WEBHOOKS_PER_MIN: '3' } });
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: `msg_${i}`, type: 'timeline.upserted', data: { id: `e${i}`, title: `E${i}`, start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00' } });
      statuses.push(res.status);
      if (res.status === 429) expect(retryAfter(res)).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(await queryServerDatabase(t.server, { sqlite: 'SELECT count(*) AS n FROM inbox', postgres: 'SELECT count(*)::int AS n FROM inbox' })).toEqual([{ n: 3 }]);
  });

  it('limit deliveries to the shared URL by the integration their payload names, before the signature is checked', async () => {
    const t = await startTestServer({ env: { RATE_LIMIT_WEBHOOKS_PER_MIN: '3' } });
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    const other = await connectWebhooks(t, await t.token('planner', ['w2']), 'w2');
    const shared = conn.webhookUrl.replace(/\/webhook\/.*/, '/webhook/webhooks');
    const send = (c: typeof conn, i: number, signWith?: string) => sendStandardWebhook(shared, c.webhookSecret, { id: `msg_${c.integrationId}_${i}`, type: 'timeline.upserted', integrationId: c.integrationId, data: { id: `e${i}`, title: `E${i}`, start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00' } }, signWith ? { signWith } : {});
    const statuses: number[] = [];
    // A forged delivery spends the budget too: the limit is for whoever sends, signed or not.
    statuses.push((await send(conn, 0, `whsec_${Buffer.from('not the secret, not at all').toString('base64')}`)).status);
    for (let i = 1; i < 5; i++) {
      const res = await send(conn, i);
      statuses.push(res.status);
      if (res.status === 429) expect(retryAfter(res)).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([401, 200, 200, 429, 429]);
    // The same URL for another integration has a budget of its own; the keyed URL shares this one's.
    expect((await send(other, 1)).status).toBe(200);
    expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_keyed', type: 'timeline.upserted', data: { id: 'k', title: 'K', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00' } })).status).toBe(429);
    expect(await queryServerDatabase(t.server, { sqlite: 'SELECT count(*) AS n FROM inbox', postgres: 'SELECT count(*)::int AS n FROM inbox' })).toEqual([{ n: 3 }]);
  });

  it('count one budget per connection, whether a URL names the connection or one of its bindings', async () => {
    const t = await startTestServer({ env: { RATE_LIMIT_WEBHOOKS_PER_MIN: '3', CASCADE_DELAY_MS: '0' } });
    const [wedding] = STORY_WEDDINGS;
    const { alex, lens } = await studio(t, [wedding]);
    const as = await alex.accessToken(wedding.id);
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: { workspaceId: lens.id, system: 'preset', configuration: { preset: 'honeybook', direction: 'inbound' } } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const bound = await api<{ binding: BindingSummary }>(t, `/api/connections/${made.body.connectionId}/bindings`, as, { json: { weddingId: wedding.id, references: ['hb-1'] } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    const byBinding = made.body.secretUrl!.replace(made.body.connectionId, bound.body.binding.bindingId);
    expect(byBinding).not.toBe(made.body.secretUrl);
    const post = (url: string) => fetch(`${url}&trigger=nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status);
    // Refused (no such trigger) but counted: two by the connection's URL, then the binding's shares their budget.
    expect([await post(made.body.secretUrl!), await post(made.body.secretUrl!), await post(byBinding), await post(byBinding), await post(made.body.secretUrl!)]).toEqual([400, 400, 400, 429, 429]);
  });

  it('a budget counted in-process for want of the database is counted per budget and logged once a minute', async () => {
    const lines: { budget?: string; msg?: string; level?: number }[] = [];
    const logger = createLogger({ LOG_LEVEL: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line)); } });
    const metrics = new Metrics();
    let now = 1_000_000;
    const fellBack = budgetFallbackReporter(logger, metrics, () => now);
    fellBack('ip');
    fellBack('ip');
    fellBack('token');
    now += 59_000;
    fellBack('ip');
    now += 2_000;
    fellBack('ip');
    expect(lines.map((l) => [l.budget, l.level])).toEqual([['ip', 40], ['token', 40], ['ip', 40]]);
    expect(lines[0]!.msg).toMatch(/PostgreSQL did not answer/);
    const text = await metrics.registry.getSingleMetricAsString('wedsync_rate_limit_fallbacks_total');
    expect(text).toMatch(/budget="ip"} 4/);
    expect(text).toMatch(/budget="token"} 1/);
  });
});
