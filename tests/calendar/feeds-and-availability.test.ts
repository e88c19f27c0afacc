import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { eventKey } from '../../adapters/core/calendar.ts';
import type { CalendarStatusSection, Conflict, FeedCreated, FeedSummary, Overlap, StatusBody } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connect, googleConnection, startSandboxes } from './helpers.ts';

const json = { 'content-type': 'application/json' };

async function makeFeed(t: TestServer, token: string, body: Record<string, unknown>): Promise<Response> {
  return t.fetch('/api/calendar/feeds', { method: 'POST', token, headers: json, body: JSON.stringify(body) });
}

function vevents(ics: string): ICAL.Component[] {
  return new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent');
}

async function wedding(t: TestServer, id: string, token: string, events: Parameters<import('../../schema/index.ts').WeddingDoc['upsertEvent']>[0][]) {
  const c = await t.connect(id, token);
  await c.whenSynced();
  c.doc.setMeta({ title: `Wedding ${id}`, date: '2027-06-12', timezone: 'Europe/London' });
  c.doc.upsertVendor({ id: 'v-photo', name: 'Alex Photo', category: 'photographer', email: 'alex.photo@example.com' });
  c.doc.upsertVendor({ id: 'v-band', name: 'The Band', category: 'band', email: 'band@example.com' });
  for (const e of events) c.doc.upsertEvent(e);
  await c.whenAcknowledged();
  return c;
}

