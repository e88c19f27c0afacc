import ICAL from 'ical.js';
import { CalDavSandbox } from '../../adapters/caldav/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startRadicale } from '../helpers/radicale.ts';

/**
 * The CalDAV tests run against two servers: our sandbox and Radicale 3 (a real server). This is
 * the calendar's owner, in another client (Apple Calendar, Thunderbird), speaking plain WebDAV to
 * either of them, so one scenario script drives both and any difference between them shows.
 */
export interface CalDavServer {
  kind: 'sandbox' | 'radicale';
  /** For the adapter's `serverUrl` (discovery starts at /.well-known/caldav). */
  serverUrl: string;
  credentials: { username: string; password: string };
  /** The collection, absolute, with a trailing slash. */
  calendarUrl: string;
  calendarName: string;
  /** A raw WebDAV request as the owner's client; `path` relative to the collection or absolute. */
  request(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string; etag: string | null }>;
  /** PUT of a new object under `name`. */
  put(name: string, ics: string): Promise<void>;
  /** Every object of the collection: href (path), etag, text, master VEVENT. */
  objects(): Promise<{ href: string; etag: string; data: string; vevent: ICAL.Component; cal: ICAL.Component }[]>;
  /** Edits the master VEVENT of the object with `uid` (SEQUENCE + 1), with If-Match. */
  edit(uid: string, change: (vevent: ICAL.Component, cal: ICAL.Component) => void): Promise<void>;
  remove(uid: string): Promise<void>;
  /** Every sync token issued so far is refused from now on, and earlier deletions are forgotten. */
  expireSyncTokens(): Promise<void>;
}

const CALENDAR = 'Venue events';

function server(kind: CalDavServer['kind'], serverUrl: string, calendarUrl: string, credentials: { username: string; password: string }, expire: () => Promise<void>): CalDavServer {
  const auth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const self: CalDavServer = {
    kind, serverUrl, credentials, calendarUrl, calendarName: CALENDAR,
    async request(method, path, init = {}) {
      const res = await fetch(new URL(path, calendarUrl), { method, headers: { authorization: auth, ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
      return { status: res.status, body: await res.text(), etag: res.headers.get('etag') };
    },
    async put(name, ics) {
      const res = await self.request('PUT', name, { body: ics, headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' } });
      if (res.status !== 201) throw new Error(`PUT ${name}: ${res.status} ${res.body}`);
    },
    async objects() {
      const res = await self.request('PROPFIND', '', { headers: { depth: '1', 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>' });
      const collection = new URL(calendarUrl).pathname;
      const hrefs = [...res.body.matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/g)].map((m) => decodeURIComponent(new URL(m[1]!, calendarUrl).pathname)).filter((h) => h !== collection);
      const out = [];
      for (const href of hrefs) {
        const got = await self.request('GET', href);
        if (got.status !== 200) continue;
        const cal = new ICAL.Component(ICAL.parse(got.body));
        const vevent = cal.getAllSubcomponents('vevent').find((v) => !v.hasProperty('recurrence-id'))!;
        out.push({ href, etag: got.etag ?? '', data: got.body, vevent, cal });
      }
      return out;
    },
    async edit(uid, change) {
      const o = (await self.objects()).find((x) => x.vevent.getFirstPropertyValue('uid') === uid);
      if (!o) throw new Error(`no object with UID ${uid}`);
      change(o.vevent, o.cal);
      o.vevent.updatePropertyWithValue('sequence', Number(o.vevent.getFirstPropertyValue('sequence') ?? 0) + 1);
      const res = await self.request('PUT', o.href, { body: o.cal.toString(), headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-match': o.etag } });
      if (res.status !== 201 && res.status !== 204) throw new Error(`PUT ${o.href}: ${res.status} ${res.body}`);
    },
    async remove(uid) {
      const o = (await self.objects()).find((x) => x.vevent.getFirstPropertyValue('uid') === uid);
      if (!o) throw new Error(`no object with UID ${uid}`);
      const res = await self.request('DELETE', o.href);
      if (res.status >= 300) throw new Error(`DELETE ${o.href}: ${res.status}`);
    },
    expireSyncTokens: expire,
  };
  return self;
}

export async function startSandboxServer(): Promise<CalDavServer> {
  const sandbox = await new CalDavSandbox().start();
  registerTeardown(() => sandbox.stop());
  const credentials = sandbox.addUser('venue');
  const calendarUrl = sandbox.addCalendar('venue', { id: 'events', displayName: CALENDAR, timeZone: 'Europe/London' });
  return server('sandbox', sandbox.url, calendarUrl, credentials, async () => sandbox.expireSyncTokens());
}

/** Radicale with a short token age (seconds): `expireSyncTokens` waits it out, then has a token issued (which is when Radicale drops old ones). */
export async function startRadicaleServer(maxSyncTokenAge = 1): Promise<CalDavServer> {
  const radicale = await startRadicale({ maxSyncTokenAge });
  const credentials = { username: 'venue', password: 'any' };
  const calendarUrl = `${radicale.url}/venue/events/`;
  const expire = async () => {
    // Real expiry is a matter of time passing: nothing to poll for.
    await new Promise((r) => setTimeout(r, maxSyncTokenAge * 1000 + 1100));
    const res = await self.request('REPORT', '', { headers: { depth: '1', 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>' });
    if (res.status !== 207) throw new Error(`sync-collection on radicale: ${res.status} ${res.body}`);
  };
  const self = server('radicale', radicale.url, calendarUrl, credentials, expire);
  const made = await self.request('MKCALENDAR', calendarUrl, {
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>${CALENDAR}</d:displayname><c:calendar-timezone>Europe/London</c:calendar-timezone><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`,
  });
  if (made.status !== 201) throw new Error(`MKCALENDAR on radicale: ${made.status} ${made.body}`);
  return self;
}

export const CALDAV_SERVERS = [
  { name: 'sandbox', start: startSandboxServer },
  { name: 'radicale', start: startRadicaleServer },
] as const;

/** The adapter's connection for a wedding, against either server. */
export function caldavServerConnection(s: CalDavServer, weddingId: string, configuration: Record<string, unknown> = {}, vendorId?: string) {
  return {
    weddingId, system: 'caldav', ...(vendorId ? { vendorId } : {}),
    credentials: s.credentials,
    configuration: { serverUrl: s.serverUrl, calendarName: s.calendarName, ...configuration },
  };
}
