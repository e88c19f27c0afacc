import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { eventKey } from '../../adapters/core/calendar.ts';
import type { Conflict, StatusBody } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { CALDAV_SERVERS, caldavServerConnection, type CalDavServer } from './caldav-servers.ts';
import { connect } from './helpers.ts';

/**
 * Issue 9, deliverable 4: the CalDAV adapter (tsdav) against a real CalDAV server (Radicale 3) and
 * against our sandbox, with the same scenarios, so that the sandbox cannot hide what the real
 * server does.
 */

const W = 'w-caldav';
const CRLF = '\r\n';
const vcalendar = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 15//EN', ...lines, 'END:VCALENDAR', ''].join(CRLF);
const FOREIGN = vcalendar(
  'BEGIN:VEVENT', 'UID:foreign-1@example.com', 'DTSTAMP:20261101T000000Z', 'DTSTART:20270501T170000Z', 'DTEND:20270501T180000Z',
  'SUMMARY:Supplier meeting', 'LOCATION:Office', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC', 'CATEGORIES:Work',
  'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Leave now', 'TRIGGER:-PT30M', 'END:VALARM',
  'END:VEVENT',
);

interface World { t: TestServer; dav: CalDavServer; planner: string }

async function world(dav: CalDavServer): Promise<World> {
  const t = await startTestServer({ env: { PULL_INTERVAL_MS: '600000', RETRY_SCHEDULE_MS: '100,200,400' } });
  const planner = await t.token('planner', [W]);
  const c = await t.connect(W, planner);
  await c.whenSynced();
  c.doc.setMeta({ title: 'CalDAV', timezone: 'Europe/London', date: '2027-06-12' });
  c.doc.upsertVendor({ id: 'v-venue', name: 'Kew Venue', category: 'venue', email: 'venue@example.com' });
  await c.whenAcknowledged();
  return { t, dav, planner };
}

async function sync(w: World, syncType: 'incremental' | 'full' = 'incremental') {
  const res = await w.t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token: w.planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType }) });
  expect(res.status).toBe(200);
  const body = await res.json() as { syncResults: { success: boolean; error?: string }[] };
  expect(body.syncResults.every((r) => r.success), JSON.stringify(body)).toBe(true);
}

async function status(w: World): Promise<StatusBody> {
  return await (await w.t.fetch(`/api/integrations/status/${W}`, { token: w.planner })).json() as StatusBody;
}

async function settled(w: World): Promise<void> {
  await waitFor(async () => (await status(w)).integrationStatus.every((i) => i.outbox.pending === 0 && i.inbox.pending === 0), 'no pending inbox or outbox rows');
}

async function conflicts(w: World): Promise<Conflict[]> {
  return ((await (await w.t.fetch(`/api/integrations/wedding/${W}/conflicts`, { token: w.planner })).json()) as { conflicts: Conflict[] }).conflicts;
}

const byUid = async (dav: CalDavServer, uid: string) => (await dav.objects()).find((o) => o.vevent.getFirstPropertyValue('uid') === uid);

