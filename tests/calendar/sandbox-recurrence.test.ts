import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { startSandboxes } from './helpers.ts';

/** The sandboxes answer time-range and recurrence queries the way the real servers do. */

const SERIES = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 15//EN',
  'BEGIN:VTIMEZONE', 'TZID:Europe/London',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0100', 'DTSTART:19810329T010000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0000', 'DTSTART:19961027T020000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
  'BEGIN:VEVENT', 'UID:series@icloud.com', 'DTSTAMP:20261101T000000Z', 'SUMMARY:Site visit',
  'DTSTART;TZID=Europe/London:20270605T100000', 'DTEND;TZID=Europe/London:20270605T110000', 'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=Europe/London:20270605T100000', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:series@icloud.com', 'DTSTAMP:20261101T000000Z', 'SUMMARY:Site visit (moved)', 'RECURRENCE-ID;TZID=Europe/London:20270612T100000',
  'DTSTART;TZID=Europe/London:20270612T150000', 'DTEND;TZID=Europe/London:20270612T160000', 'END:VEVENT',
  'END:VCALENDAR', '',
].join('\r\n');

describe('CalDAV sandbox: calendar-query (RFC 4791)', () => {
  async function query(timeRange: string, expand = '') {
    const s = await startSandboxes();
    s.caldav.userPut('venue', 'events', 'series.ics', SERIES);
    const res = await fetch(`${s.caldav.url}/dav/calendars/venue/events/`, {
      method: 'REPORT',
      headers: { authorization: `Basic ${Buffer.from(`${s.caldavUser.username}:${s.caldavUser.password}`).toString('base64')}`, depth: '1', 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data>${expand}</c:calendar-data></d:prop>`
        + `<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">${timeRange}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
    });
    expect(res.status).toBe(207);
    const body = await res.text();
    const data = [...body.matchAll(/<c:calendar-data>([\s\S]*?)<\/c:calendar-data>/g)].map((m) => m[1]!.replace(/&#13;/g, '\r').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    return data;
  }

  it('matches a series when any instance overlaps the range (§9.9): not on the excluded date, not where an occurrence moved away from', async () => {
    expect(await query('<c:time-range start="20270619T000000Z" end="20270620T000000Z"/>')).toHaveLength(1);
    expect(await query('<c:time-range start="20270612T140000Z" end="20270612T150000Z"/>')).toHaveLength(1);
    expect(await query('<c:time-range start="20270605T000000Z" end="20270606T000000Z"/>')).toHaveLength(0);
    expect(await query('<c:time-range start="20270612T090000Z" end="20270612T100000Z"/>')).toHaveLength(0);
    expect(await query('<c:time-range start="20270627T000000Z" end="20280101T000000Z"/>')).toHaveLength(0);
  });

  it('expand (§9.6.5) returns each instance in the range as a VEVENT in UTC with its RECURRENCE-ID, without RRULE, EXDATE or VTIMEZONE', async () => {
    const [data] = await query('<c:time-range start="20270601T000000Z" end="20270620T000000Z"/>', '<c:expand start="20270601T000000Z" end="20270620T000000Z"/>');
    const cal = new ICAL.Component(ICAL.parse(data!));
    expect(cal.getAllSubcomponents('vtimezone')).toHaveLength(0);
    const rows = cal.getAllSubcomponents('vevent').map((v) => [
      v.getFirstProperty('recurrence-id')!.toICALString(), v.getFirstProperty('dtstart')!.toICALString(), v.getFirstProperty('dtend')!.toICALString(), v.getFirstPropertyValue('summary'), v.hasProperty('rrule') || v.hasProperty('exdate'),
    ]);
    expect(rows.sort()).toEqual([
      ['RECURRENCE-ID:20270612T090000Z', 'DTSTART:20270612T140000Z', 'DTEND:20270612T150000Z', 'Site visit (moved)', false],
      ['RECURRENCE-ID:20270619T090000Z', 'DTSTART:20270619T090000Z', 'DTEND:20270619T100000Z', 'Site visit', false],
    ]);
  });
});

describe('Google sandbox: recurring events (Calendar API v3)', () => {
  it('lists the master without singleEvents, instances with it; orderBy=startTime needs singleEvents; a timed series needs a time zone', async () => {
    const s = await startSandboxes();
    const token = s.google.issueAccessToken();
    const api = (path: string, init: RequestInit = {}) => fetch(`${s.google.url}calendar/v3/calendars/${encodeURIComponent(s.googleCalendarId)}/events${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    const master = s.google.userInsert(s.googleCalendarId, {
      summary: 'Rehearsal', start: { dateTime: '2027-06-05T10:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-06-05T11:00:00-04:00', timeZone: 'America/New_York' },
      recurrence: ['RRULE:FREQ=WEEKLY;UNTIL=20270619T140000Z'],
    });
    const list = async (q: string) => ((await (await api(q)).json()) as { items: { id: string; recurringEventId?: string; status?: string }[] }).items;
    expect((await list('')).map((e) => e.id)).toEqual([master.id]);
    expect((await list('?singleEvents=true')).map((e) => e.id)).toEqual([`${master.id}_20270605T140000Z`, `${master.id}_20270612T140000Z`, `${master.id}_20270619T140000Z`]);
    expect((await list(`?singleEvents=true&timeMin=${encodeURIComponent('2027-06-12T14:30:00Z')}&timeMax=${encodeURIComponent('2027-06-19T14:00:00Z')}`)).map((e) => e.id)).toEqual([`${master.id}_20270612T140000Z`]);
    expect((await api('?orderBy=startTime')).status).toBe(400);

    await api(`/${master.id}_20270612T140000Z`, { method: 'DELETE' });
    expect((await list('?singleEvents=true')).map((e) => e.id)).toHaveLength(2);
    expect((await list('?singleEvents=true&showDeleted=true')).find((e) => e.id === `${master.id}_20270612T140000Z`)).toMatchObject({ status: 'cancelled', recurringEventId: master.id });

    const noZone = await api('', { method: 'POST', body: JSON.stringify({ summary: 'x', start: { dateTime: '2027-06-05T10:00:00-04:00' }, end: { dateTime: '2027-06-05T11:00:00-04:00' }, recurrence: ['RRULE:FREQ=DAILY'] }) });
    expect(noZone.status).toBe(400);
  });
});
