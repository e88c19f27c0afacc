import { describe, expect, it } from 'vitest';
import type { BusyBlock } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { caldavConnection, connect, googleConnection, outlookConnection, sameInstant, startSandboxes, type CalendarSandboxes } from './helpers.ts';

/** Recurring events, VTIMEZONEs and all-day events from each calendar system, through the real server. */

const W = 'w-recur';

async function server(): Promise<{ t: TestServer; s: CalendarSandboxes; planner: string }> {
  const s = await startSandboxes();
  const t = await startTestServer({ env: { PULL_INTERVAL_MS: '60000' } });
  const planner = await t.token('planner', [W]);
  const c = await t.connect(W, planner);
  await c.whenSynced();
  c.doc.setMeta({ title: 'Recurring', timezone: 'Europe/London', date: '2027-06-12' });
  c.doc.upsertVendor({ id: 'v-venue', name: 'The Venue', category: 'venue', email: 'venue@example.com' });
  await c.whenAcknowledged();
  return { t, s, planner };
}

const ics = (...vevent: string[][]) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 15//EN',
  'BEGIN:VTIMEZONE', 'TZID:Europe/London',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0100', 'DTSTART:19810329T010000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0000', 'DTSTART:19961027T020000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
  ...vevent.flatMap((v) => ['BEGIN:VEVENT', 'DTSTAMP:20261101T000000Z', ...v, 'END:VEVENT']),
  'END:VCALENDAR', '',
].join('\r\n');

async function availability(t: TestServer, token: string, from: string, to: string) {
  const res = await t.fetch(`/api/integrations/calendar/availability?vendorId=v-venue&from=${from}&to=${to}`, { token });
  expect(res.status).toBe(200);
  return (await res.json() as { busy: BusyBlock[] }).busy.filter((b) => b.source === 'calendar').map((b) => `${new Date(b.start).toISOString()}/${new Date(b.end).toISOString()}`);
}

