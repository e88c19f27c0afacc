import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('collaboration', () => {
  it('relays an edit from one planner to another', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const a = await t.connect('w1', token);
    const b = await t.connect('w1', token);
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    a.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });
    await a.whenAcknowledged();
    await waitFor(() => b.doc.getEvent('ceremony'), 'event on b');
    expect(b.doc.getEvent('ceremony')?.title).toBe('Ceremony');
  });
});
