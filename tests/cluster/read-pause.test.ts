import { describe, expect, it } from 'vitest';
import { connect, googleConnection, startSandboxes } from '../calendar/helpers.ts';
import { useTwoInstances } from '../helpers/two-instances.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: a 429 is the account's rate limit, whichever instance was told. The story: Google
// answers instance A's read of a photographer's calendar with 429 and Retry-After → a push notification
// that reaches instance B within that time does not make B read Google either → once the
// time has passed the pull follows, and the change made in Google meanwhile reaches the wedding.

const W = 'w-read-pause';

describe('a 429 to a read, on two instances of one PostgreSQL database', () => {
  const cluster = useTwoInstances({ PULL_INTERVAL_MS: '60000' });

  it('a notification reaching the other instance within Retry-After does not read the system; the pull follows once it has passed, with the change', async () => {
    const { a, b, db } = cluster();
    const s = await startSandboxes();
    const planner = await a.token('planner', [W]);
    const conn = await connect(a, planner, googleConnection(s, W, { importEvents: 'all', syncDirection: 'inbound' }));
    const lists = () => s.google.requests.filter((r) => r.method === 'GET' && /\/events(\?|$)/.test(r.path));
    await waitFor(() => lists().length > 0 && s.google.liveChannels(s.googleCalendarId).length === 1, 'the first listing and a watch channel');
    // B runs the connection made through A (told over LISTEN/NOTIFY).
    await waitFor(() => b.server.bridge.registry.get(conn.integrationId), 'the binding running on B');
    const c = await a.connect(W, planner);

    // Google tells A of a change; A's read is answered 429, Retry-After 3 s.
    s.google.failNext({ count: 1, status: 429, retryAfter: '3', when: (m, p) => m === 'GET' && /\/events(\?|$)/.test(p) });
    s.google.userInsert(s.googleCalendarId, { summary: 'Tasting', start: { dateTime: '2027-06-01T12:00:00+01:00' }, end: { dateTime: '2027-06-01T13:00:00+01:00' } });
    await waitFor(() => lists().at(-1)!.status === 429, "A's read answered 429");
    const refused = lists().at(-1)!;
    await waitFor(async () => (await db.admin.query('SELECT 1 FROM read_pauses WHERE until > $1', [refused.at])).rowCount === 1, 'the pause recorded for every instance');

    // The same notification reaches B (Google retries, a load balancer picks B): accepted, and B does
    // not read Google within the 3 s; it reads once they have passed, and the change arrives.
    const [channel] = s.google.liveChannels(s.googleCalendarId);
    const res = await fetch(b.httpUrl + new URL(channel!.address).pathname, {
      method: 'POST',
      headers: { 'x-goog-channel-id': channel!.id, 'x-goog-channel-token': channel!.token!, 'x-goog-resource-id': channel!.resourceId, 'x-goog-resource-state': 'exists', 'x-goog-message-number': '99' },
    });
    expect(res.status).toBe(200);
    await waitFor(() => c.doc.listEvents().some((e) => e.title === 'Tasting'), 'the change, once the wait has passed', 20_000);
    const next = lists()[lists().indexOf(refused) + 1]!;
    expect(next.status).toBe(200);
    expect(next.at - refused.at).toBeGreaterThanOrEqual(3000);
  });
});
