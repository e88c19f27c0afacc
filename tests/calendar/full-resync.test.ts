import { describe, expect, it } from 'vitest';
import { eventKey } from '../../adapters/core/calendar.ts';
import type { Conflict } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { caldavConnection, connect, googleConnection, outlookConnection, startSandboxes, type CalendarSandboxes } from './helpers.ts';

/**
 * Issue 9, deliverable 3: a full read (a refused sync token, or `syncType: "full"`) is compared with
 * the link rows. A linked event the calendar no longer lists is deleted here, or held as a pending
 * conflict when it changed here since the last sync. Every pulling calendar adapter, each against
 * its sandbox with the system's own client library.
 */

const W = 'w-resync';
const CEREMONY = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', category: 'ceremony' as const, vendorIds: [] };

interface System {
  name: 'google-calendar' | 'outlook' | 'caldav';
  connection(s: CalendarSandboxes, configuration: Record<string, unknown>): Record<string, unknown>;
  /** The remote id of the event titled `title`, if the calendar has it. */
  find(s: CalendarSandboxes, title: string): string | undefined;
  /** The calendar's owner deletes it. */
  remove(s: CalendarSandboxes, id: string): void;
  /** The server refuses every sync token it gave us, and forgets what it deleted before. */
  expire(s: CalendarSandboxes): void;
  /** The calendar's owner adds an event (not ours). */
  add(s: CalendarSandboxes, title: string, start: string, end: string): void;
}

const ics = (uid: string, title: string, start: string, end: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 15//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:${start.replace(/[-:]/g, '').replace(/\.\d+/, '').slice(0, 15)}Z\r\nDTEND:${end.replace(/[-:]/g, '').slice(0, 15)}Z\r\nSUMMARY:${title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

const SYSTEMS: System[] = [
  {
    name: 'google-calendar',
    connection: (s, c) => googleConnection(s, W, { watch: false, ...c }),
    find: (s, title) => s.google.events(s.googleCalendarId).find((e) => e.summary === title)?.id ?? undefined,
    remove: (s, id) => s.google.userDelete(s.googleCalendarId, id),
    expire: (s) => { s.google.expireSyncTokens(); s.google.forgetDeleted(s.googleCalendarId); },
    add: (s, title, start, end) => { s.google.userInsert(s.googleCalendarId, { summary: title, start: { dateTime: start }, end: { dateTime: end } }); },
  },
  {
    name: 'outlook',
    connection: (s, c) => outlookConnection(s, W, { subscribe: false, ...c }),
    find: (s, title) => s.graph.events(s.graphUser).find((e) => e.subject === title)?.id ?? undefined,
    remove: (s, id) => s.graph.userDelete(s.graphUser, id),
    expire: (s) => s.graph.expireDeltaTokens(),
    add: (s, title, start, end) => { s.graph.userCreate(s.graphUser, { subject: title, start: { dateTime: new Date(start).toISOString().slice(0, 19), timeZone: 'UTC' }, end: { dateTime: new Date(end).toISOString().slice(0, 19), timeZone: 'UTC' } }); },
  },
  {
    name: 'caldav',
    connection: (s, c) => caldavConnection(s, W, c),
    find: (s, title) => s.caldav.objects('venue', 'events').find((o) => o.vevent.getFirstPropertyValue('summary') === title)?.vevent.getFirstPropertyValue('uid') as string | undefined,
    remove: (s, uid) => s.caldav.userDelete('venue', 'events', uid),
    expire: (s) => s.caldav.expireSyncTokens(),
    add: (s, title, start, end) => { s.caldav.userPut('venue', 'events', `${title.replace(/\W/g, '-')}.ics`, ics(`${title.replace(/\W/g, '-')}@icloud.com`, title, new Date(start).toISOString(), new Date(end).toISOString())); },
  },
];

async function world(): Promise<{ t: TestServer; s: CalendarSandboxes; planner: string }> {
  const s = await startSandboxes();
  const t = await startTestServer({ env: { PULL_INTERVAL_MS: '600000', RETRY_SCHEDULE_MS: '100,200,400' } });
  const planner = await t.token('planner', [W]);
  const c = await t.connect(W, planner);
  await c.whenSynced();
  c.doc.setMeta({ title: 'Resync', timezone: 'Europe/London', date: '2027-06-12' });
  await c.whenAcknowledged();
  return { t, s, planner };
}

async function sync(t: TestServer, token: string, syncType: 'incremental' | 'full') {
  const res = await t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType }) });
  expect(res.status).toBe(200);
  const body = await res.json() as { syncResults: { system: string; success: boolean; error?: string }[] };
  expect(body.syncResults.every((r) => r.success), JSON.stringify(body)).toBe(true);
  return body;
}

