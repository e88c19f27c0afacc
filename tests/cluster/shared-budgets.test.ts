import { describe, expect, it } from 'vitest';
import { useTwoInstances } from '../helpers/two-instances.ts';

/**
 * Behind a load balancer a client's requests reach every instance. The request and attempt budgets
 * are kept in PostgreSQL (the `rate_limits` table), so the client gets each budget once for the
 * cluster, not once per instance.
 */
describe('request and attempt budgets shared by the instances of a cluster', () => {
  const cluster = useTwoInstances({ RATE_LIMIT_PER_IP_PER_MIN: '4', SIGNIN_LINKS_PER_ADDRESS_PER_HOUR: '2', TRUST_PROXY: 'loopback' });

  it('one address spreading its requests over both instances is refused at the budget, on either', async () => {
    const { a, b } = cluster();
    const ask = (t: typeof a) => t.fetch('/api/auth/providers', { headers: { 'x-forwarded-for': '203.0.113.20' } });
    const statuses: number[] = [];
    for (const t of [a, b, a, b, a, b]) statuses.push((await ask(t)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const refused = await ask(a);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Another address keeps its own budget on both.
    expect((await b.fetch('/api/auth/providers', { headers: { 'x-forwarded-for': '203.0.113.21' } })).status).toBe(200);
    const { admin } = cluster().db;
    const rows = await admin.query<{ key: string; points: number }>("SELECT key, points FROM rate_limits WHERE key LIKE 'ip:%' ORDER BY key");
    expect(rows.rows).toEqual([{ key: 'ip:203.0.113.20', points: 7 }, { key: 'ip:203.0.113.21', points: 1 }]);
  });

  it('sign-in links for one e-mail address: the budget is spent across instances', async () => {
    const { a, b } = cluster();
    const requestLink = (t: typeof a, from: string) => t.fetch('/api/auth/email-link', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ email: 'pat@studio.example' }),
    });
    // From different addresses, so only the per-address budget of the e-mail address counts.
    const statuses = [(await requestLink(a, '198.51.100.1')).status, (await requestLink(b, '198.51.100.2')).status, (await requestLink(a, '198.51.100.3')).status];
    expect(statuses.slice(0, 2).every((s) => s >= 200 && s < 300)).toBe(true);
    expect(statuses[2]).toBe(429);
  });
});
