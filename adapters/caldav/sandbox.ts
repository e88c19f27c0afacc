import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import ICAL from 'ical.js';
import { masterEvent, parseCalendar } from '../core/icalendar.ts';
import { SandboxGate } from '../core/sandbox-gate.ts';
import { SandboxServer, takeFailure, type InjectedFailure, type SandboxRequest, type SandboxResponse } from '../core/sandbox-server.ts';
import { sandboxWallMs } from '../core/sandbox-zones.ts';
import { expandObject, instancesIn } from './sandbox-time-range.ts';
import { NS, child, childrenOf, descendants, escapeXml, parseXml, type XmlElement } from './xml.ts';

/**
 * A local CalDAV server (what iCloud, Fastmail or Nextcloud are to the tsdav client): discovery
 * (`/.well-known/caldav` → current-user-principal → calendar-home-set), calendar collections with
 * getctag and sync-token, RFC 6578 sync-collection (truncated with 507 beyond a page, 403
 * valid-sync-token for an expired token), calendar-multiget, calendar-query with time-range
 * (recurrences expanded), and objects with ETags, `If-Match` / `If-None-Match` (412) and the
 * no-uid-conflict precondition. Basic authentication. Sync-collection can be switched off to
 * exercise the ctag/etag fallback. Where the adapter depends on an answer, it is Radicale 3.1's
 * (tests/calendar/caldav-servers.test.ts compares them): 409 no-uid-conflict, deletions in every
 * sync while remembered, multiget hrefs resolved as paths.
 */

interface CalObject { name: string; data: string; etag: string; uid: string; seq: number; deleted: boolean }
interface Collection {
  id: string; displayName: string;
  /** The zone the server expands floating times in; `declaresZone` false: no calendar-timezone property (RFC 4791 §5.2.2 makes it optional). */
  timeZone: string; declaresZone: boolean;
  objects: Map<string, CalObject>; ctag: number;
}
interface User { name: string; password: string; calendars: Map<string, Collection> }

const DAV_HEADERS = { dav: '1, 2, 3, calendar-access, extended-mkcol', 'content-type': 'application/xml; charset=utf-8' };
const status = (code: number) => `HTTP/1.1 ${code} ${code === 200 ? 'OK' : code === 404 ? 'Not Found' : code === 507 ? 'Insufficient Storage' : code === 403 ? 'Forbidden' : ''}`.trim();

/**
 * A calendar-timezone value (RFC 4791 §5.2.2): a VCALENDAR with the collection's VTIMEZONE, here
 * reduced to the offset in force now, which is all a sandbox collection needs to say.
 */