async function auditActions(t: TestServer, token: string): Promise<string[]> {
  const res = await t.fetch(`/api/integrations/wedding/${W}/audit?limit=500`, { token });
  return ((await res.json()) as { entries: { action: string }[] }).entries.map((e) => e.action);
}

async function conflicts(t: TestServer, token: string): Promise<Conflict[]> {
  const res = await t.fetch(`/api/integrations/wedding/${W}/conflicts`, { token });
  return ((await res.json()) as { conflicts: Conflict[] }).conflicts;
}

async function outboxIdle(t: TestServer, token: string): Promise<void> {
  await waitFor(async () => {
    const body = await (await t.fetch(`/api/integrations/status/${W}`, { token })).json() as { integrationStatus: { outbox: { pending: number }; inbox: { pending: number } }[] };
    return body.integrationStatus.every((i) => i.outbox.pending === 0 && i.inbox.pending === 0);
  }, 'no pending inbox or outbox rows');
}

describe.each(SYSTEMS)('$name: a full resync reconciles deletions', (system) => {
  it('the ceremony WedSync pushed, deleted in the calendar while our sync token died, leaves the timeline', async () => {
    const { t, s, planner } = await world();
    await connect(t, planner, system.connection(s, {}));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(CEREMONY);
    const id = await waitFor(() => system.find(s, 'Ceremony'), 'the ceremony in the calendar');
    await outboxIdle(t, planner);
    await sync(t, planner, 'incremental');

    system.remove(s, id);
    system.expire(s);
    await sync(t, planner, 'incremental');
    await waitFor(() => c.doc.getEvent('ceremony') === undefined, 'the ceremony gone from the timeline');
    const actions = await auditActions(t, planner);
    expect(actions).toContain('pull.resync');
    expect(actions).toContain('pull.reconciled');
    // And it is not pushed back into the calendar.
    await outboxIdle(t, planner);
    expect(system.find(s, 'Ceremony')).toBeUndefined();
  });

  it('an event changed here since the last sync and missing from the full listing is held as a pending conflict, not lost', async () => {
    const { t, s, planner } = await world();
    system.add(s, 'Menu tasting', '2027-05-01T17:00:00Z', '2027-05-01T18:00:00Z');
    system.add(s, 'Walkthrough', '2027-05-02T10:00:00Z', '2027-05-02T11:00:00Z');
    await connect(t, planner, system.connection(s, { importEvents: 'all', syncDirection: 'inbound' }));
    const c = await t.connect(W, planner);
    const tasting = await waitFor(() => c.doc.listEvents().find((e) => e.title === 'Menu tasting'), 'the imported tasting');
    await waitFor(() => c.doc.listEvents().find((e) => e.title === 'Walkthrough'), 'the imported walkthrough');
    await outboxIdle(t, planner);
    c.doc.upsertEvent({ id: tasting.id, location: 'Chef’s table' });
    await c.whenAcknowledged();

    system.remove(s, system.find(s, 'Menu tasting')!);
    system.remove(s, system.find(s, 'Walkthrough')!);
    system.expire(s);
    await sync(t, planner, 'full');
    // Unchanged here: deleted. Changed here: kept, with a conflict a person decides.
    await waitFor(() => !c.doc.listEvents().some((e) => e.title === 'Walkthrough'), 'the walkthrough deleted');
    const conflict = await waitFor(async () => (await conflicts(t, planner)).find((x) => x.entityId === tasting.id), 'the conflict on the tasting');
    expect(conflict).toMatchObject({ field: '*', remoteValue: null, status: 'pending', winner: null, source: system.name });
    expect((conflict.localValue as { location: string }).location).toBe('Chef’s table');
    expect(c.doc.getEvent(tasting.id)?.location).toBe('Chef’s table');
  });

  it('the held conflict, resolved for the local value, creates the event in the calendar again; for the remote one, deletes it here', async () => {
    const { t, s, planner } = await world();
    await connect(t, planner, system.connection(s, {}));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(CEREMONY);
    c.doc.upsertEvent({ ...CEREMONY, id: 'toast', title: 'Toast', category: 'reception' });
    await waitFor(() => system.find(s, 'Ceremony') && system.find(s, 'Toast'), 'both in the calendar');
    await outboxIdle(t, planner);
    await sync(t, planner, 'incremental');
    system.remove(s, system.find(s, 'Ceremony')!);
    system.remove(s, system.find(s, 'Toast')!);
    system.expire(s);
    // Edited here before we hear of the deletions (their pushes find nothing to update).
    c.doc.upsertEvent({ id: 'ceremony', location: 'Palm House' });
    c.doc.upsertEvent({ id: 'toast', location: 'Terrace' });
    await c.whenAcknowledged();
    await sync(t, planner, 'full');
    const held = await waitFor(async () => {
      const all = (await conflicts(t, planner)).filter((x) => x.status === 'pending' && x.field === '*');
      return all.length === 2 ? all : undefined;
    }, 'both held as conflicts');
    const resolve = (id: string, winner: 'local' | 'remote') => t.fetch(`/api/integrations/wedding/${W}/conflicts/${id}/resolve`, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ winner }) });
    expect((await resolve(held.find((x) => x.entityId === 'ceremony')!.id, 'local')).status).toBe(200);
    expect((await resolve(held.find((x) => x.entityId === 'toast')!.id, 'remote')).status).toBe(200);
    await waitFor(() => system.find(s, 'Ceremony'), 'the ceremony created in the calendar again');
    await waitFor(() => c.doc.getEvent('toast') === undefined, 'the toast deleted here');
    await outboxIdle(t, planner);
    expect(c.doc.getEvent('ceremony')?.location).toBe('Palm House');
    expect(system.find(s, 'Toast')).toBeUndefined();
  });

  it('an event we took out of this calendar (it left the categories it carries) is not taken for deleted by a full resync', async () => {
    const { t, s, planner } = await world();
    await connect(t, planner, system.connection(s, { categories: ['ceremony'] }));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(CEREMONY);
    await waitFor(() => system.find(s, 'Ceremony'), 'the ceremony in the calendar');
    await outboxIdle(t, planner);
    c.doc.upsertEvent({ id: 'ceremony', category: 'reception' });
    await waitFor(() => system.find(s, 'Ceremony') === undefined, 'the event taken out of the calendar');
    await outboxIdle(t, planner);
    system.expire(s);
    await sync(t, planner, 'full');
    await outboxIdle(t, planner);
    expect(c.doc.getEvent('ceremony')?.category).toBe('reception');
    // And it comes back when it is a ceremony again.
    c.doc.upsertEvent({ id: 'ceremony', category: 'ceremony' });
    await waitFor(() => system.find(s, 'Ceremony'), 'the ceremony back in the calendar');
  });

  it('a full sync with nothing deleted deletes nothing, and an event created during the listing survives it', async () => {
    const { t, s, planner } = await world();
    system.add(s, 'Menu tasting', '2027-05-01T17:00:00Z', '2027-05-01T18:00:00Z');
    await connect(t, planner, system.connection(s, { importEvents: 'all' }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().find((e) => e.title === 'Menu tasting'), 'the imported tasting');
    c.doc.upsertEvent(CEREMONY);
    await waitFor(() => system.find(s, 'Ceremony'), 'the ceremony in the calendar');
    await outboxIdle(t, planner);
    system.expire(s);
    await sync(t, planner, 'full');
    await sync(t, planner, 'incremental');
    expect(c.doc.listEvents().map((e) => e.title).sort()).toEqual(['Ceremony', 'Menu tasting']);
    expect(await auditActions(t, planner)).not.toContain('pull.reconciled');
  });
});

