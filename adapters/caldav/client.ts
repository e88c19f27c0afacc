import crypto from 'node:crypto';
import {
  calendarMultiGet, calendarQuery, createAccount, createCalendarObject, deleteCalendarObject, fetchCalendarObjects, fetchCalendars, isCollectionDirty, propfind,
  syncCollection, updateCalendarObject,
  type DAVCalendar, type DAVResponse,
} from 'tsdav';
import { AdapterError, errorForStatus, networkError, networkReason } from '../core/errors.ts';
import { masterEvent, parseCalendar } from '../core/icalendar.ts';
import { ianaZoneFor } from '../core/vtimezone-rules.ts';
import type { CalDavConfiguration, CalDavCredentials } from './config.ts';

const SYSTEM = 'caldav';

export interface CalObject { href: string; etag: string | null; data: string }

export interface SyncAnswer {
  changed: { href: string; etag: string | null }[];
  deleted: string[];
  token: string | null;
  /** The server truncated the answer (507 on the collection): ask again with `token`. */
  truncated: boolean;
}

/** A refused sync token (RFC 6578 §3.2: 403 with DAV:valid-sync-token; some servers answer 409 or 410). */
const isInvalidToken = (r: DAVResponse | undefined) => !!r && !r.ok && (r.status === 403 || r.status === 409 || r.status === 410) && JSON.stringify(r.raw ?? '').includes('valid-sync-token');

/**
 * CalDAV through tsdav. Every request goes through `guardedFetch`, which turns answers no DAV
 * method can act on (401, 429, 5xx) and network failures into AdapterErrors the bridge retries
 * or reports; 403/404/409/412 pass through to the method that knows what they mean.
 */