describe.each(CALDAV_SERVERS)('CalDAV against $name', ({ start }) => {
  it('the planner renames a foreign event: its UID, name, alarm and unknown properties stay; only SUMMARY is written; nothing dead-lettered', async () => {
    const dav = await start();
    await dav.put('meeting-42', FOREIGN);
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W, { importEvents: 'all' }));
    const c = await w.t.connect(W, w.planner);
    const imported = await waitFor(() => c.doc.listEvents().find((e) => e.title === 'Supplier meeting'), 'the foreign event imported');
    await settled(w);
    const before = (await byUid(dav, 'foreign-1@example.com'))!;

    c.doc.upsertEvent({ id: imported.id, title: 'Supplier meeting (florals)' });
    await waitFor(async () => (await byUid(dav, 'foreign-1@example.com'))?.vevent.getFirstPropertyValue('summary') === 'Supplier meeting (florals)', 'the new title on the server');
    await settled(w);
    const after = (await byUid(dav, 'foreign-1@example.com'))!;
    expect(after.href).toBe(before.href);
    expect(after.href.endsWith('/meeting-42')).toBe(true);
    expect((await dav.objects())).toHaveLength(1);
    for (const prop of ['dtstart', 'dtend', 'location', 'x-apple-travel-advisory-behavior', 'categories']) {
      expect(after.vevent.getFirstProperty(prop)?.toICALString(), prop).toBe(before.vevent.getFirstProperty(prop)?.toICALString());
    }
    expect(after.vevent.getFirstSubcomponent('valarm')?.getFirstPropertyValue('description')).toBe('Leave now');
    const outbox = await (await w.t.fetch(`/api/integrations/wedding/${W}/outbox`, { token: w.planner })).json() as { entries: unknown[] };
    expect(outbox.entries).toEqual([]);
    expect((await status(w)).integrationStatus[0]!.health).toBe('healthy');
  });

  it('our event already stored under another name (another client moved it): found by its UID and updated there, not duplicated', async () => {
    const dav = await start();
    const uid = `${eventKey(W, 'ceremony')}@wedsync`;
    await dav.put('moved-by-thunderbird.ics', vcalendar('BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T000000Z', 'DTSTART:20270612T130000Z', 'DTEND:20270612T134500Z', 'SUMMARY:Ceremony (old)', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Go', 'TRIGGER:-PT30M', 'END:VALARM', 'END:VEVENT'));
    const w = await world(dav);
    const c = await w.t.connect(W, w.planner);
    c.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', category: 'ceremony', vendorIds: [] });
    await c.whenAcknowledged();
    // Outbound only: nothing is read first, so our first write is a create that meets the UID.
    await connect(w.t, w.planner, caldavServerConnection(dav, W, { syncDirection: 'outbound' }));
    await waitFor(async () => (await byUid(dav, uid))?.vevent.getFirstPropertyValue('summary') === 'Ceremony', 'the ceremony updated where it is');
    await settled(w);
    const objects = await dav.objects();
    expect(objects.map((o) => o.href.split('/').pop())).toEqual(['moved-by-thunderbird.ics']);
    expect(objects[0]!.vevent.getFirstSubcomponent('valarm')?.getFirstPropertyValue('description')).toBe('Go');
    const outbox = await (await w.t.fetch(`/api/integrations/wedding/${W}/outbox`, { token: w.planner })).json() as { entries: unknown[] };
    expect(outbox.entries).toEqual([]);
  });

  it('an event stored under a name without .ics counts for availability and for sync', async () => {
    const dav = await start();
    await dav.put('meeting-42', FOREIGN.replace('20270501T170000Z', '20270612T090000Z').replace('20270501T180000Z', '20270612T100000Z'));
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W, { vendorId: 'v-venue' }, 'v-venue'));
    const res = await w.t.fetch('/api/integrations/calendar/availability?vendorId=v-venue&from=2027-06-12T00:00:00Z&to=2027-06-13T00:00:00Z', { token: w.planner });
    expect(res.status).toBe(200);
    const body = await res.json() as { busy: { start: string; end: string; source: string }[] };
    expect(body.busy.map((b) => [b.start, b.end])).toEqual([['2027-06-12T09:00:00.000Z', '2027-06-12T10:00:00.000Z']]);
  });

  it('deletes are conditional: the venue edits "Toast", the planner deletes it; the 412 keeps the venue’s edit and records a conflict', async () => {
    const dav = await start();
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W));
    const c = await w.t.connect(W, w.planner);
    c.doc.upsertEvent({ id: 'toast', title: 'Toast', start: '2027-06-12T19:00:00+01:00', end: '2027-06-12T19:15:00+01:00', category: 'reception', vendorIds: [] });
    const uid = `${eventKey(W, 'toast')}@wedsync`;
    await waitFor(() => byUid(dav, uid), 'the toast on the server');
    await settled(w);

    await dav.edit(uid, (v) => v.updatePropertyWithValue('location', 'Terrace'));
    c.doc.deleteEvent('toast');
    const conflict = await waitFor(async () => (await conflicts(w)).find((x) => x.entityId === 'toast'), 'the conflict about the deletion');
    expect(conflict).toMatchObject({ field: '*', localValue: null, status: 'pending', source: 'caldav' });
    expect((conflict.remoteValue as { location: string }).location).toBe('Terrace');
    expect((await byUid(dav, uid))?.vevent.getFirstPropertyValue('location')).toBe('Terrace');
    await waitFor(() => c.doc.getEvent('toast')?.location === 'Terrace', 'the venue’s version back in the timeline');

    // The planner confirms the deletion: it goes, on the current version.
    const resolved = await w.t.fetch(`/api/integrations/wedding/${W}/conflicts/${conflict.id}/resolve`, { method: 'POST', token: w.planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ winner: 'local' }) });
    expect(resolved.status).toBe(200);
    await waitFor(async () => (await byUid(dav, uid)) === undefined, 'the toast deleted on the server');
    expect(c.doc.getEvent('toast')).toBeUndefined();
  });

  it('a delete whose base is current goes through with If-Match', async () => {
    const dav = await start();
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W));
    const c = await w.t.connect(W, w.planner);
    c.doc.upsertEvent({ id: 'toast', title: 'Toast', start: '2027-06-12T19:00:00+01:00', end: '2027-06-12T19:15:00+01:00', category: 'reception', vendorIds: [] });
    const uid = `${eventKey(W, 'toast')}@wedsync`;
    await waitFor(() => byUid(dav, uid), 'the toast on the server');
    await settled(w);
    c.doc.deleteEvent('toast');
    await waitFor(async () => (await byUid(dav, uid)) === undefined, 'the toast deleted');
    await settled(w);
    expect(await conflicts(w)).toEqual([]);
  });

  it('recurring: the owner makes our event a weekly series of 4 and cancels 8 May; the planner moves it +1 h; 8 May stays cancelled', async () => {
    const dav = await start();
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W));
    const c = await w.t.connect(W, w.planner);
    c.doc.upsertEvent({ id: 'rehearsal', title: 'Rehearsal', start: '2027-05-01T10:00:00+01:00', end: '2027-05-01T11:00:00+01:00', category: 'other', vendorIds: [] });
    const uid = `${eventKey(W, 'rehearsal')}@wedsync`;
    await waitFor(() => byUid(dav, uid), 'the rehearsal on the server');
    await settled(w);
    await dav.edit(uid, (v, cal) => {
      v.updatePropertyWithValue('rrule', ICAL.Recur.fromString('FREQ=WEEKLY;COUNT=4'));
      const ex = v.addPropertyWithValue('exdate', ICAL.Time.fromDateTimeString('2027-05-08T10:00:00'));
      ex.setParameter('tzid', 'Europe/London');
      // An override: the 15 May one has a note.
      const o = new ICAL.Component('vevent');
      o.updatePropertyWithValue('uid', uid);
      o.updatePropertyWithValue('dtstamp', ICAL.Time.fromDateTimeString('2026-11-01T00:00:00Z'));
      for (const [name, at] of [['recurrence-id', '2027-05-15T10:00:00'], ['dtstart', '2027-05-15T10:00:00'], ['dtend', '2027-05-15T11:00:00']] as const) {
        o.addPropertyWithValue(name, ICAL.Time.fromDateTimeString(at)).setParameter('tzid', 'Europe/London');
      }
      o.updatePropertyWithValue('summary', 'Rehearsal (with the band)');
      cal.addSubcomponent(o);
    });
    await sync(w);
    await settled(w);

    c.doc.upsertEvent({ id: 'rehearsal', start: '2027-05-01T11:00:00+01:00', end: '2027-05-01T12:00:00+01:00' });
    await waitFor(async () => (await byUid(dav, uid))?.vevent.getFirstProperty('dtstart')?.toICALString() === 'DTSTART;TZID=Europe/London:20270501T110000', 'the series moved');
    const o = (await byUid(dav, uid))!;
    expect(o.vevent.getFirstProperty('exdate')!.toICALString()).toBe('EXDATE;TZID=Europe/London:20270508T110000');
    expect(String(o.vevent.getFirstPropertyValue('rrule'))).toBe('FREQ=WEEKLY;COUNT=4');
    const override = o.cal.getAllSubcomponents('vevent').find((v) => v.hasProperty('recurrence-id'))!;
    expect(override.getFirstProperty('recurrence-id')!.toICALString()).toBe('RECURRENCE-ID;TZID=Europe/London:20270515T110000');
    expect(override.getFirstProperty('dtstart')!.toICALString()).toBe('DTSTART;TZID=Europe/London:20270515T110000');
    // Expanded (by ical.js, as any client would): 1, 15 and 22 May at 11:00 London; 8 May stays cancelled.
    const expanded: string[] = [];
    const cal = new ICAL.Component(ICAL.parse(o.data));
    for (const z of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(z));
    const event = new ICAL.Event(cal.getAllSubcomponents('vevent').find((v) => !v.hasProperty('recurrence-id'))!, { exceptions: cal.getAllSubcomponents('vevent').filter((v) => v.hasProperty('recurrence-id')) });
    const it = event.iterator();
    for (let next = it.next(); next; next = it.next()) expanded.push(event.getOccurrenceDetails(next).startDate.toJSDate().toISOString());
    expect(expanded).toEqual(['2027-05-01T10:00:00.000Z', '2027-05-15T10:00:00.000Z', '2027-05-22T10:00:00.000Z']);
  });

  it('keeps the owner’s alarm and concurrent edit: a stale If-Match (412) re-reads and merges', async () => {
    const dav = await start();
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W, { syncDirection: 'outbound' }));
    const c = await w.t.connect(W, w.planner);
    c.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', location: 'Kew Gardens', category: 'ceremony', vendorIds: [] });
    const uid = `${eventKey(W, 'ceremony')}@wedsync`;
    await waitFor(() => byUid(dav, uid), 'the ceremony on the server');
    await settled(w);
    await dav.edit(uid, (v) => {
      v.updatePropertyWithValue('location', 'The Orangery');
      const alarm = new ICAL.Component('valarm');
      alarm.updatePropertyWithValue('action', 'DISPLAY');
      alarm.updatePropertyWithValue('description', 'Leave for the venue');
      alarm.updatePropertyWithValue('trigger', ICAL.Duration.fromString('-PT45M'));
      v.addSubcomponent(alarm);
    });
    c.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony & vows' });
    await waitFor(async () => (await byUid(dav, uid))?.vevent.getFirstPropertyValue('summary') === 'Ceremony & vows', 'the new title');
    const v = (await byUid(dav, uid))!.vevent;
    expect(v.getFirstPropertyValue('location')).toBe('The Orangery');
    expect(v.getFirstSubcomponent('valarm')?.getFirstPropertyValue('description')).toBe('Leave for the venue');
    expect(v.getFirstPropertyValue('uid')).toBe(uid);
  });

  it('an expired token while importing: a full resync brings what is new, nothing twice', async () => {
    const dav = await start();
    for (let i = 0; i < 3; i++) await dav.put(`meeting-${i}`, vcalendar('BEGIN:VEVENT', `UID:apple-${i}@icloud.com`, 'DTSTAMP:20261101T000000Z', `DTSTART;TZID=Europe/London:202706${10 + i}T090000`, `DTEND;TZID=Europe/London:202706${10 + i}T100000`, `SUMMARY:Meeting ${i}`, 'END:VEVENT'));
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W, { importEvents: 'all', syncDirection: 'inbound' }));
    const c = await w.t.connect(W, w.planner);
    await waitFor(() => c.doc.listEvents().length === 3, 'three imported events');
    expect(c.doc.listEvents().find((e) => e.title === 'Meeting 0')!.start).toBe('2027-06-10T09:00:00+01:00');
    await dav.expireSyncTokens();
    await dav.put('late.ics', vcalendar('BEGIN:VEVENT', 'UID:late@icloud.com', 'DTSTAMP:20261101T000000Z', 'DTSTART:20270620T080000Z', 'DTEND:20270620T090000Z', 'SUMMARY:Late addition', 'END:VEVENT'));
    await sync(w);
    await waitFor(() => c.doc.listEvents().length === 4, 'the late addition');
    const titles = c.doc.listEvents().map((e) => e.title).sort();
    expect(titles).toEqual(['Late addition', 'Meeting 0', 'Meeting 1', 'Meeting 2']);
  });

  it('the venue deletes our ceremony, the server then refuses our sync token: the ceremony leaves the timeline', async () => {
    const dav = await start();
    const w = await world(dav);
    await connect(w.t, w.planner, caldavServerConnection(dav, W));
    const c = await w.t.connect(W, w.planner);
    c.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', category: 'ceremony', vendorIds: [] });
    const uid = `${eventKey(W, 'ceremony')}@wedsync`;
    await waitFor(() => byUid(dav, uid), 'the ceremony on the server');
    await settled(w);
    await sync(w);
    await dav.remove(uid);
    await dav.expireSyncTokens();
    await sync(w);
    await waitFor(() => c.doc.getEvent('ceremony') === undefined, 'the ceremony gone from the timeline');
    await settled(w);
    expect(await byUid(dav, uid)).toBeUndefined();
  });
});

