import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const event = { id: 'ceremony', title: 'Moved by a vendor', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' };

describe('write paths', () => {
  it('timeline-sync writes the timeline only for roles that may write the document: vendor and couple tokens are read-only here too', async () => {
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