describe('CalDAV recurring events', () => {
  it('a weekly series (COUNT=4) whose first date is excluded is imported at 2027-06-12T10:00:00+01:00; a cancelled and a moved first occurrence too', async () => {
    const { t, s, planner } = await server();
    const weekly = ['DTSTART;TZID=Europe/London:20270605T100000', 'DTEND;TZID=Europe/London:20270605T110000', 'RRULE:FREQ=WEEKLY;COUNT=4'];
    s.caldav.userPut('venue', 'events', 'visits.ics', ics(['UID:visits@icloud.com', 'SUMMARY:Site visit', ...weekly, 'EXDATE;TZID=Europe/London:20270605T100000']));
    s.caldav.userPut('venue', 'events', 'tastings.ics', ics(['UID:tastings@icloud.com', 'SUMMARY:Tasting', ...weekly],
      ['UID:tastings@icloud.com', 'RECURRENCE-ID;TZID=Europe/London:20270605T100000', 'DTSTART;TZID=Europe/London:20270605T100000', 'DTEND;TZID=Europe/London:20270605T110000', 'STATUS:CANCELLED']));
    s.caldav.userPut('venue', 'events', 'fittings.ics', ics(['UID:fittings@icloud.com', 'SUMMARY:Fitting', ...weekly],
      ['UID:fittings@icloud.com', 'RECURRENCE-ID;TZID=Europe/London:20270605T100000', 'SUMMARY:Fitting', 'DTSTART;TZID=Europe/London:20270603T153000', 'DTEND;TZID=Europe/London:20270603T163000']));
    await connect(t, planner, caldavConnection(s, W, { importEvents: 'all', syncDirection: 'inbound' }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 3, 'three imported series');
    const byTitle = Object.fromEntries(c.doc.listEvents().map((e) => [e.title, e]));
    expect([byTitle['Site visit']!.start, byTitle['Site visit']!.end]).toEqual(['2027-06-12T10:00:00+01:00', '2027-06-12T11:00:00+01:00']);
    expect(byTitle.Tasting!.start).toBe('2027-06-12T10:00:00+01:00');
    expect([byTitle.Fitting!.start, byTitle.Fitting!.end]).toEqual(['2027-06-03T15:30:00+01:00', '2027-06-03T16:30:00+01:00']);
  });

  it('a vendor’s daily series 10:00–11:00 London since 2020-01-01 with no end makes them busy 09:00Z–10:00Z on 2027-06-12', async () => {
    const { t, s, planner } = await server();
    s.caldav.userPut('venue', 'events', 'daily.ics', ics(['UID:daily@icloud.com', 'SUMMARY:Other client', 'DTSTART;TZID=Europe/London:20200101T100000', 'DTEND;TZID=Europe/London:20200101T110000', 'RRULE:FREQ=DAILY']));
    // Moved on the 13th, cancelled on the 14th: the calendar's exceptions count too.
    s.caldav.userPut('venue', 'events', 'weekly.ics', ics(['UID:weekly@icloud.com', 'SUMMARY:Staff meeting', 'DTSTART;TZID=Europe/London:20250106T080000', 'DTEND;TZID=Europe/London:20250106T083000', 'RRULE:FREQ=DAILY;INTERVAL=1'],
      ['UID:weekly@icloud.com', 'RECURRENCE-ID;TZID=Europe/London:20270613T080000', 'DTSTART;TZID=Europe/London:20270613T120000', 'DTEND;TZID=Europe/London:20270613T123000'],
      ['UID:weekly@icloud.com', 'RECURRENCE-ID:20270614T070000Z', 'DTSTART;TZID=Europe/London:20270614T080000', 'DTEND;TZID=Europe/London:20270614T083000', 'STATUS:CANCELLED']));
    await connect(t, planner, caldavConnection(s, W, { syncDirection: 'outbound' }, 'v-venue'));
    expect(await availability(t, planner, '2027-06-12T00:00:00Z', '2027-06-13T00:00:00Z')).toEqual(['2027-06-12T07:00:00.000Z/2027-06-12T07:30:00.000Z', '2027-06-12T09:00:00.000Z/2027-06-12T10:00:00.000Z']);
    expect(await availability(t, planner, '2027-06-13T00:00:00Z', '2027-06-15T00:00:00Z')).toEqual([
      '2027-06-13T09:00:00.000Z/2027-06-13T10:00:00.000Z', '2027-06-13T11:00:00.000Z/2027-06-13T11:30:00.000Z', '2027-06-14T09:00:00.000Z/2027-06-14T10:00:00.000Z',
    ]);
  });
});

describe('all-day events, read in the event’s own zone', () => {
  it('the same all-day event on 2027-06-12 from a New York Google calendar and an Outlook event in "Eastern Standard Time" starts at 04:00Z and ends at 04:00Z the next day', async () => {
    const { t, s, planner } = await server();
    s.google.userInsert(s.googleCalendarId, { summary: 'Venue closed (Google)', start: { date: '2027-06-12' }, end: { date: '2027-06-13' } });
    s.graph.userCreate(s.graphUser, { subject: 'Venue closed (Outlook)', isAllDay: true, start: { dateTime: '2027-06-12T00:00:00', timeZone: 'Eastern Standard Time' }, end: { dateTime: '2027-06-13T00:00:00', timeZone: 'Eastern Standard Time' } });
    await connect(t, planner, googleConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', watch: false }));
    await connect(t, planner, outlookConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', subscribe: false }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 2, 'both all-day events imported');
    for (const e of c.doc.listEvents()) {
      expect(sameInstant(e.start, '2027-06-12T04:00:00Z'), `${e.title} starts ${e.start}`).toBe(true);
      expect(sameInstant(e.end, '2027-06-13T04:00:00Z'), `${e.title} ends ${e.end}`).toBe(true);
    }
  });

  it('CalDAV: an all-day date (floating) is the day in the calendar’s calendar-timezone, New York here, for import and busy time', async () => {
    const { t, s, planner } = await server();
    s.caldav.addCalendar('venue', { id: 'ny', displayName: 'Venue NY', timeZone: 'America/New_York' });
    s.caldav.userPut('venue', 'ny', 'closed.ics', ics(['UID:closed@icloud.com', 'SUMMARY:Venue closed', 'DTSTART;VALUE=DATE:20270612', 'DTEND;VALUE=DATE:20270613']));
    s.caldav.userPut('venue', 'ny', 'yearly.ics', ics(['UID:yearly@icloud.com', 'SUMMARY:Inventory day', 'DTSTART;VALUE=DATE:20200614', 'RRULE:FREQ=YEARLY']));
    const made = await connect(t, planner, caldavConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', calendarName: 'Venue NY' }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 2, 'both all-day events imported');
    const closed = c.doc.listEvents().find((e) => e.title === 'Venue closed')!;
    expect(sameInstant(closed.start, '2027-06-12T04:00:00Z') && sameInstant(closed.end, '2027-06-13T04:00:00Z'), `${closed.start}–${closed.end}`).toBe(true);

    // The calendar is the venue's: its busy time is the venue's availability (a second connection of it is refused, same-remote.ts).
    const vendor = await t.fetch(`/api/connections/${made.connectionId}/bindings/${W}/vendor`, { method: 'PUT', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendorId: 'v-venue' }) });
    expect(vendor.status, await vendor.clone().text()).toBe(200);
    expect(await availability(t, planner, '2027-06-12T00:00:00Z', '2027-06-15T00:00:00Z')).toEqual(['2027-06-12T04:00:00.000Z/2027-06-13T04:00:00.000Z', '2027-06-14T04:00:00.000Z/2027-06-15T04:00:00.000Z']);
  });

  it('CalDAV: a calendar chosen anew is read in its own zone: moved from New York to a calendar with no calendar-timezone, an all-day date is the configured zone’s (London) day', async () => {
    const { t, s, planner } = await server();
    s.caldav.addCalendar('venue', { id: 'ny', displayName: 'Venue NY', timeZone: 'America/New_York' });
    s.caldav.addCalendar('venue', { id: 'plain', displayName: 'Venue plain', timeZone: null });
    s.caldav.userPut('venue', 'ny', 'closed.ics', ics(['UID:closed@icloud.com', 'SUMMARY:Venue closed', 'DTSTART;VALUE=DATE:20270612', 'DTEND;VALUE=DATE:20270613']));
    s.caldav.userPut('venue', 'plain', 'open.ics', ics(['UID:open@icloud.com', 'SUMMARY:Open day', 'DTSTART;VALUE=DATE:20270619', 'DTEND;VALUE=DATE:20270620']));
    const made = await connect(t, planner, caldavConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', calendarName: 'Venue NY', timeZone: 'Europe/London' }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().some((e) => e.title === 'Venue closed'), 'the New York calendar imported');
    const closed = c.doc.listEvents().find((e) => e.title === 'Venue closed')!;
    expect(sameInstant(closed.start, '2027-06-12T04:00:00Z'), closed.start).toBe(true);

    const json = { 'content-type': 'application/json' };
    const moved = await t.fetch(`/api/connections/${made.connectionId}`, { method: 'PATCH', token: planner, headers: json, body: JSON.stringify({ configuration: { calendarName: 'Venue plain' } }) });
    expect(moved.status, await moved.clone().text()).toBe(200);
    expect((await t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token: planner, headers: json, body: JSON.stringify({ syncType: 'full' }) })).status).toBe(200);
    await waitFor(() => c.doc.listEvents().some((e) => e.title === 'Open day'), 'the calendar chosen anew imported');
    const open = c.doc.listEvents().find((e) => e.title === 'Open day')!;
    // Not New York's 04:00Z: the zone of the calendar found first is not kept for the next.
    expect(sameInstant(open.start, '2027-06-18T23:00:00Z') && sameInstant(open.end, '2027-06-19T23:00:00Z'), `${open.start}–${open.end}`).toBe(true);
  });

  it('busy time: the Outlook all-day event as calendarView returns it (labelled UTC) is New York’s day', async () => {
    const { t, s, planner } = await server();
    s.graph.userCreate(s.graphUser, { subject: 'Venue closed', isAllDay: true, start: { dateTime: '2027-06-12T00:00:00', timeZone: 'Eastern Standard Time' }, end: { dateTime: '2027-06-13T00:00:00', timeZone: 'Eastern Standard Time' } });
    await connect(t, planner, outlookConnection(s, W, { syncDirection: 'outbound', subscribe: false }, 'v-venue'));
    expect(await availability(t, planner, '2027-06-12T00:00:00Z', '2027-06-14T00:00:00Z')).toEqual(['2027-06-12T04:00:00.000Z/2027-06-13T04:00:00.000Z']);
  });
});

describe('Google recurring events', () => {
  it('singleEvents: each instance is its own event; an EXDATE, a cancelled instance and a moved one come through, and a later cancellation deletes', async () => {
    const { t, s, planner } = await server();
    const master = s.google.userInsert(s.googleCalendarId, {
      summary: 'Rehearsal', start: { dateTime: '2027-06-05T10:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-06-05T11:00:00-04:00', timeZone: 'America/New_York' },
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=America/New_York:20270605T100000'],
    });
    s.google.userDelete(s.googleCalendarId, `${master.id}_20270612T140000Z`);
    s.google.userPatch(s.googleCalendarId, `${master.id}_20270619T140000Z`, { start: { dateTime: '2027-06-19T15:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-06-19T16:00:00-04:00', timeZone: 'America/New_York' } });
    await connect(t, planner, googleConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', watch: false }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 2, 'the two instances that take place');
    const starts = c.doc.listEvents().map((e) => Date.parse(e.start)).sort((a, b) => a - b).map((ms) => new Date(ms).toISOString());
    expect(starts).toEqual(['2027-06-19T19:00:00.000Z', '2027-06-26T14:00:00.000Z']);

    s.google.userDelete(s.googleCalendarId, `${master.id}_20270626T140000Z`);
    const res = await t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType: 'incremental' }) });
    expect(res.status).toBe(200);
    await waitFor(() => c.doc.listEvents().length === 1, 'the cancelled instance deleted');
    expect(sameInstant(c.doc.listEvents()[0]!.start, '2027-06-19T19:00:00Z')).toBe(true);
  });

  it('busy time of a daily series that began years ago, from timeMin/timeMax with singleEvents', async () => {
    const { t, s, planner } = await server();
    s.google.userInsert(s.googleCalendarId, {
      summary: 'Studio hours', start: { dateTime: '2020-01-01T10:00:00-05:00', timeZone: 'America/New_York' }, end: { dateTime: '2020-01-01T11:00:00-05:00', timeZone: 'America/New_York' },
      recurrence: ['RRULE:FREQ=DAILY'],
    });
    await connect(t, planner, googleConnection(s, W, { syncDirection: 'outbound', watch: false }, 'v-venue'));
    expect(await availability(t, planner, '2027-06-12T00:00:00Z', '2027-06-13T00:00:00Z')).toEqual(['2027-06-12T14:00:00.000Z/2027-06-12T15:00:00.000Z']);
  });
});