describe('windows, and a full sync asked for', () => {
  it('Google: a deletion the calendar has already forgotten is found by POST sync {syncType: "full"}, with the sync token still valid', async () => {
    const { t, s, planner } = await world();
    const system = SYSTEMS.find((x) => x.name === 'google-calendar')!;
    await connect(t, planner, system.connection(s, {}));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(CEREMONY);
    const id = await waitFor(() => system.find(s, 'Ceremony'), 'the ceremony in the calendar');
    await outboxIdle(t, planner);
    await sync(t, planner, 'incremental');
    s.google.userDelete(s.googleCalendarId, id);
    s.google.forgetDeleted(s.googleCalendarId);
    await sync(t, planner, 'incremental');
    expect(c.doc.getEvent('ceremony')).toBeDefined();
    await sync(t, planner, 'full');
    await waitFor(() => c.doc.getEvent('ceremony') === undefined, 'the ceremony gone after the full sync');
    expect(await auditActions(t, planner)).not.toContain('pull.resync');
  });

  it('a full sync asked for while a scheduled (incremental) pull runs is not folded into it', async () => {
    const { t, s, planner } = await world();
    const system = SYSTEMS.find((x) => x.name === 'google-calendar')!;
    const { integrationId } = await connect(t, planner, system.connection(s, {}));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(CEREMONY);
    const id = await waitFor(() => system.find(s, 'Ceremony'), 'the ceremony in the calendar');
    await outboxIdle(t, planner);
    await sync(t, planner, 'incremental');
    s.google.userDelete(s.googleCalendarId, id);
    s.google.forgetDeleted(s.googleCalendarId);
    // The scheduled pull is under way (and about to fail on a 503) when the full sync is asked for.
    s.google.failNext({ count: 1, status: 503, when: (m) => m === 'GET' });
    const bridge = t.server.bridge;
    const running = bridge.pullInBackground(bridge.registry.get(integrationId)!, false).catch(() => []);
    await sync(t, planner, 'full');
    await running;
    await waitFor(() => c.doc.getEvent('ceremony') === undefined, 'the ceremony gone after the full sync');
  });

  it('Outlook: an event moved out of the calendarView window while the delta token died is not taken for deleted', async () => {
    const { t, s, planner } = await world();
    const system = SYSTEMS.find((x) => x.name === 'outlook')!;
    system.add(s, 'Menu tasting', new Date(Date.now() + 10 * 86_400_000).toISOString(), new Date(Date.now() + 10 * 86_400_000 + 3_600_000).toISOString());
    system.add(s, 'Walkthrough', new Date(Date.now() + 11 * 86_400_000).toISOString(), new Date(Date.now() + 11 * 86_400_000 + 3_600_000).toISOString());
    await connect(t, planner, system.connection(s, { importEvents: 'all', syncDirection: 'inbound', windowFutureDays: 60 }));
    const c = await t.connect(W, planner);
    await waitFor(() => c.doc.listEvents().length === 2, 'both imported');
    s.graph.expireDeltaTokens();
    const far = Date.now() + 400 * 86_400_000;
    s.graph.userUpdate(s.graphUser, system.find(s, 'Menu tasting')!, { start: { dateTime: new Date(far).toISOString().slice(0, 19), timeZone: 'UTC' }, end: { dateTime: new Date(far + 3_600_000).toISOString().slice(0, 19), timeZone: 'UTC' } });
    s.graph.userDelete(s.graphUser, system.find(s, 'Walkthrough')!);
    await sync(t, planner, 'incremental');
    await waitFor(() => !c.doc.listEvents().some((e) => e.title === 'Walkthrough'), 'the deleted one gone');
    expect(c.doc.listEvents().map((e) => e.title)).toEqual(['Menu tasting']);
  });

  it('CalDAV: the venue’s deletion of our ceremony survives a token refusal with 409 as well as 403', async () => {
    const { t, s, planner } = await world();
    await connect(t, planner, caldavConnection(s, W));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(CEREMONY);
    await waitFor(() => s.caldav.objects('venue', 'events').length === 1, 'the ceremony on the server');
    await outboxIdle(t, planner);
    s.caldav.userDelete('venue', 'events', `${eventKey(W, 'ceremony')}@wedsync`);
    s.caldav.expireSyncTokens();
    s.caldav.tokenRefusalStatus = 409;
    await sync(t, planner, 'incremental');
    await waitFor(() => c.doc.getEvent('ceremony') === undefined, 'the ceremony gone');
  });
});

