import { describe, expect, it } from 'vitest';
import type { Conflict, Overlap } from '../../schema/index.ts';
import { findOverlaps, type Commitment } from '../../server/calendar/overlaps.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const ev = (weddingId: string, eventId: string, from: string, to: string): Commitment => ({
  kind: 'wedding', weddingId, eventId, title: eventId, startMs: Date.parse(`2027-06-12T${from}:00Z`), endMs: Date.parse(`2027-06-12T${to}:00Z`),
});

describe('a venue hosts every event of its wedding', () => {
  it('does not count overlapping events of the wedding it hosts, but does count two weddings at once', () => {
    const commitments = [ev('w-a', 'ceremony', '14:00', '15:00'), ev('w-a', 'photos', '14:45', '15:30'), ev('w-b', 'dinner', '15:15', '16:00')];
    const hosts = (weddingId: string) => weddingId === 'w-a';
    expect(findOverlaps('venue', commitments).map((o) => o.key)).toHaveLength(2);
    expect(findOverlaps('venue', commitments, hosts).map((o) => [o.a, o.b].map((s) => (s.kind === 'wedding' ? s.eventId : '')).sort().join('+'))).toEqual(['dinner+photos']);
  });

  it('records no double booking for the venue (by category or by the wedding’s venue name) and settles one when a vendor becomes the venue', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w-v']);
    const c = await t.connect('w-v', token);
    await c.whenSynced();
    c.doc.setMeta({ title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Barn' });
    c.doc.upsertVendor({ id: 'barn', name: 'Kew Barn', category: 'other', email: 'events@kew.example' });
    c.doc.upsertVendor({ id: 'hall', name: 'Village Hall', category: 'venue', email: 'hall@example.com' });
    c.doc.upsertVendor({ id: 'tent', name: 'Tent Co', category: 'rentals', email: 'tent@example.com' });
    c.doc.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com' });
    const all = ['barn', 'hall', 'tent', 'photo'];
    c.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', category: 'ceremony', start: '2027-06-12T14:30:00+01:00', end: '2027-06-12T15:15:00+01:00', vendorIds: all });
    c.doc.upsertEvent({ id: 'photos', title: 'Family photos', category: 'photos', start: '2027-06-12T14:45:00+01:00', end: '2027-06-12T15:30:00+01:00', vendorIds: all });
    await c.whenAcknowledged();

    const overlaps = async (vendorId: string) => {
      const res = await t.fetch(`/api/integrations/calendar/conflicts?vendorId=${vendorId}&weddingId=w-v`, { token });
      expect(res.status).toBe(200);
      return (await res.json() as { overlaps: Overlap[] }).overlaps;
    };
    const pendingFor = (vendorId: string) => c.doc.listConflicts().filter((x: Conflict) => x.status === 'pending' && x.source.startsWith('availability')
      && Array.isArray(x.localValue) && x.localValue.includes(vendorId) && !(x.remoteValue as string[]).includes(vendorId));
    expect(await overlaps('photo')).toHaveLength(1);
    expect(await overlaps('tent')).toHaveLength(1);
    expect(await overlaps('barn')).toEqual([]);
    expect(await overlaps('hall')).toEqual([]);
    await waitFor(() => pendingFor('photo').length === 1 && pendingFor('tent').length === 1, 'the photographer and the tent double-booked');
    expect(pendingFor('barn')).toEqual([]);
    expect(pendingFor('hall')).toEqual([]);

    // The tent turns out to be the venue: its double booking goes.
    c.doc.upsertVendor({ id: 'tent', name: 'Tent Co', category: 'venue' });
    await waitFor(() => pendingFor('tent').length === 0, 'the venue’s conflict settled');
    expect(await overlaps('tent')).toEqual([]);
    expect(pendingFor('photo')).toHaveLength(1);

    // Other details of the wedding change nothing; its venue's name does: the photographer's
    // studio turns out to be the venue, and its double booking goes too.
    c.doc.setMeta({ title: 'Ana & Ben at the studio' });
    await c.whenAcknowledged();
    expect(await overlaps('photo')).toHaveLength(1);
    c.doc.setMeta({ venue: 'Lens & Light' });
    await waitFor(() => pendingFor('photo').length === 0, 'the new venue’s conflict settled');
    expect(await overlaps('photo')).toEqual([]);
  });
});