describe('Outlook recurring events', () => {
  const series = (s: CalendarSandboxes) => s.graph.userCreate(s.graphUser, {
    subject: 'Florist delivery run',
    start: { dateTime: '2027-06-01T10:00:00', timeZone: 'Eastern Standard Time' }, end: { dateTime: '2027-06-01T10:30:00', timeZone: 'Eastern Standard Time' },
    // Starts on a Tuesday: Graph's series begins on the first Monday on or after startDate.
    recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'sunday' }, range: { type: 'numbered', startDate: '2027-06-01', numberOfOccurrences: 4 } },
  } as never);

  it('calendarView and its delta list occurrences: a cancelled one is gone, a changed one is where it moved; a later cancellation deletes', async () => {
    const { t, s, planner } = await server();
    const master = series(s);
    s.graph.userDeleteOccurrence(s.graphUser, master.id!, '2027-06-14');
    s.graph.userUpdateOccurrence(s.graphUser, master.id!, '2027-06-21', { start: { dateTime: '2027-06-21T15:00:00', timeZone: 'Eastern Standard Time' }, end: { dateTime: '2027-06-21T15:30:00', timeZone: 'Eastern Standard Time' } });
    await connect(t, planner, outlookConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', subscribe: false }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 3, 'three occurrences imported');
    const starts = () => c.doc.listEvents().map((e) => new Date(Date.parse(e.start)).toISOString()).sort();
    expect(starts()).toEqual(['2027-06-07T14:00:00.000Z', '2027-06-21T19:00:00.000Z', '2027-06-28T14:00:00.000Z']);

    s.graph.userDeleteOccurrence(s.graphUser, master.id!, '2027-06-28');
    const res = await t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType: 'incremental' }) });
    expect(res.status).toBe(200);
    await waitFor(() => c.doc.listEvents().length === 2, 'the cancelled occurrence deleted');
    expect(starts()).toEqual(['2027-06-07T14:00:00.000Z', '2027-06-21T19:00:00.000Z']);
  });

  it('busy time from calendarView: every occurrence in the window, at 10:00 New York time', async () => {
    const { t, s, planner } = await server();
    const master = series(s);
    s.graph.userDeleteOccurrence(s.graphUser, master.id!, '2027-06-14');
    await connect(t, planner, outlookConnection(s, W, { syncDirection: 'outbound', subscribe: false }, 'v-venue'));
    expect(await availability(t, planner, '2027-06-01T00:00:00Z', '2027-06-25T00:00:00Z')).toEqual(['2027-06-07T14:00:00.000Z/2027-06-07T14:30:00.000Z', '2027-06-21T14:00:00.000Z/2027-06-21T14:30:00.000Z']);
  });
});
