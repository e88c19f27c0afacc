import { describe, expect, it } from 'vitest';
import type { WeddingConnection } from '../../client/sdk/node.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { caldavConnection, connect, googleConnection, nothingPending, outlookConnection, sameInstant, startSandboxes, type CalendarSandboxes } from './helpers.ts';

/**
 * The stories, end to end: the real server, the SDK as the planner's browser, and each
 * calendar system's real client library (googleapis, Graph over HTTPS, tsdav) against its sandbox.
 */

const W = 'smith-jones';
const CEREMONY = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', location: 'Kew Gardens', category: 'ceremony' as const, vendorIds: ['v-photo', 'v-venue', 'v-florist'] };
const PHOTOS = { id: 'photos', title: 'Family photos', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00', location: 'The lawn', category: 'photos' as const, vendorIds: ['v-photo'] };
const RECEPTION = { id: 'reception', title: 'Reception', start: '2027-06-12T18:00:00+01:00', end: '2027-06-12T23:00:00+01:00', location: 'Orangery', category: 'reception' as const, vendorIds: ['v-venue', 'v-florist'] };

interface World { t: TestServer; s: CalendarSandboxes; planner: string; client: WeddingConnection; google: string; outlook: string; caldav: string }

/**
 * A wedding in Europe/London with three vendors, each with their own calendar: the photographer on
 * Google Calendar (in New York), the florist on Outlook, the venue on a CalDAV server.
 */
async function world(): Promise<World> {
  const s = await startSandboxes();
  const t = await startTestServer({ env: { PULL_INTERVAL_MS: '400', RETRY_SCHEDULE_MS: '200,400,800' } });
  const planner = await t.token('planner', [W]);
  const client = await t.connect(W, planner);
  await client.whenSynced();
  client.doc.setMeta({ title: 'Sam & Alex', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens' });
  client.doc.upsertVendor({ id: 'v-photo', name: 'Alex Photo', category: 'photographer', email: 'alex.photo@example.com' });
  client.doc.upsertVendor({ id: 'v-florist', name: 'Bloom & Co', category: 'florist', email: 'florist@contoso.com' });
  client.doc.upsertVendor({ id: 'v-venue', name: 'Kew Venue', category: 'venue', email: 'venue@sandbox.invalid' });
  await client.whenAcknowledged();
  const google = (await connect(t, planner, googleConnection(s, W, { vendorId: 'v-photo' }, 'v-photo'))).integrationId;
  const outlook = (await connect(t, planner, outlookConnection(s, W, { vendorId: 'v-florist', categories: ['ceremony', 'reception', 'meal'] }, 'v-florist'))).integrationId;
  const caldav = (await connect(t, planner, caldavConnection(s, W, { vendorId: 'v-venue' }, 'v-venue'))).integrationId;
  return { t, s, planner, client, google, outlook, caldav };
}

const googleEvent = (w: World, title: string) => w.s.google.events(w.s.googleCalendarId).find((e) => e.summary === title);
const outlookEvent = (w: World, title: string) => w.s.graph.events(w.s.graphUser).find((e) => e.subject === title);
const caldavEvent = (w: World, title: string) => w.s.caldav.objects('venue', 'events').find((o) => o.vevent.getFirstPropertyValue('summary') === title);
const caldavStart = (o: ReturnType<typeof caldavEvent>) => o?.vevent.getFirstProperty('dtstart')?.toICALString();

/** Every inbox row applied and every push delivered, for every integration of the wedding. */
async function settled(w: World): Promise<void> {
  await nothingPending(w.t, W, w.planner);
}

/**
 * Google's notifications held, the photographer moves Family photos to 17:00 in Google while the
 * planner moves it to 16:00 with notes here. Our push meets a changed etag (412), re-reads, writes
 * the notes and leaves Google's times; resolves with the Google event's id once the notes are there.
 */
async function bothSidesMovePhotos(w: World): Promise<string> {
  const id = googleEvent(w, 'Family photos')!.id!;
  w.s.google.pauseNotifications();
  w.s.google.userPatch(w.s.googleCalendarId, id, { start: { dateTime: '2027-06-12T17:00:00+01:00', timeZone: 'Europe/London' }, end: { dateTime: '2027-06-12T17:30:00+01:00', timeZone: 'Europe/London' } });
  w.client.doc.upsertEvent({ id: 'photos', start: '2027-06-12T16:00:00+01:00', end: '2027-06-12T16:30:00+01:00', notes: 'Grandparents first' });
  await waitFor(() => w.s.google.event(w.s.googleCalendarId, id)?.description === 'Grandparents first', 'the notes in Google');
  return id;
}

/** Google's writes so far, one line each: method, path, status and the start of the body. */
function googleWriteLines(w: World): string[] {
  return w.s.google.writes(w.s.googleCalendarId).map((r) => `${r.method} ${r.path} → ${r.status} ${r.body.slice(0, 160)}`);
}

/** The wedding's conflict on the photos' start, as the planner's conflicts API lists it (waits for it). */
async function photosStartConflict(w: World) {
  return waitFor(async () => {
    const res = await w.t.fetch(`/api/integrations/wedding/${W}/conflicts`, { token: w.planner });
    return ((await res.json()) as { conflicts: { entityId: string; field: string; localValue: unknown; remoteValue: unknown; winner: string | null }[] }).conflicts.find((c) => c.entityId === 'photos' && c.field === 'start');
  }, 'the conflict on the photos’ start');
}

async function timelineInEveryCalendar(w: World): Promise<void> {
  w.client.doc.upsertEvent(CEREMONY);
  w.client.doc.upsertEvent(PHOTOS);
  w.client.doc.upsertEvent(RECEPTION);
  await waitFor(() => googleEvent(w, 'Ceremony') && googleEvent(w, 'Family photos'), 'the photographer’s events in Google Calendar');
  await waitFor(() => outlookEvent(w, 'Ceremony') && outlookEvent(w, 'Reception'), 'the florist’s events in Outlook');
  await waitFor(() => caldavEvent(w, 'Ceremony') && caldavEvent(w, 'Reception'), 'the venue’s events on the CalDAV server');
}

describe('calendar sync stories', () => {
  it('a timeline created → events appear in every connected calendar; the ceremony moved in the SDK → every calendar updated', async () => {
    const w = await world();
    // Each integration announced itself: Google's channel said `sync`, Graph validated our URL.
    await waitFor(() => w.s.google.notifications.some((n) => n.state === 'sync' && n.status === 200), 'the watch channel’s sync message, answered');
    expect(w.s.graph.subscriptions()).toHaveLength(1);

    await timelineInEveryCalendar(w);
    // Each calendar carries what it is set up for: the photographer's events, the florist's categories.
    expect(googleEvent(w, 'Reception')).toBeUndefined();
    expect(outlookEvent(w, 'Family photos')).toBeUndefined();
    const g = googleEvent(w, 'Ceremony')!;
    expect(g.start).toEqual({ dateTime: '2027-06-12T14:00:00+01:00', timeZone: 'Europe/London' });
    expect(g.location).toBe('Kew Gardens');
    expect(g.attendees?.map((a) => a.email).sort()).toEqual(['alex.photo@example.com', 'florist@contoso.com', 'venue@sandbox.invalid']);
    expect(g.id).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(outlookEvent(w, 'Ceremony')!.start).toEqual({ dateTime: '2027-06-12T14:00:00', timeZone: 'Europe/London' });
    expect(outlookEvent(w, 'Ceremony')!.categories).toEqual(['WedSync: Ceremony']);
    expect(caldavStart(caldavEvent(w, 'Ceremony'))).toBe('DTSTART;TZID=Europe/London:20270612T140000');

    // The venue moves the ceremony by an hour in the planner app (the SDK).
    w.client.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    await waitFor(() => sameInstant(googleEvent(w, 'Ceremony')?.start?.dateTime, '2027-06-12T15:00:00+01:00'), 'Google Calendar updated');
    await waitFor(() => outlookEvent(w, 'Ceremony')?.start?.dateTime === '2027-06-12T15:00:00', 'Outlook updated');
    await waitFor(() => caldavStart(caldavEvent(w, 'Ceremony')) === 'DTSTART;TZID=Europe/London:20270612T150000', 'CalDAV updated');
    // An update, not a second event; SEQUENCE went up on the CalDAV copy.
    expect(w.s.google.events(w.s.googleCalendarId).filter((e) => e.summary === 'Ceremony')).toHaveLength(1);
    expect(w.s.caldav.objects('venue', 'events')).toHaveLength(2);
    expect(Number(caldavEvent(w, 'Ceremony')!.vevent.getFirstPropertyValue('sequence'))).toBeGreaterThan(0);
    // Writes carried the etag they were based on.
    expect(w.s.google.writes(w.s.googleCalendarId).filter((r) => r.method === 'PATCH').every((r) => r.headers['if-match'])).toBe(true);
    expect(w.s.caldav.writes('venue', 'events').filter((r) => r.method === 'PUT').every((r) => r.headers['if-match'] || r.headers['if-none-match'] === '*')).toBe(true);
  });

  it('an event moved in Google Calendar → the timeline, then Outlook and CalDAV; nothing is echoed back to Google', async () => {
    const w = await world();
    await timelineInEveryCalendar(w);
    await settled(w);
    const googleWrites = googleWriteLines(w);

    // The photographer, in New York, drags the ceremony to 16:00 London time (11:00 in New York).
    const id = googleEvent(w, 'Ceremony')!.id!;
    w.s.google.userPatch(w.s.googleCalendarId, id, { start: { dateTime: '2027-06-12T11:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-06-12T11:45:00-04:00', timeZone: 'America/New_York' } });

    await waitFor(() => w.client.doc.getEvent('ceremony')?.start === '2027-06-12T16:00:00+01:00', 'the timeline (in the wedding’s zone)');
    expect(w.client.doc.getEvent('ceremony')!.end).toBe('2027-06-12T16:45:00+01:00');
    await waitFor(() => outlookEvent(w, 'Ceremony')?.start?.dateTime === '2027-06-12T16:00:00', 'Outlook');
    await waitFor(() => caldavStart(caldavEvent(w, 'Ceremony')) === 'DTSTART;TZID=Europe/London:20270612T160000', 'CalDAV');
    // Settled, and Google was not written to again: its own change did not come back to it.
    await settled(w);
    // Compared line by line, so a failure says which write came back (method, path, status, body).
    expect(googleWriteLines(w)).toEqual(googleWrites);
  });

  it('offline edits on both sides merge: the planner renames the ceremony offline while the photographer changes its place in Google', async () => {
    const w = await world();
    await timelineInEveryCalendar(w);
    const id = googleEvent(w, 'Ceremony')!.id!;

    w.client.disconnect();
    w.client.doc.upsertEvent({ id: 'ceremony', title: 'Wedding ceremony' });
    w.s.google.userPatch(w.s.googleCalendarId, id, { location: 'Temperate House, Kew' });
    // The server hears about Google's change while the planner is still offline.
    const server = await w.t.connect(W, w.planner);
    await server.whenSynced();
    await waitFor(() => server.doc.getEvent('ceremony')?.location === 'Temperate House, Kew', 'Google’s change in the document');

    w.client.connect();
    await w.client.whenAcknowledged();
    await waitFor(() => {
      const e = w.client.doc.getEvent('ceremony');
      return e?.title === 'Wedding ceremony' && e.location === 'Temperate House, Kew';
    }, 'both edits in the timeline');
    await waitFor(() => w.s.google.event(w.s.googleCalendarId, id)?.summary === 'Wedding ceremony', 'the new name in Google');
    expect(w.s.google.event(w.s.googleCalendarId, id)!.location).toBe('Temperate House, Kew');
    await waitFor(() => outlookEvent(w, 'Wedding ceremony')?.location?.displayName === 'Temperate House, Kew', 'both in Outlook');
    await waitFor(() => caldavEvent(w, 'Wedding ceremony')?.vevent.getFirstPropertyValue('location') === 'Temperate House, Kew', 'both on CalDAV');
  });

  it('both sides move the same event while Google cannot reach us: the 412 merge keeps Google’s change, the conflict is recorded with both values', async () => {
    const w = await world();
    await timelineInEveryCalendar(w);
    const id = await bothSidesMovePhotos(w);
    expect(w.s.google.requests.some((r) => r.method === 'PATCH' && r.status === 412)).toBe(true);
    expect(sameInstant(w.s.google.event(w.s.googleCalendarId, id)!.start!.dateTime, '2027-06-12T17:00:00+01:00')).toBe(true);

    w.s.google.resumeNotifications();
    const conflict = await photosStartConflict(w);
    expect(sameInstant(String(conflict.localValue), '2027-06-12T16:00:00+01:00')).toBe(true);
    expect(sameInstant(String(conflict.remoteValue), '2027-06-12T17:00:00+01:00')).toBe(true);
    // Default strategy (crdt): the later, external write stands everywhere.
    expect(conflict.winner).toBe('remote');
    await waitFor(() => sameInstant(w.client.doc.getEvent('photos')?.start, '2027-06-12T17:00:00+01:00'), 'Google’s time in the timeline');
    expect(w.client.doc.getEvent('photos')!.notes).toBe('Grandparents first');
  });

  it('a second edit before Google’s change has come in merges again: Google’s time is not overwritten, and the conflict still comes', async () => {
    const w = await world();
    await timelineInEveryCalendar(w);
    await settled(w);
    const id = await bothSidesMovePhotos(w);
    // The planner edits again while Google's move has not come in yet: the push of it (all of the
    // event, times included) must not take Google's times back to ours.
    const refusedBefore = w.s.google.requests.filter((r) => r.method === 'PATCH' && r.status === 412).length;
    w.client.doc.upsertEvent({ id: 'photos', notes: 'Grandparents first, then the bridesmaids' });
    await waitFor(() => w.s.google.event(w.s.googleCalendarId, id)?.description === 'Grandparents first, then the bridesmaids', 'the second notes in Google');
    expect(sameInstant(w.s.google.event(w.s.googleCalendarId, id)!.start!.dateTime, '2027-06-12T17:00:00+01:00')).toBe(true);
    // It was refused (412) and merged again, like the first.
    expect(w.s.google.requests.filter((r) => r.method === 'PATCH' && r.status === 412).length).toBeGreaterThan(refusedBefore);

    w.s.google.resumeNotifications();
    const conflict = await photosStartConflict(w);
    expect(sameInstant(String(conflict.remoteValue), '2027-06-12T17:00:00+01:00')).toBe(true);
    await waitFor(() => sameInstant(w.client.doc.getEvent('photos')?.start, '2027-06-12T17:00:00+01:00'), 'Google’s time in the timeline');
    await settled(w);
    expect(sameInstant(w.s.google.event(w.s.googleCalendarId, id)!.start!.dateTime, '2027-06-12T17:00:00+01:00')).toBe(true);
  });

  it('DST boundary: a London wedding’s setup across the clock change, moved by a vendor whose calendar is in New York', async () => {
    const w = await world();
    // 00:30 GMT to 03:30 BST on 28 March 2027 is two hours: the clocks go forward at 01:00 GMT.
    w.client.doc.upsertEvent({ id: 'setup', title: 'Marquee setup', start: '2027-03-28T00:30:00+00:00', end: '2027-03-28T03:30:00+01:00', category: 'vendor_setup', vendorIds: ['v-photo', 'v-venue'] });
    await waitFor(() => googleEvent(w, 'Marquee setup') && caldavEvent(w, 'Marquee setup'), 'the setup in Google and CalDAV');
    const g = googleEvent(w, 'Marquee setup')!;
    expect(g.start).toEqual({ dateTime: '2027-03-28T00:30:00+00:00', timeZone: 'Europe/London' });
    expect(g.end).toEqual({ dateTime: '2027-03-28T03:30:00+01:00', timeZone: 'Europe/London' });
    const c = caldavEvent(w, 'Marquee setup')!;
    expect(caldavStart(c)).toBe('DTSTART;TZID=Europe/London:20270328T003000');
    expect(c.vevent.getFirstProperty('dtend')!.toICALString()).toBe('DTEND;TZID=Europe/London:20270328T033000');
    expect(c.data).toContain('TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100');

    // New York is already on summer time (since 14 March): 21:30 EDT on the 27th is 01:30 UTC, 02:30 BST.
    w.s.google.userPatch(w.s.googleCalendarId, g.id!, { start: { dateTime: '2027-03-27T21:30:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-03-27T23:30:00-04:00', timeZone: 'America/New_York' } });
    await waitFor(() => w.client.doc.getEvent('setup')?.start === '2027-03-28T02:30:00+01:00', 'the timeline, in London time after the change');
    expect(w.client.doc.getEvent('setup')!.end).toBe('2027-03-28T04:30:00+01:00');
    await waitFor(() => caldavStart(caldavEvent(w, 'Marquee setup')) === 'DTSTART;TZID=Europe/London:20270328T023000', 'CalDAV in London wall time');
  });
});