/**
 * The same requests, straight to both servers: their answers must agree wherever the adapter
 * depends on them. A difference here is a sandbox that would hide a fault.
 */
describe('the sandbox answers as Radicale does', () => {
  const script = async (dav: CalDavServer) => {
    const answers: Record<string, unknown> = {};
    const put = (name: string, ics: string, headers: Record<string, string> = {}) => dav.request('PUT', name, { body: ics, headers: { 'content-type': 'text/calendar; charset=utf-8', ...headers } });
    const report = (body: string) => dav.request('REPORT', '', { headers: { depth: '1', 'content-type': 'application/xml' }, body });
    const sync = (token: string) => report(`<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`);
    const statuses = (xml: string) => [...xml.matchAll(/<(?:\w+:)?response>\s*<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>[\s\S]*?<(?:\w+:)?status>HTTP\/1\.1 (\d+)/g)].map((m) => `${decodeURIComponent(new URL(m[1]!, dav.calendarUrl).pathname).split('/').pop()} ${m[2]}`).sort();

    const first = await put('meeting-42', FOREIGN, { 'if-none-match': '*' });
    answers.create = first.status;
    answers.createAgain = (await put('meeting-42', FOREIGN, { 'if-none-match': '*' })).status;
    answers.uidChange = (await put('meeting-42', FOREIGN.replace('foreign-1@example.com', 'renamed@wedsync'), { 'if-match': first.etag! })).status;
    answers.duplicateUid = (await put('other.ics', FOREIGN)).status;
    answers.staleIfMatch = (await put('meeting-42', FOREIGN.replace('Office', 'Barn'), { 'if-match': '"not-the-etag"' })).status;
    const extra = vcalendar('BEGIN:VEVENT', 'UID:gone-1', 'DTSTAMP:20261101T000000Z', 'DTSTART:20270502T170000Z', 'DTEND:20270502T180000Z', 'SUMMARY:Gone', 'END:VEVENT');
    const gone = await put('gone.ics', extra, { 'if-none-match': '*' });
    answers.staleDelete = (await dav.request('DELETE', 'gone.ics', { headers: { 'if-match': '"not-the-etag"' } })).status;
    answers.delete = (await dav.request('DELETE', 'gone.ics', { headers: { 'if-match': gone.etag! } })).status < 300;
    // A first sync lists the deletion it still remembers.
    answers.firstSync = statuses((await sync('')).body);
    const path = new URL(dav.calendarUrl).pathname;
    const multiget = await report(`<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><d:href>${path}meeting-42</d:href><d:href>meeting-42</d:href><d:href>${path}gone.ics</d:href></c:calendar-multiget>`);
    answers.multiget = statuses(multiget.body);
    answers.badToken = (await sync(`${dav.calendarUrl}not-a-token`)).status;
    answers.ifMatchMissing = (await put('missing.ics', extra, { 'if-match': '"x"' })).status;
    answers.deleteMissing = (await dav.request('DELETE', 'missing.ics')).status;
    answers.getMissing = (await dav.request('GET', 'missing.ics')).status;
    answers.getEtag = (await dav.request('GET', 'meeting-42')).etag === first.etag;
    return answers;
  };

  it('to the same script', async () => {
    const sandbox = await script(await CALDAV_SERVERS[0].start());
    const radicale = await script(await CALDAV_SERVERS[1].start());
    expect(sandbox).toEqual(radicale);
    expect(radicale).toMatchObject({ create: 201, createAgain: 412, uidChange: 409, duplicateUid: 409, staleIfMatch: 412, staleDelete: 412, delete: true, badToken: 403 });
    expect(radicale.firstSync).toEqual(['gone.ics 404', 'meeting-42 200']);
  });
});
