import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';
import { caldavConnection, connect, nothingPending, startSandboxes } from './helpers.ts';

/*
 * CalDAV objects carry no time of the server's, so the hub orders its own reads and writes: a pull
 * begun before a push of the same object was answered, and applied after it, must not take the
 * object back to what the read saw. In CI (2026-12-07, PostgreSQL) a pull's read of the ceremony,
 * answered before the venue's calendar had the new time and applied after, moved the wedding's
 * ceremony back and the hub wrote the old time to the photographer's Google Calendar.
 */

const W = 'read-order';
const CEREMONY = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', location: 'Kew Gardens', category: 'ceremony' as const, vendorIds: ['v-venue'] };

async function venueCalendar() {
  const s = await startSandboxes();
  const t = await startTestServer({ env: { PULL_INTERVAL_MS: '300', RETRY_SCHEDULE_MS: '200,400,800', CONSISTENCY_AUDIT_INTERVAL_MS: '0' } });
  const planner = await t.token('planner', [W]);
  const client = await t.connect(W, planner);
  await client.whenSynced();
  client.doc.setMeta({ title: 'Sam & Alex', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens' });
  client.doc.upsertVendor({ id: 'v-venue', name: 'Kew Venue', category: 'venue', email: 'venue@sandbox.invalid' });
  await client.whenAcknowledged();
  await connect(t, planner, caldavConnection(s, W, { vendorId: 'v-venue' }, 'v-venue'));
  const object = () => s.caldav.objects('venue', 'events').find((o) => o.vevent.getFirstPropertyValue('summary') === 'Ceremony');
  const dtstart = () => object()?.vevent.getFirstProperty('dtstart')?.toICALString();
  const settled = () => nothingPending(t, W, planner);
  return { s, t, client, object, dtstart, settled };
}

describe('CalDAV reads and writes in order', () => {
  it('a pull’s read of our own new event, answered before the event was moved and applied after, does not move it back', async () => {
    const { s, client, dtstart, settled } = await venueCalendar();
    const starts: string[] = [];
    client.doc.ydoc.on('update', () => { const v = client.doc.getEvent('ceremony')?.start; if (v && starts.at(-1) !== v) starts.push(v); });

    // The planner adds the ceremony; the hub creates it in the venue's calendar. The next pull
    // lists it and reads it; that read is answered with the ceremony at 14:00, but held on its way.
    s.caldav.holdReads();
    client.doc.upsertEvent(CEREMONY);
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T140000', 'the ceremony in the venue’s calendar');
    await waitFor(() => s.caldav.heldReads >= 1, 'a pull’s read of it on its way');

    // The planner moves the ceremony by an hour: the hub writes it to the calendar.
    client.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T150000', 'the move in the venue’s calendar');

    // The read taken before the move arrives now. It must not take the ceremony back to 14:00.
    s.caldav.releaseReads();
    await waitFor(() => s.caldav.heldReads === 0, 'the read answered');
    await settled();
    expect(starts).toEqual(['2027-06-12T14:00:00+01:00', '2027-06-12T15:00:00+01:00']);
    expect(dtstart()).toBe('DTSTART;TZID=Europe/London:20270612T150000');
  });

  it('a pull’s read of the event, answered before the planner deleted it and applied after, does not bring it back', async () => {
    const { s, t, client, object, dtstart, settled } = await venueCalendar();
    const present: boolean[] = [];
    client.doc.ydoc.on('update', () => { const here = client.doc.getEvent('ceremony') !== undefined; if (present.at(-1) !== here) present.push(here); });
    s.caldav.holdReads();
    client.doc.upsertEvent(CEREMONY);
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T140000', 'the ceremony in the venue’s calendar');
    await waitFor(() => s.caldav.heldReads >= 1, 'a pull’s read of it on its way');

    // The planner deletes the ceremony: the hub deletes it from the calendar.
    client.doc.deleteEvent('ceremony');
    await waitFor(() => object() === undefined, 'the ceremony gone from the venue’s calendar');

    s.caldav.releaseReads();
    await waitFor(() => s.caldav.heldReads === 0, 'the read answered');
    await settled();
    expect(present).toEqual([true, false]);
    expect(object()).toBeUndefined();
    // The link kept to order that read is forgotten once a pull has read the deletion back.
    await waitFor(async () => await serverSql(t.server).value('SELECT count(*) FROM links WHERE entity = ? AND entity_id = ?', 'timeline', 'ceremony') === 0, 'the kept link forgotten');

    // The planner puts it back: it is created in the calendar again, and stays in the wedding.
    client.doc.upsertEvent(CEREMONY);
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T140000', 'the ceremony back in the venue’s calendar');
    await settled();
    expect(present).toEqual([true, false, true]);
    expect(s.caldav.objects('venue', 'events')).toHaveLength(1);
  });

  it('a deletion listed before the planner put the event back, and applied after, does not delete it again', async () => {
    const { s, client, object, dtstart, settled } = await venueCalendar();
    client.doc.upsertEvent(CEREMONY);
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T140000', 'the ceremony in the venue’s calendar');
    await settled();
    const present: boolean[] = [];
    client.doc.ydoc.on('update', () => { const here = client.doc.getEvent('ceremony') !== undefined; if (present.at(-1) !== here) present.push(here); });

    // The planner deletes the ceremony and, a moment later, puts it back; a pull's listing of the
    // deletion (held until after the event is back) must not take it out of the wedding again.
    client.doc.deleteEvent('ceremony');
    await waitFor(() => object() === undefined, 'the ceremony gone from the venue’s calendar');
    s.caldav.holdListings();
    await waitFor(() => s.caldav.heldListings >= 1, 'a pull’s listing of the deletion on its way');
    client.doc.upsertEvent(CEREMONY);
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T140000', 'the ceremony back in the venue’s calendar');
    s.caldav.releaseListings();
    await waitFor(() => s.caldav.heldListings === 0, 'the listing answered');
    await settled();
    expect(present).toEqual([false, true]);
    expect(object()).toBeDefined();
  });

  it('the venue’s own change, read by a pull begun after our write was answered, is taken in', async () => {
    const { s, client, object, dtstart, settled } = await venueCalendar();
    client.doc.upsertEvent(CEREMONY);
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T140000', 'the ceremony in the venue’s calendar');
    client.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    await waitFor(() => dtstart() === 'DTSTART;TZID=Europe/London:20270612T150000', 'the move in the venue’s calendar');
    await settled();

    // The venue renames the room in its calendar right after our write: the next pull brings it in.
    s.caldav.userEdit('venue', 'events', String(object()!.vevent.getFirstPropertyValue('uid')), (v) => v.updatePropertyWithValue('location', 'Temperate House'));
    await waitFor(() => client.doc.getEvent('ceremony')?.location === 'Temperate House', 'the venue’s change in the wedding');
    expect(client.doc.getEvent('ceremony')!.start).toBe('2027-06-12T15:00:00+01:00');
  });
});