describe('strategies for an event changed here and missing from the listing', () => {
  const caldav = SYSTEMS.find((x) => x.name === 'caldav')!;
  async function scenario(strategy: 'prefer-source' | 'prefer-planner') {
    const { t, s, planner } = await world();
    await connect(t, planner, caldav.connection(s, { conflictStrategies: { timeline: strategy } }));
    const c = await t.connect(W, planner);
    c.doc.upsertEvent(CEREMONY);
    await waitFor(() => caldav.find(s, 'Ceremony'), 'the ceremony in the calendar');
    await outboxIdle(t, planner);
    await sync(t, planner, 'incremental');
    caldav.remove(s, caldav.find(s, 'Ceremony')!);
    caldav.expire(s);
    c.doc.upsertEvent({ id: 'ceremony', location: 'Palm House' });
    await c.whenAcknowledged();
    await sync(t, planner, 'full');
    const conflict = await waitFor(async () => (await conflicts(t, planner)).find((x) => x.entityId === 'ceremony' && x.field === '*'), 'the recorded conflict');
    return { t, s, planner, c, conflict };
  }

  it('prefer-source: the calendar’s deletion stands, the conflict is recorded as resolved', async () => {
    const { c, conflict } = await scenario('prefer-source');
    expect(conflict).toMatchObject({ status: 'resolved', winner: 'remote', strategy: 'prefer-source', remoteValue: null });
    await waitFor(() => c.doc.getEvent('ceremony') === undefined, 'the ceremony deleted here');
  });

  it('prefer-planner: the local event stands and is created in the calendar again', async () => {
    const { s, c, conflict } = await scenario('prefer-planner');
    expect(conflict).toMatchObject({ status: 'resolved', winner: 'local', strategy: 'prefer-planner' });
    await waitFor(() => caldav.find(s, 'Ceremony'), 'the ceremony back in the calendar');
    expect(c.doc.getEvent('ceremony')?.location).toBe('Palm House');
  });
});