export class CalDavClient {
  private calendar: DAVCalendar | null = null;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly credentials: CalDavCredentials,
    private readonly config: CalDavConfiguration,
    private readonly fetchImpl: typeof fetch,
    private readonly remembered: { get(): { calendarUrl?: string; syncCollection?: boolean; foundFor?: string }; set(v: { calendarUrl: string; syncCollection: boolean; calendarTimeZone: string | undefined; foundFor: string }): void },
  ) {
    this.headers = 'username' in credentials
      ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` }
      : { authorization: `Bearer ${credentials.bearerToken}` };
  }

  readonly guardedFetch: typeof fetch = async (input, init) => {
    let res: Response;
    try {
      res = await this.fetchImpl(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(15_000) });
    } catch (error) {
      throw networkError(SYSTEM, error);
    }
    if (res.status === 401 || res.status === 429 || res.status >= 500) {
      await res.body?.cancel().catch(() => undefined);
      throw errorForStatus(SYSTEM, res.status, res.headers.get('retry-after'));
    }
    return res;
  };

  private common() {
    return { headers: this.headers, fetch: this.guardedFetch };
  }

  /** Discovery (well-known → principal → calendar home → calendars), once; the result is remembered. */
  async collection(): Promise<DAVCalendar & { syncCollection: boolean }> {
    if (this.calendar) return { ...this.calendar, syncCollection: (this.calendar.reports ?? []).includes('syncCollection') };
    const known = this.remembered.get();
    // What was found is used while the settings that chose it are the same. Changed settings (or account) find
    // the calendar again, and so does state kept before `foundFor` existed (once): what it was
    // found for is unknown, and the settings may have changed since.
    // The account counts as well (a digest of its user name: state is not sealed); a bearer token
    // names none, and rotates.
    const account = 'username' in this.credentials ? crypto.createHash('sha256').update(this.credentials.username).digest('base64url').slice(0, 16) : '';
    const foundFor = [this.config.serverUrl, this.config.calendarUrl ?? '', this.config.calendarName ?? '', account].join('\n');
    const url = this.config.calendarUrl ?? known.calendarUrl;
    if (url && known.syncCollection !== undefined && known.foundFor === foundFor) {
      this.calendar = { url: url.endsWith('/') ? url : `${url}/`, reports: known.syncCollection ? ['syncCollection'] : [] };
      return { ...this.calendar, syncCollection: known.syncCollection };
    }
    let calendars: DAVCalendar[];
    try {
      const account = await createAccount({ account: { serverUrl: this.config.serverUrl, accountType: 'caldav' }, ...this.common() });
      calendars = await fetchCalendars({ account, ...this.common() });
    } catch (error) {
      if (error instanceof AdapterError) throw error;
      // tsdav's messages may carry what the server answered; only the kind of failure is reported.
      throw new AdapterError('permanent', `caldav discovery failed at ${this.config.serverUrl} (${networkReason(error)})`, { cause: error });
    }
    const wanted = this.config.calendarUrl
      ? calendars.find((c) => collectionId(c.url, this.config.serverUrl) === collectionId(this.config.calendarUrl!, this.config.serverUrl))
      : this.config.calendarName ? calendars.find((c) => c.displayName === this.config.calendarName) : calendars.find((c) => !c.components?.length || c.components.includes('VEVENT'));
    if (!wanted) throw new AdapterError('permanent', `caldav: no calendar ${this.config.calendarName ?? this.config.calendarUrl ?? 'holding events'} at ${this.config.serverUrl} (the server lists ${calendars.length} calendar${calendars.length === 1 ? '' : 's'})`);
    this.calendar = wanted;
    const syncCollectionSupported = (wanted.reports ?? []).includes('syncCollection');
    // RFC 4791 §5.2.2: floating times and dates in this calendar are read in its calendar-timezone;
    // none (undefined, which clears a zone remembered from the calendar found before) reads them as shown.
    const calendarTimeZone = zoneOfCalendarTimezone(wanted.timezone) ?? undefined;
    this.remembered.set({ calendarUrl: wanted.url, syncCollection: syncCollectionSupported, calendarTimeZone, foundFor });
    return { ...wanted, syncCollection: syncCollectionSupported };
  }

  /** RFC 6578 sync-collection from `token` ('' = initial sync). */
  async sync(token: string): Promise<SyncAnswer> {
    const cal = await this.collection();
    const res = await syncCollection({ url: cal.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token, ...this.common() });
    if (isInvalidToken(res[0])) throw new AdapterError('gone', 'caldav refused the sync token (valid-sync-token): a full sync is needed', { status: res[0]!.status });
    const failed = res.find((r) => !r.ok && r.status !== 404 && r.status !== 507);
    if (failed) throw errorForStatus(SYSTEM, failed.status ?? 500);
    const collectionPath = new URL(cal.url).pathname;
    const answer: SyncAnswer = { changed: [], deleted: [], token: null, truncated: false };
    for (const r of res) {
      if (!r.href) continue;
      const href = decodeURIComponent(new URL(r.href, cal.url).pathname);
      if (href === decodeURIComponent(collectionPath)) {
        if (r.status === 507) answer.truncated = true;
        continue;
      }
      if (r.status === 404) answer.deleted.push(href);
      else answer.changed.push({ href, etag: r.props?.getetag == null ? null : String(r.props.getetag) });
    }
    const raw = res[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined;
    answer.token = raw?.multistatus?.syncToken == null ? null : String(raw.multistatus.syncToken);
    return answer;
  }

  /** The collection's ctag (CalendarServer extension): changes whenever any member does. */
  async ctag(): Promise<string | null> {
    const cal = await this.collection();
    const { newCtag } = await isCollectionDirty({ collection: { url: cal.url, ctag: undefined }, ...this.common() });
    return newCtag ?? null;
  }

  /** Every member's etag (PROPFIND Depth 1): the fallback when sync-collection is not offered. */
  async etags(): Promise<Record<string, string>> {
    const cal = await this.collection();
    const res = await propfind({ url: cal.url, props: { 'd:getetag': {} }, depth: '1', ...this.common() });
    const collectionPath = decodeURIComponent(new URL(cal.url).pathname);
    const out: Record<string, string> = {};
    for (const r of res) {
      if (!r.href || !r.ok) continue;
      const href = decodeURIComponent(new URL(r.href, cal.url).pathname);
      if (href !== collectionPath && r.props?.getetag != null) out[href] = String(r.props.getetag);
    }
    return out;
  }

  /** calendar-multiget of the given members; missing ones are left out. */
  async get(hrefs: string[]): Promise<CalObject[]> {
    if (hrefs.length === 0) return [];
    const cal = await this.collection();
    const res = await calendarMultiGet({ url: cal.url, props: { 'd:getetag': {}, 'c:calendar-data': {} }, objectUrls: hrefs.map(encodeHref), depth: '1', ...this.common() });
    return res.filter((r) => r.ok && r.href).map((r) => ({
      href: decodeURIComponent(new URL(r.href!, cal.url).pathname),
      etag: r.props?.getetag == null ? null : String(r.props.getetag),
      data: String((r.props?.calendarData as { _cdata?: string } | undefined)?._cdata ?? r.props?.calendarData ?? ''),
    }));
  }

  /** PUT of a new member with `If-None-Match: *`; null when the name is taken (412). */
  async create(name: string, ics: string): Promise<{ href: string; etag: string | null } | null> {
    const cal = await this.collection();
    const res = await createCalendarObject({ calendar: cal, filename: name, iCalString: ics, ...this.common() });
    const href = decodeURIComponent(new URL(name, cal.url).pathname);
    if (res.status === 412) return null;
    if (!res.ok) throw errorForStatus(SYSTEM, res.status);
    return { href, etag: res.headers.get('etag') };
  }

  /** PUT over a member with `If-Match: etag`; AdapterError `precondition_failed` on 412. */
  async update(href: string, ics: string, etag: string | null): Promise<string | null> {
    const cal = await this.collection();
    const res = await updateCalendarObject({ calendarObject: { url: new URL(encodeHref(href), cal.url).href, data: ics, ...(etag ? { etag } : {}) }, ...this.common() });
    if (!res.ok) throw errorForStatus(SYSTEM, res.status);
    return res.headers.get('etag');
  }

  /**
   * DELETE, with `If-Match: etag` when one is given (RFC 4918 §10.4): false when the object changed
   * since (412), true when it is gone (deleted now, or already).
   */
  async delete(href: string, etag: string | null): Promise<boolean> {
    const cal = await this.collection();
    const res = await deleteCalendarObject({ calendarObject: { url: new URL(encodeHref(href), cal.url).href, ...(etag ? { etag } : {}) }, ...this.common() });
    if (res.status === 412) return false;
    if (!res.ok && res.status !== 404) throw errorForStatus(SYSTEM, res.status);
    return true;
  }

  /**
   * The object holding `uid`, whatever its name (calendar-query with a UID prop-filter, checked
   * here too, since a server may ignore the filter); undefined when there is none.
   */
  async findByUid(uid: string): Promise<CalObject | undefined> {
    const cal = await this.collection();
    const res = await calendarQuery({
      url: cal.url, depth: '1', props: { 'd:getetag': {}, 'c:calendar-data': {} },
      filters: { 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: 'VEVENT' }, 'prop-filter': { _attributes: { name: 'UID' }, 'text-match': { _attributes: { collation: 'i;octet' }, _text: uid } } } } },
      ...this.common(),
    });
    for (const r of res) {
      if (!r.ok || !r.href) continue;
      const data = String((r.props?.calendarData as { _cdata?: string } | undefined)?._cdata ?? r.props?.calendarData ?? '');
      const parsed = parseCalendar(data);
      if (!parsed || String(masterEvent(parsed)?.getFirstPropertyValue('uid') ?? '') !== uid) continue;
      return { href: decodeURIComponent(new URL(r.href, cal.url).pathname), etag: r.props?.getetag == null ? null : String(r.props.getetag), data };
    }
    return undefined;
  }

  /** calendar-query with a time-range (what overlaps the window). */
  async inRange(start: string, end: string): Promise<CalObject[]> {
    const cal = await this.collection();
    // NOTE: tsdav's default urlFilter keeps only hrefs containing ".ics"; a calendar object may have
    // any name (RFC 4791 §4.1), e.g. `…/meeting-42` from another client, and counts all the same.
    const objects = await fetchCalendarObjects({ calendar: cal, timeRange: { start, end }, urlFilter: (url) => url.length > 0, ...this.common() });
    return objects.map((o) => ({ href: decodeURIComponent(new URL(o.url).pathname), etag: o.etag ?? null, data: String(o.data ?? '') }));
  }
}

/** The IANA zone of a calendar-timezone property (a VCALENDAR holding one VTIMEZONE), when it names one. */
function zoneOfCalendarTimezone(text: unknown): string | null {
  const raw = typeof text === 'string' ? text : (text as { _cdata?: unknown } | null)?._cdata;
  const cal = typeof raw === 'string' && raw ? parseCalendar(raw) : null;
  const tzid = cal?.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid');
  return typeof tzid === 'string' ? ianaZoneFor(tzid) : null;
}

/**
 * A calendar collection's URL as one id (TestedRemote.remoteId): absolute (resolved against the
 * server URL), without user info, query or fragment (they may carry secrets; a collection is named
 * by its path), each path segment percent-encoded one way (`%40` and `@` alike), with one trailing
 * slash (a collection's URL, RFC 4918 §5.2).
 */
export function collectionId(url: string, serverUrl: string): string {
  const u = new URL(url, serverUrl);
  const segment = (s: string) => { try { return encodeURIComponent(decodeURIComponent(s)); } catch { return s; } };
  const path = u.pathname.split('/').map(segment).join('/');
  return `${u.protocol}//${u.host}${path.endsWith('/') ? path : `${path}/`}`;
}

const encodeHref = (href: string) => href.split('/').map((s) => encodeURIComponent(s)).join('/');
