import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const event = { id: 'ceremony', title: 'Moved by a vendor', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' };

describe('write paths', () => {
  it('timeline-sync writes the timeline only for roles that write the whole document: vendor and couple tokens, which write only their own paths (no HTTP route writes those), get 403', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const seed = await t.connect('w1', planner);
    await seed.whenSynced();
    seed.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' });
    await seed.whenAcknowledged();
    for (const token of [await t.token('vendor', ['w1'], { vendorId: 'photo' }), await t.token('couple', ['w1'])]) {
      const res = await t.fetch('/api/integrations/wedding/w1/timeline-sync', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeline: [event] }) });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'role_forbidden' } });
    }
    // A vendor may still push the (unchanged) timeline to its own systems.
    const push = await t.fetch('/api/integrations/wedding/w1/timeline-sync', { method: 'POST', token: await t.token('vendor', ['w1'], { vendorId: 'photo' }), headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) });
    expect(push.status).toBe(200);
    const ok = await t.fetch('/api/integrations/wedding/w1/timeline-sync', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeline: [{ ...event, title: 'Moved by the planner' }] }) });
    expect(ok.status).toBe(200);
    await waitFor(() => seed.doc.getEvent('ceremony')?.title === 'Moved by the planner', 'the planner’s write');
    expect(seed.doc.ydoc.getMap('timeline').size).toBe(1);
  });
});

describe('viewer role over HTTP', () => {
  it('changes nothing over HTTP, and reads none of the working-data APIs (budget, messages, integrations): 403 role_forbidden', async () => {
    const t = await startTestServer();
    const viewer = await t.token('viewer', ['w1']);
    const json = { 'content-type': 'application/json' };
    const writes: [string, string, unknown][] = [
      ['POST', '/api/integrations/wedding/w1/timeline-sync', {}],
      ['POST', '/api/weddings/w1/messages', { body: 'hello', recipientIds: ['photo'] }],
      ['POST', '/api/weddings/w1/payments/plan', {}],
      ['PUT', '/api/weddings/w1/notifications/settings', {}],
      ['POST', '/api/weddings', { id: 'w2' }],
    ];
    for (const [method, path, body] of writes) {
      const res = await t.fetch(path, { method, token: viewer, headers: json, body: JSON.stringify(body) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'role_forbidden' } });
    }
    // A viewer sees the shared schedule over the collaboration socket, not the budget or the integrations.
    for (const path of ['/api/weddings/w1/budget', '/api/integrations?weddingId=w1', '/api/integrations/status/w1']) {
      const read = await t.fetch(path, { token: viewer });
      expect(read.status, path).toBe(403);
      expect(await read.json()).toMatchObject({ error: { code: 'role_forbidden' } });
    }
    expect((await t.fetch('/api/weddings', { token: viewer })).status).toBe(200);
  });
});