function calendarTimezone(zone: string): string {
  const now = Date.now();
  const off = Math.round((sandboxWallMs(now, zone) - Math.floor(now / 1000) * 1000) / 60_000);
  const text = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`;
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//WedSync//CalDAV sandbox//EN', 'BEGIN:VTIMEZONE', `TZID:${zone}`, 'BEGIN:STANDARD', 'DTSTART:19700101T000000',
    `TZOFFSETFROM:${text}`, `TZOFFSETTO:${text}`, 'END:STANDARD', 'END:VTIMEZONE', 'END:VCALENDAR', ''].join('\r\n');
}

export class CalDavSandbox extends EventEmitter {
  private readonly http = new SandboxServer((req) => this.route(req));
  private readonly users = new Map<string, User>();
  private readonly failures: InjectedFailure[] = [];
  private seq = 0;
  private epoch = 0;
  /** Advertise and answer RFC 6578 sync-collection. @default true */
  syncCollection = true;
  /** The status a refused sync token gets: RFC 6578 says 403, some servers answer 409. @default 403 */
  tokenRefusalStatus: 403 | 409 = 403;
  /** Members per sync-collection answer before it is truncated (507). */
  syncPageSize = 500;

  get url(): string { return this.http.url; }
  get requests() { return this.http.log; }

  /** Objects read (calendar-multiget) are answered as they are when asked, but only at `releaseReads()`: a pull's read on its way while the calendar changes. */
  holdReads(): void { this.readGate.hold(); }

  releaseReads(): void { this.readGate.release(); }

  /** Reads held by `holdReads` not answered yet. */
  get heldReads(): number { return this.readGate.count; }

  /** Listings (sync-collection) are answered as they are when asked, but only at `releaseListings()`. */
  holdListings(): void { this.listingGate.hold(); }

  releaseListings(): void { this.listingGate.release(); }

  /** Listings held by `holdListings` not answered yet. */
  get heldListings(): number { return this.listingGate.count; }

  private readonly readGate = new SandboxGate();
  private readonly listingGate = new SandboxGate();

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  stop(): Promise<void> { return this.http.stop(); }

  addUser(name: string, password = crypto.randomBytes(12).toString('base64url')): { username: string; password: string } {
    this.users.set(name, { name, password, calendars: new Map() });
    return { username: name, password };
  }

  addCalendar(user: string, c: { id: string; displayName?: string; timeZone?: string | null }): string {
    this.user(user).calendars.set(c.id, { id: c.id, displayName: c.displayName ?? c.id, timeZone: c.timeZone ?? 'UTC', declaresZone: c.timeZone !== null, objects: new Map(), ctag: 0 });
    return `${this.url}/dav/calendars/${user}/${c.id}/`;
  }

  /** Live objects of a calendar, parsed. */
  objects(user: string, calendar: string): { href: string; etag: string; data: string; vevent: ICAL.Component }[] {
    return [...this.col(user, calendar).objects.values()].filter((o) => !o.deleted).map((o) => ({
      href: this.href(user, calendar, o.name), etag: o.etag, data: o.data, vevent: masterEvent(parseCalendar(o.data)!)!,
    }));
  }

  writes(user: string, calendar: string) {
    const prefix = `/dav/calendars/${user}/${calendar}/`;
    return this.requests.filter((r) => r.path.startsWith(prefix) && (r.method === 'PUT' || r.method === 'DELETE'));
  }

  failNext(f: InjectedFailure): void { this.failures.push(f); }
  /**
   * Sync tokens issued so far are refused (403 valid-sync-token), and deletions are forgotten with
   * them, as Radicale does with `max_sync_token_age` (one age for tokens and for its history).
   */
  expireSyncTokens(): void {
    this.epoch++;
    for (const u of this.users.values()) for (const c of u.calendars.values()) for (const [name, o] of c.objects) if (o.deleted) c.objects.delete(name);
  }

  // ── what a person does in Apple Calendar ─────────────────────────────────────────────────────
  userPut(user: string, calendar: string, name: string, ics: string): string {
    return this.put(this.col(user, calendar), name, ics).etag;
  }

  /** Edits the master VEVENT of the object holding `uid` (bumping SEQUENCE, as clients do). */
  userEdit(user: string, calendar: string, uid: string, edit: (vevent: ICAL.Component) => void): void {
    const col = this.col(user, calendar);
    const o = [...col.objects.values()].find((x) => x.uid === uid && !x.deleted);
    if (!o) throw new Error(`no object with UID ${uid}`);
    const cal = parseCalendar(o.data)!;
    const v = masterEvent(cal)!;
    edit(v);
    v.updatePropertyWithValue('sequence', Number(v.getFirstPropertyValue('sequence') ?? 0) + 1);
    this.put(col, o.name, cal.toString());
  }

  userDelete(user: string, calendar: string, uid: string): void {
    const col = this.col(user, calendar);
    const o = [...col.objects.values()].find((x) => x.uid === uid && !x.deleted);
    if (!o) throw new Error(`no object with UID ${uid}`);
    this.del(col, o);
  }

  // ── storage ─────────────────────────────────────────────────────────────────────────────────
  private user(name: string): User {
    const u = this.users.get(name);
    if (!u) throw new Error(`no user ${name}`);
    return u;
  }

  private col(user: string, id: string): Collection {
    const c = this.user(user).calendars.get(id);
    if (!c) throw new Error(`no calendar ${id}`);
    return c;
  }

  private href(user: string, cal: string, name: string): string { return `/dav/calendars/${user}/${cal}/${name}`; }
  private syncToken(col: Collection): string { return `${this.url}/sync/${col.id}/${this.epoch}-${this.seq}`; }

  private put(col: Collection, name: string, data: string): CalObject {
    const cal = parseCalendar(data);
    const uid = cal ? String(masterEvent(cal)?.getFirstPropertyValue('uid') ?? '') : '';
    const o: CalObject = { name, data, uid, etag: `"${crypto.createHash('sha256').update(data).update(String(this.seq)).digest('hex').slice(0, 20)}"`, seq: ++this.seq, deleted: false };
    col.objects.set(name, o);
    col.ctag++;
    this.emit('change', { calendar: col.id, name, uid, data });
    return o;
  }

  private del(col: Collection, o: CalObject): void {
    o.deleted = true;
    o.seq = ++this.seq;
    col.ctag++;
    this.emit('change', { calendar: col.id, name: o.name, uid: o.uid, data: null });
  }

  // ── the protocol ────────────────────────────────────────────────────────────────────────────
  private async route(req: SandboxRequest): Promise<SandboxResponse> {
    const path = decodeURIComponent(req.url.pathname);
    if (path === '/.well-known/caldav') return { status: 301, headers: { location: '/dav/' } };
    const failure = takeFailure(this.failures, req.method, path);
    if (failure) return { status: failure.status, headers: failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}, body: '' };
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [name, password] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(/:(.*)/s) : [];
    const user = name ? this.users.get(name) : undefined;
    if (!user || user.password !== password) return { status: 401, headers: { 'www-authenticate': 'Basic realm="CalDAV sandbox"' }, body: '' };

    if (path === '/dav/' || path === '/dav') {
      return this.propfindSimple(req, '/dav/', (prop) => prop.name === 'current-user-principal' ? `<d:current-user-principal><d:href>/dav/principals/${user.name}/</d:href></d:current-user-principal>` : prop.name === 'resourcetype' ? '<d:resourcetype><d:collection/></d:resourcetype>' : null);
    }
    if (path === `/dav/principals/${user.name}/`) {
      return this.propfindSimple(req, path, (prop) => {
        if (prop.name === 'calendar-home-set') return `<c:calendar-home-set><d:href>/dav/calendars/${user.name}/</d:href></c:calendar-home-set>`;
        if (prop.name === 'calendar-user-address-set') return `<c:calendar-user-address-set><d:href>mailto:${user.name}@sandbox.invalid</d:href></c:calendar-user-address-set>`;
        if (prop.name === 'current-user-principal') return `<d:current-user-principal><d:href>${path}</d:href></d:current-user-principal>`;
        if (prop.name === 'resourcetype') return '<d:resourcetype><d:principal/></d:resourcetype>';
        return null;
      });
    }
    const home = `/dav/calendars/${user.name}/`;
    if (path === home) return this.propfindHome(req, user);
    if (!path.startsWith(home)) return { status: 403, body: '' };
    const [calId, objName] = path.slice(home.length).split('/');
    const col = calId ? user.calendars.get(calId) : undefined;
    if (!col) return { status: 404, body: '' };
    if (!objName) {
      if (req.method === 'PROPFIND') return this.propfindCollection(req, user, col);
      if (req.method === 'REPORT') {
        const answer = this.report(req, user, col);
        if (/calendar-multiget/.test(req.body)) await this.readGate.pass();
        if (/sync-collection/.test(req.body)) await this.listingGate.pass();
        return answer;
      }
      return { status: 405, body: '' };
    }
    return this.object(req, user, col, objName);
  }

  private requested(req: SandboxRequest): XmlElement[] {
    if (!req.body.trim()) return [];
    const doc = parseXml(req.body);
    return child(doc, NS.dav, 'prop')?.children ?? [];
  }

  private multistatus(responses: string[], extra = ''): SandboxResponse {
    return {
      status: 207, headers: DAV_HEADERS,
      body: `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:ic="http://apple.com/ns/ical/">${responses.join('')}${extra}</d:multistatus>`,
    };
  }

  private response(href: string, props: XmlElement[], value: (p: XmlElement) => string | null): string {
    const found: string[] = [];
    const missing: string[] = [];
    for (const p of props) {
      const v = value(p);
      if (v === null) missing.push(`<x:${p.name} xmlns:x="${p.ns}"/>`); else found.push(v);
    }
    return `<d:response><d:href>${escapeXml(href)}</d:href>`
      + (found.length ? `<d:propstat><d:prop>${found.join('')}</d:prop><d:status>${status(200)}</d:status></d:propstat>` : '')
      + (missing.length ? `<d:propstat><d:prop>${missing.join('')}</d:prop><d:status>${status(404)}</d:status></d:propstat>` : '')
      + '</d:response>';
  }

  private propfindSimple(req: SandboxRequest, href: string, value: (p: XmlElement) => string | null): SandboxResponse {
    if (req.method !== 'PROPFIND') return { status: 405, body: '' };
    return this.multistatus([this.response(href, this.requested(req), value)]);
  }

  private collectionProp(user: User, col: Collection, p: XmlElement): string | null {
    switch (p.name) {
      case 'resourcetype': return '<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>';
      case 'displayname': return `<d:displayname>${escapeXml(col.displayName)}</d:displayname>`;
      case 'getctag': return `<cs:getctag>${col.ctag}-${col.id}</cs:getctag>`;
      case 'sync-token': return this.syncCollection ? `<d:sync-token>${escapeXml(this.syncToken(col))}</d:sync-token>` : null;
      case 'supported-calendar-component-set': return '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>';
      case 'calendar-timezone': return !col.declaresZone ? null : `<c:calendar-timezone>${escapeXml(calendarTimezone(col.timeZone))}</c:calendar-timezone>`;
      case 'calendar-description': return `<c:calendar-description>${escapeXml(col.displayName)} of ${escapeXml(user.name)}</c:calendar-description>`;
      case 'calendar-color': return '<ic:calendar-color>#7c3aedff</ic:calendar-color>';
      case 'supported-report-set':
        return `<d:supported-report-set>${this.syncCollection ? '<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>' : ''}`
          + '<d:supported-report><d:report><c:calendar-multiget/></d:report></d:supported-report><d:supported-report><d:report><c:calendar-query/></d:report></d:supported-report></d:supported-report-set>';
      default: return null;
    }
  }

  private propfindHome(req: SandboxRequest, user: User): SandboxResponse {
    if (req.method !== 'PROPFIND') return { status: 405, body: '' };
    const props = this.requested(req);
    const home = `/dav/calendars/${user.name}/`;
    const out = [this.response(home, props, (p) => (p.name === 'resourcetype' ? '<d:resourcetype><d:collection/></d:resourcetype>' : null))];
    if (req.headers.depth !== '0') for (const col of user.calendars.values()) out.push(this.response(`${home}${col.id}/`, props, (p) => this.collectionProp(user, col, p)));
    return this.multistatus(out);
  }

  private propfindCollection(req: SandboxRequest, user: User, col: Collection): SandboxResponse {
    const props = this.requested(req);
    const out = [this.response(`/dav/calendars/${user.name}/${col.id}/`, props, (p) => this.collectionProp(user, col, p))];
    if (req.headers.depth === '1') {
      for (const o of col.objects.values()) {
        if (o.deleted) continue;
        out.push(this.response(this.href(user.name, col.id, o.name), props, (p) => (p.name === 'getetag' ? `<d:getetag>${escapeXml(o.etag)}</d:getetag>` : p.name === 'getcontenttype' ? '<d:getcontenttype>text/calendar; charset=utf-8; component=vevent</d:getcontenttype>' : p.name === 'resourcetype' ? '<d:resourcetype/>' : null)));
      }
    }
    return this.multistatus(out);
  }

  private objectProp(o: CalObject, p: XmlElement): string | null {
    if (p.name === 'getetag') return `<d:getetag>${escapeXml(o.etag)}</d:getetag>`;
    if (p.name === 'calendar-data') return `<c:calendar-data>${escapeXml(o.data)}</c:calendar-data>`;
    if (p.name === 'getcontenttype') return '<d:getcontenttype>text/calendar; charset=utf-8</d:getcontenttype>';
    return null;
  }

  private report(req: SandboxRequest, user: User, col: Collection): SandboxResponse {
    let doc: XmlElement;
    try { doc = parseXml(req.body); } catch { return { status: 400, body: 'malformed XML' }; }
    const props = child(doc, NS.dav, 'prop')?.children ?? [];
    if (doc.ns === NS.dav && doc.name === 'sync-collection') {
      if (!this.syncCollection) return { status: 403, headers: DAV_HEADERS, body: '<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:"><d:supported-report/></d:error>' };
      const given = child(doc, NS.dav, 'sync-token')?.text.trim() ?? '';
      let since = 0;
      if (given) {
        const m = /\/sync\/([^/]+)\/(\d+)-(\d+)$/.exec(given);
        if (!m || m[1] !== col.id || Number(m[2]) !== this.epoch || Number(m[3]) > this.seq) {
          return { status: this.tokenRefusalStatus, headers: DAV_HEADERS, body: '<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>' };
        }
        since = Number(m[3]);
      }
      // Like Radicale, every sync lists deletions as 404 while they are remembered, the initial one
      // (no token) included (RFC 6578 §3.4 allows either).
      const changed = [...col.objects.values()].filter((o) => o.seq > since).sort((a, b) => a.seq - b.seq);
      const page = changed.slice(0, this.syncPageSize);
      const truncated = changed.length > page.length;
      const upTo = truncated ? page.at(-1)!.seq : this.seq;
      const out = page.map((o) => (o.deleted
        ? `<d:response><d:href>${escapeXml(this.href(user.name, col.id, o.name))}</d:href><d:status>${status(404)}</d:status></d:response>`
        : this.response(this.href(user.name, col.id, o.name), props, (p) => this.objectProp(o, p))));
      // RFC 6578 §3.6: a truncated answer says so with 507 on the collection itself.
      if (truncated) out.push(`<d:response><d:href>/dav/calendars/${user.name}/${col.id}/</d:href><d:status>${status(507)}</d:status><d:error><d:number-of-matches-within-limits/></d:error></d:response>`);
      return this.multistatus(out, `<d:sync-token>${escapeXml(`${this.url}/sync/${col.id}/${this.epoch}-${upTo}`)}</d:sync-token>`);
    }
    if (doc.ns === NS.caldav && doc.name === 'calendar-multiget') {
      // Hrefs are resolved like any URL path (RFC 4918 §8.3): a bare name is not a member.
      const prefix = `/dav/calendars/${user.name}/${col.id}/`;
      const out = childrenOf(doc, NS.dav, 'href').map((h) => {
        const href = decodeURIComponent(new URL(h.text.trim(), `${this.url}/`).pathname);
        const o = href.startsWith(prefix) && !href.slice(prefix.length).includes('/') ? col.objects.get(href.slice(prefix.length)) : undefined;
        if (!o || o.deleted) return `<d:response><d:href>${escapeXml(href)}</d:href><d:status>${status(404)}</d:status></d:response>`;
        return this.response(this.href(user.name, col.id, o.name), props, (p) => this.objectProp(o, p));
      });
      return this.multistatus(out);
    }
    if (doc.ns === NS.caldav && doc.name === 'calendar-query') {
      // RFC 4791 §9.9: an object matches when any instance of its series overlaps the range;
      // §9.6.5: with <C:expand> its calendar-data is those instances, in UTC, one VEVENT each.
      const range = descendants(doc, NS.caldav, 'time-range')[0];
      const expand = descendants(doc, NS.caldav, 'expand')[0];
      const parse = (v: string | undefined) => (v ? Date.parse(v.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) : NaN);
      const bound = (v: string | undefined, missing: number) => (Number.isFinite(parse(v)) ? parse(v) : missing);
      const from = bound(range?.attrs.start, -8.64e15);
      const to = bound(range?.attrs.end, 8.64e15);
      const out = [...col.objects.values()].filter((o) => !o.deleted).filter((o) => {
        if (!range) return true;
        try {
          return instancesIn(o.data, from, to, col.timeZone).length > 0;
        } catch {
          return false;
        }
      }).map((o) => {
        const shown = expand ? { ...o, data: expandObject(o.data, bound(expand.attrs.start, -8.64e15), bound(expand.attrs.end, 8.64e15), col.timeZone) } : o;
        return this.response(this.href(user.name, col.id, o.name), props, (p) => this.objectProp(shown, p));
      });
      return this.multistatus(out);
    }
    return { status: 403, headers: DAV_HEADERS, body: '<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:"><d:supported-report/></d:error>' };
  }

  private object(req: SandboxRequest, user: User, col: Collection, name: string): SandboxResponse {
    const existing = col.objects.get(name);
    const live = existing && !existing.deleted ? existing : undefined;
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    switch (req.method) {
      case 'GET':
        return live ? { status: 200, headers: { 'content-type': 'text/calendar; charset=utf-8', etag: live.etag }, body: live.data } : { status: 404, body: '' };
      case 'PUT': {
        if (ifNoneMatch === '*' && live) return { status: 412, body: '' };
        if (ifMatch && (!live || (ifMatch !== '*' && ifMatch !== live.etag))) return { status: 412, body: '' };
        const cal = parseCalendar(req.body);
        const uid = cal ? masterEvent(cal)?.getFirstPropertyValue('uid') : null;
        if (!cal || !uid) return { status: 415, headers: DAV_HEADERS, body: '<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:valid-calendar-data/></d:error>' };
        // RFC 4791 §5.3.2.1 no-uid-conflict, answered as Radicale does (409): a UID used by another
        // object of the collection, or a change of this object's UID.
        const clash = [...col.objects.values()].find((o) => !o.deleted && o.uid === String(uid) && o.name !== name);
        if (clash || (live && live.uid !== String(uid))) {
          return { status: 409, headers: DAV_HEADERS, body: `<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:no-uid-conflict>${clash ? `<d:href>${escapeXml(this.href(user.name, col.id, clash.name))}</d:href>` : ''}</c:no-uid-conflict></d:error>` };
        }
        const o = this.put(col, name, req.body);
        return { status: live ? 204 : 201, headers: { etag: o.etag }, body: '' };
      }
      case 'DELETE':
        if (!live) return { status: 404, body: '' };
        if (ifMatch && ifMatch !== live.etag) return { status: 412, body: '' };
        this.del(col, live);
        return { status: 204, body: '' };
      default:
        return { status: 405, body: '' };
    }
  }
}