describe('ICS feeds', () => {
  it("a vendor's feed and the whole day's, fetched in turn, publish one SEQUENCE per event that rises only when the event changes", async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const c = await wedding(t, 'w1', planner, [
      { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', vendorIds: ['v-photo', 'v-band'], category: 'ceremony' },
    ]);
    const whole = new URL((await (await makeFeed(t, planner, { weddingId: 'w1' })).json() as FeedCreated).url).pathname;
    const photo = new URL((await (await makeFeed(t, planner, { weddingId: 'w1', vendorId: 'v-photo' })).json() as FeedCreated).url).pathname;
    const sequenceIn = async (path: string) => {
      const [event] = vevents(await (await t.fetch(path)).text());
      return { sequence: event!.getFirstPropertyValue('sequence'), attendees: event!.getAllProperties('attendee').map((a) => String(a.getFirstValue())) };
    };
    for (let round = 0; round < 3; round++) {
      expect(await sequenceIn(whole)).toEqual({ sequence: 0, attendees: ['mailto:alex.photo@example.com', 'mailto:band@example.com'] });
      // The photographer's audience does not hold the band's address: fewer attendees, same SEQUENCE.
      expect(await sequenceIn(photo)).toEqual({ sequence: 0, attendees: ['mailto:alex.photo@example.com'] });
    }
    c.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    await c.whenAcknowledged();
    for (let round = 0; round < 2; round++) {
      expect((await sequenceIn(photo)).sequence).toBe(1);
      expect((await sequenceIn(whole)).sequence).toBe(1);
    }
  });

  it('a subscribable secret URL per wedding and per vendor: stable UIDs, SEQUENCE that rises with changes, 304s, revocation', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const c = await wedding(t, 'w1', planner, [
      { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', location: 'Kew, London', vendorIds: ['v-photo'], category: 'ceremony', notes: 'Rings: best man; confetti after' },
      { id: 'first-dance', title: 'First dance', start: '2027-06-12T20:00:00+01:00', end: '2027-06-12T20:10:00+01:00', vendorIds: ['v-band'], category: 'first_dance' },
    ]);

    const res = await makeFeed(t, planner, { weddingId: 'w1', label: 'Family' });
    expect(res.status).toBe(201);
    const feed = await res.json() as FeedCreated;
    expect(feed.url).toMatch(/\/calendar\/wsf_[A-Za-z0-9_-]+\.ics$/);
    expect(feed.webcalUrl.startsWith('webcal://')).toBe(true);
    const path = new URL(feed.url).pathname;

    const first = await t.fetch(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await first.text();
    const cal = new ICAL.Component(ICAL.parse(ics));
    expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(cal.getFirstPropertyValue('x-wr-timezone')).toBe('Europe/London');
    expect(cal.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('Europe/London');
    const [ceremony, dance] = vevents(ics);
    expect(ceremony!.getFirstPropertyValue('uid')).toBe(`${eventKey('w1', 'ceremony')}@wedsync`);
    expect(ceremony!.getFirstPropertyValue('sequence')).toBe(0);
    expect(ceremony!.getFirstProperty('dtstart')!.toICALString()).toBe('DTSTART;TZID=Europe/London:20270612T140000');
    expect(ceremony!.getFirstPropertyValue('description')).toBe('Rings: best man; confetti after');
    expect(ceremony!.getFirstPropertyValue('location')).toBe('Kew, London');
    expect(String(ceremony!.getFirstPropertyValue('attendee'))).toBe('mailto:alex.photo@example.com');
    expect(dance!.getFirstPropertyValue('summary')).toBe('First dance');

    // Nothing changed: the same bytes, and a conditional request is answered 304.
    const etag = first.headers.get('etag')!;
    const again = await t.fetch(path);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await t.fetch(path, { headers: { 'if-none-match': etag } })).status).toBe(304);

    // The ceremony moves: same UID, SEQUENCE 1; the first dance is untouched (SEQUENCE 0).
    c.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    await c.whenAcknowledged();
    const moved = await t.fetch(path);
    expect(moved.headers.get('etag')).not.toBe(etag);
    const [ceremony2, dance2] = vevents(await moved.text());
    expect(ceremony2!.getFirstPropertyValue('uid')).toBe(ceremony!.getFirstPropertyValue('uid'));
    expect(ceremony2!.getFirstPropertyValue('sequence')).toBe(1);
    expect(ceremony2!.getFirstProperty('dtstart')!.toICALString()).toBe('DTSTART;TZID=Europe/London:20270612T150000');
    expect(dance2!.getFirstPropertyValue('sequence')).toBe(0);

    // A vendor's feed has only their events; vendors make only their own.
    const band = await t.token('vendor', ['w1'], { vendorId: 'v-band', sub: 'band-user' });
    expect((await makeFeed(t, band, { weddingId: 'w1', vendorId: 'v-photo' })).status).toBe(403);
    const bandFeed = await (await makeFeed(t, band, { weddingId: 'w1', vendorId: 'v-band' })).json() as FeedCreated;
    const bandEvents = vevents(await (await t.fetch(new URL(bandFeed.url).pathname)).text());
    expect(bandEvents.map((e) => e.getFirstPropertyValue('summary'))).toEqual(['First dance']);
    expect((await makeFeed(t, planner, { weddingId: 'w1', vendorId: 'v-nobody' })).status).toBe(404);
    const couple = await t.token('couple', ['w1']);
    expect((await makeFeed(t, couple, { weddingId: 'w1', vendorId: 'v-band' })).status).toBe(403);
    expect((await makeFeed(t, couple, { weddingId: 'w1' })).status).toBe(201);
    expect((await makeFeed(t, await t.token('planner', ['w2']), { weddingId: 'w1' })).status).toBe(403);

    // A deleted event leaves the feed (subscribed calendars drop it).
    c.doc.deleteEvent('first-dance');
    await c.whenAcknowledged();
    expect(vevents(await (await t.fetch(path)).text()).map((e) => e.getFirstPropertyValue('summary'))).toEqual(['Ceremony']);

    // Revoked: the URL is dead; the band sees only its own feed in the list.
    expect((await t.fetch(`/api/calendar/feeds/${feed.feedId}`, { method: 'DELETE', token: planner })).status).toBe(204);
    expect((await t.fetch(path)).status).toBe(404);
    expect((await t.fetch('/calendar/wsf_not-a-real-token-at-all-000000.ics')).status).toBe(404);
    const listed = await (await t.fetch('/api/calendar/feeds?weddingId=w1', { token: planner })).json() as { feeds: FeedSummary[] };
    expect(listed.feeds.find((f) => f.feedId === feed.feedId)!.revokedAt).not.toBeNull();
    expect(listed.feeds.find((f) => f.feedId === feed.feedId)!.lastFetchedAt).not.toBeNull();
    const bandList = await (await t.fetch('/api/calendar/feeds?weddingId=w1', { token: band })).json() as { feeds: FeedSummary[] };
    expect(bandList.feeds.map((f) => f.vendorId)).toEqual(['v-band']);
    // The contracts are in the OpenAPI document.
    const openapi = await (await t.fetch('/api/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/calendar/feeds', '/calendar/{token}.ics', '/api/integrations/calendar/conflicts', '/api/integrations/calendar/availability']));
  });
});

