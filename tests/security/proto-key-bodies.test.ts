import { describe, expect, it } from 'vitest';
import { seedWedding } from '../comms/helpers.ts';
import { startTestServer } from '../helpers/test-server.ts';

/** Sends `json` as written: JSON.stringify would never put a `__proto__` key in a body. */
async function post(t: { fetch: (p: string, i?: RequestInit & { token?: string }) => Promise<Response> }, path: string, token: string, json: string) {
  const res = await t.fetch(path, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: json });
  return { status: res.status, body: await res.json() as { error?: { code: string; message: string; details?: { issues?: { path: string }[] } } } };
}

describe('a `__proto__` key anywhere in a request body', () => {
  it('is refused by name with 400, where it would otherwise be dropped without a word, and nothing is written', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' } });
    const event = '"id":"toast","title":"Toast","category":"reception","start":"2027-06-12T18:00:00+01:00","end":"2027-06-12T18:15:00+01:00"';

    // A record (TimelineSyncBody.timeline) would drop the key; the whole body is refused instead.
    const synced = await post(t, '/api/integrations/wedding/w1/timeline-sync', planner, `{"timeline":[{${event},"__proto__":{"title":"Hijacked"}}],"waitMs":0}`);
    expect(synced.status).toBe(400);
    expect(synced.body.error?.code).toBe('validation_failed');
    expect(synced.body.error?.message).toContain('timeline.0.__proto__: "__proto__" cannot be used as a name or id');
    // A strict object named it only as an unrecognized key; it is now named the same way everywhere.
    const sent = await post(t, '/api/weddings/w1/messages', planner, '{"recipientIds":["*"],"body":"Hello","__proto__":{"requiresAck":true}}');
    expect(sent.status).toBe(400);
    expect(sent.body.error?.message).toContain('__proto__: "__proto__" cannot be used as a name or id');

    const reader = await t.connect('w1', planner);
    await reader.whenSynced();
    expect(reader.doc.getEvent('toast')).toBeUndefined();
    expect(reader.doc.listMessages()).toEqual([]);

    // The same event without the key is written: the refusal is of the key, not of the request.
    const ok = await post(t, '/api/integrations/wedding/w1/timeline-sync', planner, `{"timeline":[{${event}}],"waitMs":0}`);
    expect(ok.status).toBe(200);
    const again = await t.connect('w1', planner);
    await again.whenSynced();
    expect(again.doc.getEvent('toast')?.title).toBe('Toast');
  });
});
