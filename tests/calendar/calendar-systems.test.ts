import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { eventKey } from '../../adapters/core/calendar.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { caldavConnection, connect, googleConnection, outlookConnection, startSandboxes, type CalendarSandboxes } from './helpers.ts';

/** Each calendar system's own protocol details, through the real server and each real client library. */

const W = 'w-systems';
const EVENT = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', category: 'ceremony' as const, vendorIds: ['v-1'] };

async function server(): Promise<{ t: TestServer; s: CalendarSandboxes; planner: string }> {
  const s = await startSandboxes();
  const t = await startTestServer({ env: { PULL_INTERVAL_MS: '60000', RETRY_SCHEDULE_MS: '100,200,400' } });
  const planner = await t.token('planner', [W]);
  const c = await t.connect(W, planner);
  await c.whenSynced();
  c.doc.setMeta({ title: 'Systems', timezone: 'Europe/London', date: '2027-06-12' });
  c.doc.upsertVendor({ id: 'v-1', name: 'Vendor One', category: 'photographer', email: 'one@example.com' });
  await c.whenAcknowledged();
  return { t, s, planner };
}

async function audit(t: TestServer, token: string) {
  const res = await t.fetch(`/api/integrations/wedding/${W}/audit?limit=500`, { token });
  return ((await res.json()) as { entries: { action: string; integrationId: string | null; detail: Record<string, unknown> }[] }).entries;
}

async function pullNow(t: TestServer, token: string, syncType: 'incremental' | 'full' = 'incremental') {
  const res = await t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType }) });
  expect(res.status).toBe(200);
  return await res.json() as { syncResults: { system: string; success: boolean; error?: string }[] };
}

describe('Google Calendar', () => {
  it('verifies push notifications by channel token, ignores the sync handshake, renews the channel before expiry and stops it on disconnect', async () => {
    const { t, s, planner } = await server();
    const conn = await connect(t, planner, googleConnection(s, W, { watchTtlSeconds: 120, renewBeforeSeconds: 3600 }));
    await waitFor(() => s.google.liveChannels(s.googleCalendarId).length === 1 && s.google.notifications.some((n) => n.state === 'sync'), 'a channel and its sync message');
    expect(s.google.notifications.find((n) => n.state === 'sync')!.status).toBe(200);
    const [first] = s.google.liveChannels(s.googleCalendarId);

    const forged = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'x-goog-channel-id': first!.id, 'x-goog-channel-token': 'guessed', 'x-goog-resource-state': 'exists', 'x-goog-message-number': '7' } });
    expect(forged.status).toBe(401);

    // Upkeep (the bridge calls it every minute): the channel expires within the renewal window.
    await t.server.bridge.registry.get(conn.integrationId)!.adapter.maintain!();
    const live = s.google.liveChannels(s.googleCalendarId);
    expect(live).toHaveLength(1);
    expect(live[0]!.id).not.toBe(first!.id);
    // The new channel delivers: a change in Google arrives through it.
    s.google.userInsert(s.googleCalendarId, { id: eventKey(W, 'walkthrough'), summary: 'Walkthrough', start: { dateTime: '2027-06-11T10:00:00+01:00' }, end: { dateTime: '2027-06-11T11:00:00+01:00' } });
    await waitFor(() => s.google.notifications.some((n) => n.channelId === live[0]!.id && n.state === 'exists' && n.status === 200), 'a notification on the new channel');
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.getEvent('walkthrough'), 'the event from Google (a WedSync id: a linked event)');

    const del = await t.fetch(`/api/integrations/${conn.integrationId}`, { method: 'DELETE', token: planner });
    expect(del.status).toBe(204);
    expect(s.google.liveChannels(s.googleCalendarId)).toHaveLength(0);
  });

  it('retries 429 and 403 rateLimitExceeded after the time Google asks for, without opening the breaker; a service account connects too', async () => {
    const { t, s, planner } = await server();
    const sa = s.google.createServiceAccount();
    const conn = await connect(t, planner, { ...googleConnection(s, W, { watch: false }), credentials: { serviceAccount: sa } });
    s.google.failNext({ count: 1, status: 429, retryAfter: '1', when: (m) => m === 'POST' });
    s.google.failNext({ count: 1, status: 403, when: (m) => m === 'POST' });
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(EVENT);
    await waitFor(() => s.google.events(s.googleCalendarId).length === 1, 'the event in Google after the rate limits', 15_000);
    const inserts = s.google.requests.filter((r) => r.method === 'POST' && r.path.split('?')[0]!.endsWith('/events'));
    expect(inserts.map((r) => r.status)).toEqual([429, 403, 200]);
    expect(inserts[1]!.at - inserts[0]!.at).toBeGreaterThanOrEqual(1000);
    const failures = (await audit(t, planner)).filter((e) => e.integrationId === conn.integrationId && e.action === 'push.failed');
    expect(failures.map((f) => f.detail.code)).toEqual(['rate_limited', 'rate_limited']);
    const status = await (await t.fetch(`/api/integrations/status/${W}`, { token: planner })).json() as { integrationStatus: { breaker: string }[] };
    expect(status.integrationStatus[0]!.breaker).toBe('closed');
  });

  it('inserts under the event’s own id: an insert that already happened (a lost response) is one event, not two', async () => {
    const { t, s, planner } = await server();
    // A previous attempt created it, but its answer never arrived.
    s.google.userInsert(s.googleCalendarId, { id: eventKey(W, 'ceremony'), summary: 'Ceremony (old)', start: { dateTime: '2027-06-12T13:00:00+01:00' }, end: { dateTime: '2027-06-12T13:30:00+01:00' } });
    await connect(t, planner, googleConnection(s, W, { watch: false, syncDirection: 'outbound' }));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(EVENT);
    await waitFor(() => s.google.events(s.googleCalendarId)[0]?.summary === 'Ceremony', 'the event updated in place');
    expect(s.google.events(s.googleCalendarId)).toHaveLength(1);
    expect(s.google.requests.some((r) => r.method === 'POST' && r.status === 409)).toBe(true);
  });
});