describe('availability and double-booking', () => {
  it('finds a vendor booked at two weddings, overlapping events of one wedding and clashes with their own calendar; records each once and settles it when it goes away', async () => {
    const s = await startSandboxes();
    const t = await startTestServer();
    const both = await t.token('planner', ['w-a', 'w-b']);
    const onlyA = await t.token('planner', ['w-a'], { sub: 'planner-a' });
    const a = await wedding(t, 'w-a', both, [
      { id: 'ceremony', title: 'Ceremony A', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', vendorIds: ['v-photo'], category: 'ceremony' },
      { id: 'photos', title: 'Photos A', start: '2027-06-12T14:45:00+01:00', end: '2027-06-12T15:30:00+01:00', vendorIds: ['v-photo'], category: 'photos' },
    ]);
    const b = await wedding(t, 'w-b', both, [
      { id: 'ceremony', title: 'Ceremony B', start: '2027-06-12T14:30:00+01:00', end: '2027-06-12T16:00:00+01:00', vendorIds: ['v-photo'], category: 'ceremony' },
    ]);
    // The photographer's own Google calendar: another client's shoot, a dentist appointment, and (once pushed) the wedding events.
    s.google.userInsert(s.googleCalendarId, { summary: 'Other client shoot', start: { dateTime: '2027-06-12T15:30:00+01:00' }, end: { dateTime: '2027-06-12T17:00:00+01:00' } });
    s.google.userInsert(s.googleCalendarId, { summary: 'Dentist', start: { dateTime: '2027-06-12T09:00:00+01:00' }, end: { dateTime: '2027-06-12T10:00:00+01:00' } });
    s.google.userInsert(s.googleCalendarId, { summary: 'Lunch (free)', transparency: 'transparent', start: { dateTime: '2027-06-12T12:00:00+01:00' }, end: { dateTime: '2027-06-12T13:00:00+01:00' } });
    await connect(t, both, googleConnection(s, 'w-a', { vendorId: 'v-photo' }, 'v-photo'));
    await waitFor(() => s.google.events(s.googleCalendarId).length === 5, 'the wedding events pushed to the photographer’s calendar');

    const conflicts = async (token: string, query = 'vendorId=v-photo') => {
      const res = await t.fetch(`/api/integrations/calendar/conflicts?${query}`, { token });
      return { status: res.status, body: await res.json() as { overlaps: Overlap[] } };
    };
    const all = (await conflicts(both)).body.overlaps;
    const describe = (o: Overlap) => [o.a, o.b].map((x) => (x.kind === 'wedding' ? `${x.weddingId}/${x.eventId}` : `${x.system}`)).sort().join(' + ');
    expect(all.map(describe).sort()).toEqual([
      'google-calendar + w-b/ceremony',
      'w-a/ceremony + w-a/photos',
      'w-a/ceremony + w-b/ceremony',
      'w-a/photos + w-b/ceremony',
    ]);
    // Others learn only that the photographer's own time is taken; the photographer sees what it is.
    const clash = all.find((o) => describe(o) === 'google-calendar + w-b/ceremony')!;
    const calSide = [clash.a, clash.b].find((x) => x.kind === 'calendar')!;
    expect(calSide.title).toBeNull();
    expect(clash.start).toBe('2027-06-12T14:30:00.000Z');
    expect(clash.end).toBe('2027-06-12T15:00:00.000Z');
    const photographer = await t.token('vendor', ['w-a', 'w-b'], { vendorId: 'v-photo', sub: 'alex' });
    const own = (await conflicts(photographer)).body.overlaps.find((o) => describe(o) === 'google-calendar + w-b/ceremony')!;
    expect([own.a, own.b].find((x) => x.kind === 'calendar')!.title).toBe('Other client shoot');

    // Each overlap is in the documents as a pending conflict, once: w-a on both its events, w-b on its ceremony.
    const pending = (cs: Conflict[]) => cs.filter((x) => x.status === 'pending' && x.source.startsWith('availability'));
    await waitFor(() => pending(a.doc.listConflicts()).length === 3 && pending(b.doc.listConflicts()).length === 3, 'conflicts recorded in both weddings');
    expect(pending(a.doc.listConflicts()).map((x) => x.entityId).sort()).toEqual(['ceremony', 'photos', 'photos']);
    const first = pending(b.doc.listConflicts())[0]!;
    expect(first).toMatchObject({ entity: 'timeline', entityId: 'ceremony', field: 'vendorIds', localValue: ['v-photo'], remoteValue: [], strategy: 'manual', winner: null });
    await conflicts(both);
    expect(pending(a.doc.listConflicts())).toHaveLength(3);

    // A planner of w-a alone sees w-a's overlaps; the other wedding stays anonymous.
    const seenByA = (await conflicts(onlyA)).body.overlaps;
    expect(seenByA).toHaveLength(3);
    const otherSide = seenByA.flatMap((o) => [o.a, o.b]).find((x) => x.kind === 'wedding' && x.weddingId === null);
    expect(otherSide).toMatchObject({ kind: 'wedding', weddingId: null, eventId: null, title: null });
    // …and in the status endpoint's calendar section.
    const status = await (await t.fetch('/api/integrations/status/w-a', { token: onlyA })).json() as StatusBody & { calendar: CalendarStatusSection };
    expect(status.calendar.overlaps).toHaveLength(3);
    expect(status.calendar.calendars).toMatchObject([{ system: 'google-calendar', vendorId: 'v-photo', syncDirection: 'bidirectional', importEvents: 'linked' }]);
    expect(status.calendar.calendars[0]!.busyRefreshedAt).not.toBeNull();

    // Availability: bookings at both weddings and the photographer's own busy blocks (not the free lunch, not our own pushed copies).
    const avail = await (await t.fetch('/api/integrations/calendar/availability?vendorId=v-photo&from=2027-06-12T00:00:00Z&to=2027-06-13T00:00:00Z', { token: both })).json() as { busy: { source: string; title: string | null; weddingId: string | null }[] };
    expect(avail.busy.map((x) => `${x.source}:${x.weddingId ?? '-'}`)).toEqual(['calendar:-', 'wedding:w-a', 'wedding:w-b', 'wedding:w-a', 'calendar:-']);

    // Who may ask.
    expect((await conflicts(await t.token('vendor', ['w-a'], { vendorId: 'v-band' }))).status).toBe(403);
    expect((await conflicts(await t.token('adapter', ['w-a']))).status).toBe(403);

    // w-b moves its ceremony to the evening: three overlaps go, and so do their pending conflicts.
    b.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T18:00:00+01:00', end: '2027-06-12T19:00:00+01:00' });
    await waitFor(() => pending(b.doc.listConflicts()).length === 0, 'w-b’s conflicts settled');
    expect(b.doc.listConflicts().every((x) => x.resolvedBy === 'system:overlap-cleared' && x.winner === 'local')).toBe(true);
    await waitFor(() => pending(a.doc.listConflicts()).length === 1, 'only w-a’s own overlap left pending');
    expect((await conflicts(both)).body.overlaps.map(describe)).toEqual(['w-a/ceremony + w-a/photos']);

    // The planner settles the last one by taking the photographer off the photos (the conflict's proposal).
    const last = pending(a.doc.listConflicts())[0]!;
    const resolved = await t.fetch(`/api/integrations/wedding/w-a/conflicts/${last.id}/resolve`, { method: 'POST', token: both, headers: json, body: JSON.stringify({ winner: 'remote' }) });
    expect(resolved.status).toBe(200);
    await waitFor(() => a.doc.getEvent('photos')?.vendorIds.length === 0, 'the photographer off the photos');
    await waitFor(async () => (await conflicts(both)).body.overlaps.length === 0, 'no overlaps left');
  });

  it("leaves out another business's calendar bound to a wedding the caller does not open, though its vendor entry has the same id", async () => {
    const s = await startSandboxes();
    const t = await startTestServer();
    const plannerA = await t.token('planner', ['w-a'], { sub: 'planner-a' });
    const plannerZ = await t.token('planner', ['w-z'], { sub: 'planner-z' });
    await wedding(t, 'w-a', plannerA, []);
    await wedding(t, 'w-z', plannerZ, []);
    // Each wedding's `v-photo` is a different photographer, each with a calendar of their own.
    const other = s.google.addCalendar({ id: 'olly.photo@example.com', summary: 'Olly', timeZone: 'Europe/London' });
    s.google.userInsert(s.googleCalendarId, { summary: 'Other client shoot', start: { dateTime: '2027-06-12T15:30:00+01:00' }, end: { dateTime: '2027-06-12T17:00:00+01:00' } });
    s.google.userInsert(other, { summary: 'Private consult with the Haddad family', start: { dateTime: '2027-06-12T10:00:00+01:00' }, end: { dateTime: '2027-06-12T11:00:00+01:00' } });
    await connect(t, plannerA, googleConnection(s, 'w-a', { vendorId: 'v-photo' }, 'v-photo'));
    const olly = await connect(t, plannerZ, googleConnection(s, 'w-z', { vendorId: 'v-photo', calendarId: other }, 'v-photo'));
    const busy = async (token: string) => {
      const res = await t.fetch('/api/integrations/calendar/availability?vendorId=v-photo&from=2027-06-12T00:00:00Z&to=2027-06-13T00:00:00Z', { token });
      expect(res.status).toBe(200);
      return { text: JSON.stringify(await res.clone().json()), body: await res.json() as { busy: { start: string; source: string; title: string | null; integrationId: string | null }[] } };
    };
    const alex = await t.token('vendor', ['w-a'], { vendorId: 'v-photo', sub: 'alex' });
    await waitFor(async () => (await busy(alex)).body.busy.some((b) => b.title === 'Other client shoot'), 'the first photographer\'s own block');
    for (const token of [alex, plannerA]) {
      const { text, body } = await busy(token);
      expect(text).not.toContain('Haddad');
      expect(text).not.toContain(olly.connectionId);
      expect(body.busy.map((b) => b.start)).toEqual(['2027-06-12T14:30:00.000Z']);
    }
    // The planner of the first wedding learns only that its photographer's time is taken.
    expect((await busy(plannerA)).body.busy).toMatchObject([{ source: 'calendar', title: null, integrationId: null }]);
    // The other photographer sees their own, and nothing of the first one's.
    const ollysOwn = await t.token('vendor', ['w-z'], { vendorId: 'v-photo', sub: 'olly' });
    const theirs = await busy(ollysOwn);
    expect(theirs.body.busy.map((b) => b.title)).toEqual(['Private consult with the Haddad family']);
    expect(theirs.text).not.toContain('Other client shoot');
  });
});

