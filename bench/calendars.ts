/**
 * `npm run bench -- calendars`: calendar sync through a running server (its own process) against
 * the three calendar sandboxes (this process), with the real client libraries on both sides:
 * - a timeline change in a connected client → all of 3 connected calendars (Google Calendar,
 *   Outlook, CalDAV) updated, p50/p99; baseline in the same run: the same three writes issued
 *   directly with the same client libraries (what any integration must at least spend)
 * - events/s importing a 2,000-event calendar, and during the full resync after its sync token
 *   expired (410 / valid-sync-token), per system, with no duplicates
 * Options: --quick (fewer samples, 500-event calendars).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectWedding, type WeddingConnection } from '../client/sdk/node.ts';
import { CalDavClient } from '../adapters/caldav/client.ts';
import { CalDavConfiguration } from '../adapters/caldav/config.ts';
import { CalDavSandbox } from '../adapters/caldav/sandbox.ts';
import { eventKey, outboundEvent } from '../adapters/core/calendar.ts';
import { eventCalendar } from '../adapters/core/icalendar.ts';
import { isoInZone } from '../adapters/core/calendar-time.ts';
import { GoogleCalendarClient } from '../adapters/google-calendar/client.ts';
import { GoogleCalendarConfiguration } from '../adapters/google-calendar/config.ts';
import { toGoogleEvent } from '../adapters/google-calendar/mappers.ts';
import { GoogleCalendarSandbox } from '../adapters/google-calendar/sandbox.ts';
import { GraphClient } from '../adapters/outlook/client.ts';
import { OutlookConfiguration } from '../adapters/outlook/config.ts';
import { toGraphEvent } from '../adapters/outlook/mappers.ts';
import { GraphSandbox } from '../adapters/outlook/sandbox.ts';
import { updateICalendar } from '../adapters/caldav/mappers.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { fmt, markdownTable, summarize } from './stats.ts';
import { TS_LOADER } from './server-env.ts';

const SERVER = fileURLToPath(new URL('./core-server.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const W = 'bench-calendars';
const EVENTS = 20;
const DAY0 = Date.parse('2027-06-12T09:00:00Z');

async function startServer(dataDir: string) {
  const child = fork(SERVER, ['wedsync', dataDir], { execArgv: ['--import', TS_LOADER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { port, url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGKILL'); }) };
}

const progress = (line: string) => process.stderr.write(`[calendars] ${line}\n`);

async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 120_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export default async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const samples = quick ? 40 : 200;
  const resyncSize = quick ? 500 : 2000;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-bench-cal-'));
  const server = await startServer(dataDir);
  const token = await createTokenService(BENCH_SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 3600);
  const api = async (pathname: string, init: RequestInit = {}) => {
    const res = await fetch(server.url + pathname, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const google = await new GoogleCalendarSandbox().start();
  const graph = await new GraphSandbox().start();
  const caldav = await new CalDavSandbox().start();

  // ── a wedding with three vendors' calendars connected ─────────────────────────────────────────
  const client: WeddingConnection = await connectWedding({ url: `ws://127.0.0.1:${server.port}/collab`, weddingId: W, token });
  await client.whenSynced();
  client.doc.setMeta({ title: 'Bench wedding', timezone: 'Europe/London', date: '2027-06-12' });
  client.doc.upsertVendor({ id: 'v-1', name: 'Vendor', category: 'planner', email: 'vendor@example.com' });
  for (let i = 0; i < EVENTS; i++) {
    client.doc.upsertEvent({ id: `e${i}`, title: `Event ${i}`, start: isoInZone(DAY0 + i * 1_800_000, 'Europe/London'), end: isoInZone(DAY0 + i * 1_800_000 + 1_500_000, 'Europe/London'), vendorIds: ['v-1'] });
  }
  await client.whenAcknowledged();
  const gCal = google.addCalendar({ id: 'bench@example.com', timeZone: 'America/New_York' });
  const gCredentials = { refreshToken: google.issueRefreshToken('c', 's'), clientId: 'c', clientSecret: 's' };
  const gConfig = { calendarId: gCal, apiBaseUrl: google.url, tokenUrl: google.tokenUrl };
  const mailbox = graph.addMailbox('bench@contoso.com');
  const app = graph.registerApp('tenant');
  const oCredentials = { ...app, refreshToken: graph.issueRefreshToken(app.clientId, mailbox) };
  const oConfig = { apiBaseUrl: graph.url, authorityUrl: graph.authorityUrl };
  const davUser = caldav.addUser('bench');
  caldav.addCalendar('bench', { id: 'cal', displayName: 'Bench' });
  const dConfig = { serverUrl: caldav.url, calendarName: 'Bench' };
  await api('/api/integrations/vendor/connect', { method: 'POST', body: JSON.stringify({ weddingId: W, system: 'google-calendar', credentials: gCredentials, configuration: gConfig }) });
  await api('/api/integrations/vendor/connect', { method: 'POST', body: JSON.stringify({ weddingId: W, system: 'outlook', credentials: oCredentials, configuration: oConfig }) });
  await api('/api/integrations/vendor/connect', { method: 'POST', body: JSON.stringify({ weddingId: W, system: 'caldav', credentials: davUser, configuration: dConfig }) });
  await until(() => google.events(gCal).length === EVENTS && graph.events(mailbox).length === EVENTS && caldav.objects('bench', 'cal').length === EVENTS, 'the initial push to all three calendars');
  const settled = async () => until(async () => {
    const s = await api(`/api/integrations/status/${W}`) as { integrationStatus: { outbox: { pending: number }; inbox: { pending: number } }[] };
    return s.integrationStatus.every((i) => i.outbox.pending === 0 && i.inbox.pending === 0);
  }, 'settled');
  await settled();
  progress('three calendars connected and in step');

  // ── timeline change → all three calendars ──────────────────────────────────────────────────────
  const seen = { google: new Map<string, number>(), outlook: new Map<string, number>(), caldav: new Map<string, number>() };
  google.on('change', (c: { event: { id?: string; start?: { dateTime?: string } } }) => seen.google.set(`${c.event.id}@${Date.parse(c.event.start?.dateTime ?? '')}`, performance.now()));
  graph.on('change', (c: { event: { transactionId?: string | null; start?: { dateTime: string; timeZone: string } | null } }) => {
    const s = c.event.start;
    if (s && c.event.transactionId) seen.outlook.set(`${c.event.transactionId}@${s.dateTime}`, performance.now());
  });
  caldav.on('change', (c: { uid: string; data: string | null }) => {
    const m = c.data ? /DTSTART;TZID=Europe\/London:(\d{8}T\d{6})/.exec(c.data) : null;
    if (m) seen.caldav.set(`${c.uid}@${m[1]}`, performance.now());
  });
  const latencies: number[] = [];
  for (let n = 0; n < samples; n++) {
    const i = n % EVENTS;
    const startMs = DAY0 + i * 1_800_000 + ((n + 1) % 7) * 60_000 + 600_000;
    const key = eventKey(W, `e${i}`);
    const london = isoInZone(startMs, 'Europe/London');
    const wanted = {
      google: `${key}@${startMs}`,
      outlook: `wedsync-${key}@${london.slice(0, 19)}`,
      caldav: `${key}@wedsync@${london.slice(0, 19).replace(/[-:]/g, '')}`,
    };
    for (const m of Object.values(seen)) m.clear();
    const t0 = performance.now();
    client.doc.upsertEvent({ id: `e${i}`, start: london, end: isoInZone(startMs + 1_500_000, 'Europe/London') });
    await until(() => seen.google.has(wanted.google) && seen.outlook.has(wanted.outlook) && seen.caldav.has(wanted.caldav), `sample ${n} in all three calendars`, 30_000);
    latencies.push(Math.max(seen.google.get(wanted.google)!, seen.outlook.get(wanted.outlook)!, seen.caldav.get(wanted.caldav)!) - t0);
  }
  const e2e = summarize(latencies);
  progress(`timeline change → 3 calendars: p50 ${fmt(e2e.p50)} ms`);
  await settled();

  // Baseline: the same three writes, straight from a script with the same client libraries, to
  // calendars of the same sandboxes that WedSync is not connected to (so nothing answers back).
  const now = Date.now;
  const bCal = google.addCalendar({ id: 'baseline@example.com', timeZone: 'America/New_York' });
  const gClient = new GoogleCalendarClient({ credentials: gCredentials, config: GoogleCalendarConfiguration.parse({ ...gConfig, calendarId: bCal }), fetch, now });
  const bBox = graph.addMailbox('baseline@contoso.com');
  const bApp = graph.registerApp('tenant');
  const oClient = new GraphClient({ ...bApp, refreshToken: graph.issueRefreshToken(bApp.clientId, bBox) }, OutlookConfiguration.parse(oConfig), fetch, now);
  const bDav = caldav.addUser('baseline');
  caldav.addCalendar('baseline', { id: 'cal', displayName: 'Bench' });
  let davState: { calendarUrl?: string; syncCollection?: boolean } = {};
  const dClient = new CalDavClient(bDav, CalDavConfiguration.parse({ ...dConfig }), fetch, { get: () => davState, set: (v) => { davState = v; } });
  const wedding = { weddingId: W, meta: { timezone: 'Europe/London' }, vendors: {} };
  const eventAt = (i: number, startMs: number) => outboundEvent({ op: 'upsert', entity: 'timeline', entityId: `e${i}`, externalId: null, data: { title: `Event ${i}`, start: isoInZone(startMs, 'Europe/London'), end: isoInZone(startMs + 1_500_000, 'Europe/London') }, version: null }, wedding);
  const copies: { g: string | null; o: { id: string; etag: string | null }; d: { href: string; etag: string | null } }[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const e = eventAt(i, DAY0 + i * 1_800_000);
    const g = await gClient.insert(toGoogleEvent(e));
    const o = await oClient.createEvent(toGraphEvent(e));
    const d = await dClient.create(`${e.key}.ics`, eventCalendar(e, { sequence: 0, stampMs: Date.now() }));
    copies.push({ g: g.etag ?? null, o: { id: o.id!, etag: o['@odata.etag'] ?? null }, d: d! });
  }
  const baseline: number[] = [];
  for (let n = 0; n < samples; n++) {
    const i = n % EVENTS;
    const e = eventAt(i, DAY0 + i * 1_800_000 + ((n + 3) % 7) * 60_000);
    const copy = copies[i]!;
    const t0 = performance.now();
    const [g, o, d] = await Promise.all([
      gClient.patch(e.key, toGoogleEvent(e, ['start', 'end']), copy.g),
      oClient.patchEvent(copy.o.id, toGraphEvent(e, ['start', 'end']), copy.o.etag),
      (async () => {
        // What the CalDAV adapter does for a change: read the object (keeping the owner's properties), write it back with If-Match.
        const [cur] = await dClient.get([copy.d.href]);
        return dClient.update(copy.d.href, updateICalendar(cur!.data, e, ['start', 'end'], Date.now()), cur!.etag);
      })(),
    ]);
    baseline.push(performance.now() - t0);
    copies[i] = { g: g.etag ?? null, o: { id: copy.o.id, etag: o['@odata.etag'] ?? null }, d: { href: copy.d.href, etag: d } };
  }
  const direct = summarize(baseline);
  await settled();

  // ── full import and full resync of a large calendar, per system ───────────────────────────────
  const resync: Record<string, { import: { seconds: number; perSecond: number }; resync: { seconds: number; perSecond: number }; events: number; duplicates: number }> = {};
  for (const system of ['google-calendar', 'outlook', 'caldav'] as const) {
    const wid = `bench-resync-${system}`;
    let connection: Record<string, unknown>;
    let expire: () => void;
    if (system === 'google-calendar') {
      const id = google.addCalendar({ id: `big-${Date.now()}@example.com`, timeZone: 'Europe/London' });
      for (let i = 0; i < resyncSize; i++) google.userInsert(id, { summary: `Booking ${i}`, start: { dateTime: new Date(DAY0 + i * 3_600_000).toISOString() }, end: { dateTime: new Date(DAY0 + i * 3_600_000 + 1_800_000).toISOString() } });
      connection = { credentials: { refreshToken: google.issueRefreshToken('c', 's'), clientId: 'c', clientSecret: 's' }, configuration: { calendarId: id, apiBaseUrl: google.url, tokenUrl: google.tokenUrl, watch: false } };
      expire = () => google.expireSyncTokens();
    } else if (system === 'outlook') {
      const box = graph.addMailbox(`big-${Date.now()}@contoso.com`);
      for (let i = 0; i < resyncSize; i++) {
        const s = new Date(DAY0 + i * 3_600_000).toISOString().slice(0, 19);
        const e = new Date(DAY0 + i * 3_600_000 + 1_800_000).toISOString().slice(0, 19);
        graph.userCreate(box, { subject: `Booking ${i}`, start: { dateTime: s, timeZone: 'UTC' }, end: { dateTime: e, timeZone: 'UTC' } });
      }
      const a = graph.registerApp('tenant');
      connection = { credentials: { ...a, refreshToken: graph.issueRefreshToken(a.clientId, box) }, configuration: { apiBaseUrl: graph.url, authorityUrl: graph.authorityUrl, subscribe: false } };
      expire = () => graph.expireDeltaTokens();
    } else {
      const user = `big${Date.now()}`;
      const cred = caldav.addUser(user);
      caldav.addCalendar(user, { id: 'big', displayName: 'Big' });
      const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';
      for (let i = 0; i < resyncSize; i++) {
        caldav.userPut(user, 'big', `b${i}.ics`, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:b-${i}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:${stamp(DAY0 + i * 3_600_000)}\r\nDTEND:${stamp(DAY0 + i * 3_600_000 + 1_800_000)}\r\nSUMMARY:Booking ${i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
      }
      connection = { credentials: cred, configuration: { serverUrl: caldav.url, calendarName: 'Big' } };
      expire = () => caldav.expireSyncTokens();
    }
    const c = await connectWedding({ url: `ws://127.0.0.1:${server.port}/collab`, weddingId: wid, token });
    await c.whenSynced();
    const t0 = performance.now();
    const conn = connection as { credentials: unknown; configuration: Record<string, unknown> };
    await api('/api/integrations/vendor/connect', { method: 'POST', body: JSON.stringify({ weddingId: wid, system, credentials: conn.credentials, configuration: { ...conn.configuration, importEvents: 'all', syncDirection: 'inbound' } }) });
    await until(() => c.doc.timeline.size === resyncSize, `${system}: ${resyncSize} events imported`);
    const importSeconds = (performance.now() - t0) / 1000;
    expire();
    const t1 = performance.now();
    const result = await api(`/api/integrations/sync/${wid}`, { method: 'POST', body: JSON.stringify({ syncType: 'incremental' }) }) as { syncResults: { success: boolean; applied: number; skipped: number; error?: string }[] };
    if (!result.syncResults.every((r) => r.success)) throw new Error(`${system} resync failed: ${JSON.stringify(result.syncResults)}`);
    const resyncSeconds = (performance.now() - t1) / 1000;
    const titles = c.doc.listEvents().map((e) => e.title);
    resync[system] = {
      events: titles.length, duplicates: titles.length - new Set(titles).size,
      import: { seconds: importSeconds, perSecond: resyncSize / importSeconds },
      resync: { seconds: resyncSeconds, perSecond: resyncSize / resyncSeconds },
    };
    progress(`${system}: ${resync[system].import.perSecond.toFixed(0)} events/s import, ${resync[system].resync.perSecond.toFixed(0)} events/s resync`);
    await c.destroy();
  }

  await client.destroy();
  await server.stop();
  await Promise.all([google.stop(), graph.stop(), caldav.stop()]);
  fs.rmSync(dataDir, { recursive: true, force: true });

  const table = [
    markdownTable(['timeline change → 3 calendars updated', 'n', 'p50 (ms)', 'p99 (ms)', 'max (ms)'], [
      ['direct writes, same client libraries (baseline)', direct.n, fmt(direct.p50), fmt(direct.p99), fmt(direct.max)],
      ['WedSync: SDK edit → Google + Outlook + CalDAV', e2e.n, fmt(e2e.p50), fmt(e2e.p99), fmt(e2e.max)],
    ]),
    '',
    markdownTable([`${resyncSize}-event calendar`, 'import (events/s)', 'full resync after token expiry (events/s)', 'events in timeline', 'duplicates'],
      Object.entries(resync).map(([system, r]) => [system, fmt(r.import.perSecond, 0), fmt(r.resync.perSecond, 0), r.events, r.duplicates])),
  ].join('\n');
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick, samples, resyncSize, events: EVENTS };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `calendars-${meta.when.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, results: { e2e, direct, resync }, table }, null, 2) + '\n');
  console.log(table);
  console.log(`\n${JSON.stringify(meta)}\nwritten to ${path.relative(process.cwd(), file)}`);
}