describe('Outlook (Microsoft Graph)', () => {
  it('validates the subscription, checks clientState, acts on lifecycle notifications, renews and deletes the subscription', async () => {
    const { t, s, planner } = await server();
    const conn = await connect(t, planner, outlookConnection(s, W));
    const [sub] = s.graph.subscriptions();
    expect(sub).toBeDefined();
    expect(sub!.notificationUrl).toBe(conn.webhookUrl);
    expect(sub!.clientState!.length).toBeLessThanOrEqual(128);

    const forged = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: [{ subscriptionId: sub!.id, clientState: 'not-ours', changeType: 'updated', resource: 'Users/x/Events/y' }] }) });
    expect(forged.status).toBe(401);

    // A change made in Outlook arrives by notification → delta, in the wedding's zone.
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(EVENT);
    const pushed = await waitFor(() => s.graph.events(s.graphUser).find((e) => e.subject === 'Ceremony'), 'the ceremony in Outlook');
    s.graph.userUpdate(s.graphUser, pushed.id!, { location: { displayName: 'Palm House' }, start: { dateTime: '2027-06-12T09:30:00', timeZone: 'Eastern Standard Time' }, end: { dateTime: '2027-06-12T10:15:00', timeZone: 'Eastern Standard Time' } });
    await waitFor(() => c.doc.getEvent('ceremony')?.location === 'Palm House', 'Outlook’s change in the timeline');
    expect(c.doc.getEvent('ceremony')!.start).toBe('2027-06-12T14:30:00+01:00');

    // reauthorizationRequired: renewed (PATCH /subscriptions/{id}), nothing pulled.
    expect(await s.graph.lifecycle(sub!.id, 'reauthorizationRequired')).toBe(202);
    await waitFor(() => s.graph.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/subscriptions/${sub!.id}`) && r.status === 200), 'the renewal');
    // subscriptionRemoved: a new subscription (validated again).
    await s.graph.lifecycle(sub!.id, 'subscriptionRemoved');
    await waitFor(() => s.graph.subscriptions().length === 1 && s.graph.subscriptions()[0]!.id !== sub!.id, 'a new subscription');
    // missed: changes are pulled with delta.
    const before = s.graph.requests.filter((r) => r.path.includes('/calendarView/delta')).length;
    await s.graph.lifecycle(s.graph.subscriptions()[0]!.id, 'missed');
    await waitFor(() => s.graph.requests.filter((r) => r.path.includes('/calendarView/delta')).length > before, 'a delta pull');

    const del = await t.fetch(`/api/integrations/${conn.integrationId}`, { method: 'DELETE', token: planner });
    expect(del.status).toBe(204);
    expect(s.graph.subscriptions()).toHaveLength(0);
  });

  it('honours 429 Retry-After; a create retried with the same transactionId is one event', async () => {
    const { t, s, planner } = await server();
    // An earlier attempt created the event with our transactionId before its answer was lost.
    s.graph.userCreate(s.graphUser, { subject: 'Ceremony (old)', transactionId: `wedsync-${eventKey(W, 'ceremony')}`, start: { dateTime: '2027-06-12T13:00:00', timeZone: 'Europe/London' }, end: { dateTime: '2027-06-12T13:30:00', timeZone: 'Europe/London' } });
    await connect(t, planner, outlookConnection(s, W, { subscribe: false, syncDirection: 'outbound' }));
    s.graph.failNext({ count: 1, status: 429, retryAfter: '1', when: (m) => m === 'POST' || m === 'PATCH' });
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(EVENT);
    await waitFor(() => s.graph.events(s.graphUser)[0]?.subject === 'Ceremony', 'the event, once', 15_000);
    expect(s.graph.events(s.graphUser)).toHaveLength(1);
    const writes = s.graph.writes();
    expect(writes[0]!.status).toBe(429);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(1000);
  });
});

describe('rate limits on reads', () => {
  it('a listing answered 429: pulls asked for within its Retry-After do not reach Google; one follows once it has passed, with the change', async () => {
    const { t, s, planner } = await server();
    await connect(t, planner, googleConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', watch: false }));
    const c = await t.connect(W, planner);
    const lists = () => s.google.requests.filter((r) => r.method === 'GET' && /\/events(\?|$)/.test(r.path));
    await waitFor(() => lists().length > 0, 'the first listing');
    s.google.failNext({ count: 1, status: 429, retryAfter: '2', when: (m, p) => m === 'GET' && /\/events(\?|$)/.test(p) });
    s.google.userInsert(s.googleCalendarId, { summary: 'Tasting', start: { dateTime: '2027-06-01T12:00:00+01:00' }, end: { dateTime: '2027-06-01T13:00:00+01:00' } });
    expect((await pullNow(t, planner)).syncResults.map((r) => r.success)).toEqual([false]);
    const refused = lists().at(-1)!;
    expect(refused.status).toBe(429);
    // Asked again at once (a full read this time): answered from here, Google is not read.
    const again = await pullNow(t, planner, 'full');
    expect(again.syncResults.map((r) => [r.success, r.error])).toEqual([[false, expect.stringMatching(/asked not to be read again before .*; the pull follows then/)]]);
    expect(lists().at(-1)).toBe(refused);
    await waitFor(() => c.doc.listEvents().some((e) => e.title === 'Tasting'), 'the change, once the wait has passed', 15_000);
    // One read followed, after the wait, and it was the full read asked for (no sync token).
    const next = lists()[lists().indexOf(refused) + 1]!;
    expect(next.at - refused.at).toBeGreaterThanOrEqual(2000);
    expect(next.path).not.toContain('syncToken');
  });
});

describe('sync tokens', () => {
  it('an expired token (Google 410, Graph 410, CalDAV valid-sync-token) → a full resync, without duplicates', async () => {
    const { t, s, planner } = await server();
    const imported = (n: number) => ({ start: `2027-06-${String(10 + n).padStart(2, '0')}T09:00:00+01:00`, end: `2027-06-${String(10 + n).padStart(2, '0')}T10:00:00+01:00` });
    for (let i = 0; i < 3; i++) {
      const when = imported(i);
      s.google.userInsert(s.googleCalendarId, { summary: `Google meeting ${i}`, start: { dateTime: when.start }, end: { dateTime: when.end } });
      s.graph.userCreate(s.graphUser, { subject: `Outlook meeting ${i}`, start: { dateTime: when.start.slice(0, 19), timeZone: 'Europe/London' }, end: { dateTime: when.end.slice(0, 19), timeZone: 'Europe/London' } });
      s.caldav.userPut('venue', 'events', `meeting-${i}.ics`, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 15//EN\r\nBEGIN:VEVENT\r\nUID:apple-${i}@icloud.com\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/London:${when.start.slice(0, 19).replace(/[-:]/g, '')}\r\nDTEND;TZID=Europe/London:${when.end.slice(0, 19).replace(/[-:]/g, '')}\r\nSUMMARY:CalDAV meeting ${i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
    }
    // Dedicated wedding calendars: every event in them belongs to the timeline.
    await connect(t, planner, googleConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', watch: false, pageSize: 2 }));
    await connect(t, planner, outlookConnection(s, W, { importEvents: 'all', syncDirection: 'inbound', subscribe: false, pageSize: 2 }));
    await connect(t, planner, caldavConnection(s, W, { importEvents: 'all', syncDirection: 'inbound' }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 9, 'nine imported events (pages of two)');

    s.google.expireSyncTokens();
    s.graph.expireDeltaTokens();
    s.caldav.expireSyncTokens();
    s.google.userInsert(s.googleCalendarId, { summary: 'Google late addition', start: { dateTime: '2027-06-20T09:00:00+01:00' }, end: { dateTime: '2027-06-20T10:00:00+01:00' } });
    const result = await pullNow(t, planner);
    expect(result.syncResults.every((r) => r.success)).toBe(true);
    expect((await audit(t, planner)).filter((e) => e.action === 'pull.resync')).toHaveLength(3);
    await waitFor(() => c.doc.listEvents().length === 10, 'the late addition, and nothing twice');
    const titles = c.doc.listEvents().map((e) => e.title);
    expect(new Set(titles).size).toBe(titles.length);
  });
});

describe('CalDAV', () => {
  it('without sync-collection, follows the calendar by ctag and etags: creations, changes and deletions', async () => {
    const { t, s, planner } = await server();
    s.caldav.syncCollection = false;
    await connect(t, planner, caldavConnection(s, W, { importEvents: 'all' }));
    const c = await t.connect(W, planner);
    s.caldav.userPut('venue', 'events', 'tasting.ics', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:tasting-1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20270501T170000Z\r\nDTEND:20270501T183000Z\r\nSUMMARY:Menu tasting\r\nLOCATION:Kitchen\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n');
    await pullNow(t, planner);
    await waitFor(() => c.doc.listEvents().find((e) => e.title === 'Menu tasting'), 'the new event');
    // 17:00 UTC, written as wall time in the wedding's zone (Europe/London, BST in May).
    expect(c.doc.listEvents().find((e) => e.title === 'Menu tasting')!.start).toBe('2027-05-01T18:00:00+01:00');
    expect(s.caldav.requests.some((r) => r.method === 'REPORT' && r.body.includes('sync-collection'))).toBe(false);

    s.caldav.userEdit('venue', 'events', 'tasting-1', (v) => v.updatePropertyWithValue('location', 'Chef’s table'));
    await pullNow(t, planner);
    await waitFor(() => c.doc.listEvents().find((e) => e.title === 'Menu tasting')?.location === 'Chef’s table', 'the change');

    s.caldav.userDelete('venue', 'events', 'tasting-1');
    await pullNow(t, planner);
    await waitFor(() => !c.doc.listEvents().some((e) => e.title === 'Menu tasting'), 'the deletion');
  });

  it('keeps what the owner added (an alarm) and their concurrent edit: a stale If-Match (412) re-reads and merges', async () => {
    const { t, s, planner } = await server();
    await connect(t, planner, caldavConnection(s, W, { syncDirection: 'outbound' }));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent({ ...EVENT, location: 'Kew Gardens' });
    await waitFor(() => s.caldav.objects('venue', 'events').length === 1, 'the ceremony on the server');
    s.caldav.userEdit('venue', 'events', `${eventKey(W, 'ceremony')}@wedsync`, (v) => {
      v.updatePropertyWithValue('location', 'The Orangery');
      const alarm = new ICAL.Component('valarm');
      alarm.updatePropertyWithValue('action', 'DISPLAY');
      alarm.updatePropertyWithValue('description', 'Leave for the venue');
      alarm.updatePropertyWithValue('trigger', ICAL.Duration.fromString('-PT45M'));
      v.addSubcomponent(alarm);
    });
    c.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony & vows' });
    await waitFor(() => s.caldav.objects('venue', 'events')[0]!.vevent.getFirstPropertyValue('summary') === 'Ceremony & vows', 'the new title');
    const v = s.caldav.objects('venue', 'events')[0]!.vevent;
    expect(v.getFirstPropertyValue('location')).toBe('The Orangery');
    expect(v.getFirstSubcomponent('valarm')?.getFirstPropertyValue('description')).toBe('Leave for the venue');
    expect(s.caldav.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([201, 412, 204]);
  });

  it('follows a truncated sync-collection (507) to the end, and writes new objects with If-None-Match: *', async () => {
    const { t, s, planner } = await server();
    s.caldav.syncPageSize = 3;
    for (let i = 0; i < 8; i++) {
      s.caldav.userPut('venue', 'events', `e${i}.ics`, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:e-${i}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:2027050${i}T170000Z\r\nDTEND:2027050${i}T180000Z\r\nSUMMARY:Booking ${i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
    }
    await connect(t, planner, caldavConnection(s, W, { importEvents: 'all' }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 8, 'every booking across three truncated answers');
    c.doc.upsertEvent({ ...EVENT, vendorIds: [] });
    await waitFor(() => s.caldav.objects('venue', 'events').some((o) => o.vevent.getFirstPropertyValue('summary') === 'Ceremony'), 'the ceremony on the server');
    const put = s.caldav.writes('venue', 'events').find((r) => r.method === 'PUT')!;
    expect(put.headers['if-none-match']).toBe('*');
    expect(put.path).toBe(`/dav/calendars/venue/events/${eventKey(W, 'ceremony')}.ics`);
  });
});
