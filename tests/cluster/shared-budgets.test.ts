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

  it('while the database cannot count a budget, each instance counts it itself, says so in a metric (the log: rate-limits.test.ts), and the shared count resumes after', async () => {
    const { a, db } = cluster();
    const ask = () => a.fetch('/api/auth/providers', { headers: { 'x-forwarded-for': '203.0.113.30' } });
    const fallbacks = async () => (await a.server.metrics.rateLimitFallbacks.get()).values.find((v) => v.labels.budget === 'ip')?.value ?? 0;
    expect(await fallbacks()).toBe(0);
    await db.admin.query('ALTER TABLE rate_limits RENAME TO rate_limits_away');
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await ask()).status);
      // Still a budget (4 a minute), not every request let through nor every one refused.
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      expect(await fallbacks()).toBe(6);
    } finally {
      await db.admin.query('ALTER TABLE rate_limits_away RENAME TO rate_limits');
    }
    // Counted in the shared table again (the address's row starts afresh there).
    expect((await ask()).status).toBe(200);
    expect(await fallbacks()).toBe(6);
    const rows = await db.admin.query<{ points: number }>("SELECT points FROM rate_limits WHERE key = 'ip:203.0.113.30'");
    expect(rows.rows).toEqual([{ points: 1 }]);
  });
});
