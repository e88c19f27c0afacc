import {
  AdapterError, parseAdapterConfig,
  type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type OutboundChange, type PullPage, type PushResult,
  type WeddingContext, testedRemote,
} from '../core/index.ts';
import {
  CALENDAR_FIELDS, acceptsCalendarChange, timelineListing, pushCalendarChange, changedSinceBase, mergeFields, remoteInWeddingTerms,
  timelineFieldsOf, toTimelineChange, weddingZone,
  type BusyInterval, type CalendarAdapter, type OutboundEvent,
} from '../core/calendar.ts';
import { positionAt, positioned } from '../core/snapshot-position.ts';
import { isKnownTimeZone } from '../core/calendar-time.ts';
import { busyIntervals, keyOfUid, masterEvent, parseCalendar, uidFor } from '../core/icalendar.ts';
import { CalDavClient, collectionId, type CalObject } from './client.ts';
import { CalDavConfiguration, CalDavCredentials } from './config.ts';
import { decodeCursor, encodeCursor, fromICalendar, objectName, toICalendar, updateICalendar, type CalDavCursor } from './mappers.ts';

export const SYSTEM = 'caldav';
const FIELDS = CALENDAR_FIELDS.timeline;
const MAX_MERGE_ROUNDS = 3;

interface CalDavState { calendarUrl?: string; syncCollection?: boolean; weddingTimeZone?: string; calendarTimeZone?: string; /** The settings (server, URL, name) the calendar was found for. */ foundFor?: string }

/**
 * Apple Calendar and any CalDAV server through tsdav: discovery, RFC 6578 sync-collection with the
 * stored token (ctag + etags when the server has no sync-collection), invalid token → full resync,
 * writes as iCalendar (ical.js) with `If-None-Match: *` for new objects and `If-Match` for changes.
 * CalDAV has no push channel: changes arrive by scheduled pulls.
 */
export function createCalDavAdapter(input: AdapterInput): CalendarAdapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', CalDavConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', CalDavCredentials, input.credentials);
  const { runtime } = input;
  const state = () => runtime.state.get() as CalDavState;
  const setState = (patch: Partial<CalDavState>) => runtime.state.set({ ...state(), ...patch });
  const client = new CalDavClient(credentials, config, runtime.fetch, { get: state, set: (v) => setState(v) });
  const inbound = config.syncDirection !== 'outbound';
  const outbound = config.syncDirection !== 'inbound';
  const capabilities: Capability[] = [...(inbound ? ['pull' as const] : []), ...(outbound ? ['push' as const] : [])];
  const readZone = (eventZone: string | null) => state().weddingTimeZone ?? config.timeZone ?? eventZone ?? 'UTC';
  /** Where floating times and all-day dates are: the calendar's calendar-timezone (RFC 4791 §5.2.2), else as shown. */
  const floatingZone = () => state().calendarTimeZone ?? readZone(null);
  const rememberZone = (wedding: WeddingContext) => {
    const zone = weddingZone(wedding);
    if (isKnownTimeZone(wedding.meta.timezone) && state().weddingTimeZone !== zone) setState({ weddingTimeZone: zone });
  };

  const toChange = (o: CalObject): InboundChange | null => {
    const e = fromICalendar(o.data, o.href, floatingZone());
    if (!e) return null;
    return toTimelineChange(e, { weddingId: runtime.weddingId, options: config, zone: readZone(e.zone) });
  };

  /**
   * CalDAV objects carry no modification time the server keeps (`LAST-MODIFIED` is optional, set by
   * whichever client wrote, to the second), so the hub orders what it reads and writes by its own
   * clock (ms since the epoch, UTC): an object read is positioned at the moment its
   * calendar-multiget was asked for, a deletion at the moment the listing that reported it was,
   * and a write at the moment the server answered it (PushResult `position`). A read asked before
   * our write was answered may have been served before the write landed; applied after it, it
   * would take the object back, so the inbox skips it (server/bridge/inbound-applier.ts). When it
   * was served before the write landed, the listing before it was too, so the next pull lists the
   * object again (our write changed it). One served in the moment between the write landing and
   * its answer reaching us is skipped although it is current: what the calendar changed in that
   * moment comes in with the object's next change.
   */
  async function fetchChanges(hrefs: string[]): Promise<InboundChange[]> {
    const out: InboundChange[] = [];
    for (let i = 0; i < hrefs.length; i += config.multigetBatch) {
      const at = runtime.now();
      for (const o of await client.get(hrefs.slice(i, i + config.multigetBatch))) {
        const c = toChange(o);
        if (c) out.push(positioned(c, at));
      }
    }
    return out;
  }

  /** Members a listing asked for at `at` (ms) reported gone (see fetchChanges). */
  const deletions = (hrefs: string[], at: number): InboundChange[] => hrefs.map((href) => positioned({ op: 'delete', entity: 'timeline', externalId: href }, at));

  /** PushResult `position` of a write answered now (see fetchChanges). */
  const wroteNow = () => positionAt(runtime.now());

  /**
   * What we last wrote, by href, with the ETag the server gave it: while the server still has that
   * ETag (our If-Match says so), the object is exactly this text and need not be read again.
   */
  const written = new Map<string, { etag: string; data: string }>();
  const remember = (href: string, etag: string | null, data: string) => {
    written.delete(href);
    if (!etag) return;
    if (written.size >= 2000) written.delete(written.keys().next().value!);
    written.set(href, { etag, data });
  };

  async function create(e: OutboundEvent, change: OutboundChange): Promise<PushResult> {
    const ics = toICalendar(e, runtime.now());
    let created;
    try {
      created = await client.create(objectName(e.key), ics);
    } catch (error) {
      // 409 no-uid-conflict: the event is already in the collection under another name (another
      // client moved or copied it). UIDs are for life: update that object instead.
      if (!(error instanceof AdapterError && error.extra.status === 409)) throw error;
      const existing = await client.findByUid(uidFor(e.key));
      if (!existing) throw error;
      return update(existing.href, e, { ...change, base: null });
    }
    if (created) {
      remember(created.href, created.etag, ics);
      return { externalId: created.href, version: created.etag, ...wroteNow() };
    }
    // The name is taken: an earlier attempt (or an earlier life of this event) made it.
    const cal = await client.collection();
    return update(decodeURIComponent(new URL(objectName(e.key), cal.url).pathname), e, { ...change, base: null });
  }

  /** Read (unless we wrote it last), merge field by field against the last synced base, write with If-Match; again on 412. */
  async function update(href: string, e: OutboundEvent, change: OutboundChange): Promise<PushResult> {
    const local = change.data ?? {};
    const mine = written.get(href);
    let known: CalObject | undefined = mine && change.version === mine.etag ? { href, etag: mine.etag, data: mine.data } : undefined;
    for (let round = 0; ; round++) {
      const [current] = known ? [known] : await client.get([href]);
      known = undefined;
      if (!current) throw new AdapterError('gone', `caldav object ${href} was deleted in the calendar; the deletion comes in with the next pull`, { status: 404 });
      const remote = fromICalendar(current.data, href, floatingZone());
      const merged = remote && !remote.cancelled
        ? mergeFields(FIELDS, local, remoteInWeddingTerms(timelineFieldsOf(remote, 'UTC'), e), change.base)
        : { write: changedSinceBase(FIELDS, local, null), unwritten: [] as string[] };
      // Only what changed here since the last sync is written: a field the object cannot carry as
      // we would (another client's CATEGORIES, say) is not rewritten just because it reads differently.
      const changedHere = new Set(changedSinceBase(FIELDS, local, change.base));
      const { unwritten } = merged;
      const write = merged.write.filter((f) => changedHere.has(f));
      if (write.length === 0) return { externalId: href, version: current.etag, unwritten };
      try {
        const data = updateICalendar(current.data, e, write, runtime.now());
        const etag = await client.update(href, data, current.etag);
        remember(href, etag, data);
        return { externalId: href, version: etag, unwritten, ...wroteNow() };
      } catch (error) {
        if (!(error instanceof AdapterError && error.code === 'precondition_failed') || round >= MAX_MERGE_ROUNDS) throw error;
      }
    }
  }

  /** A full read lists every member (the pages of an initial sync-collection, or every etag): it vouches for absence. */
  const listing = (full: boolean, hrefs: string[]): Pick<PullPage, 'listing'> => (full ? { listing: timelineListing(hrefs) } : {});

  /**
   * A conditional DELETE (If-Match: the ETag we last synced). On 412 the owner changed the object
   * since: it is re-read and kept, and comes back to the wedding as a conflict with our deletion
   * rather than being lost. Without a known ETag (or for an event leaving the calendar's scope)
   * the delete is unconditional.
   */
  async function remove(href: string, change: OutboundChange): Promise<PushResult | void> {
    let etag = change.version;
    for (let round = 0; round <= MAX_MERGE_ROUNDS; round++) {
      // Gone, as of the server's answer: a read asked before it is older (see fetchChanges).
      if (await client.delete(href, etag)) {
        written.delete(href);
        return { externalId: null, ...wroteNow() };
      }
      const [current] = await client.get([href]);
      if (!current) return { externalId: null, ...wroteNow() };
      const back = toChange(current);
      if (back?.op === 'upsert' && changedSinceBase(FIELDS, back.data, change.base).length > 0) {
        return { externalId: href, version: current.etag, changes: [{ ...back, entityId: change.entityId, refusedDelete: true }] };
      }
      // Nothing we carry changed there (an alarm, say): the deletion stands, on the current version.
      etag = current.etag;
    }
    throw new AdapterError('precondition_failed', `caldav object ${href} kept changing while we deleted it`, { status: 412 });
  }

  async function pullSync(cursor: CalDavCursor | null, full: boolean): Promise<PullPage> {
    const token = cursor?.kind === 'sync' ? cursor.token : '';
    const listedAt = runtime.now();
    const answer = await client.sync(token);
    const changes = [...await fetchChanges(answer.changed.map((c) => c.href)), ...deletions(answer.deleted, listedAt)];
    const next = answer.token ? encodeCursor({ kind: 'sync', token: answer.token }) : null;
    return { changes, cursor: next, more: answer.truncated && !!answer.token, ...listing(full, answer.changed.map((c) => c.href)) };
  }

  async function pullCtag(cursor: CalDavCursor | null, full: boolean): Promise<PullPage> {
    const known = cursor?.kind === 'ctag' ? cursor : null;
    const ctag = await client.ctag();
    if (known && ctag !== null && known.ctag === ctag) return { changes: [], cursor: encodeCursor(known), more: false };
    const listedAt = runtime.now();
    const etags = await client.etags();
    const before = known?.etags ?? {};
    const changed = Object.keys(etags).filter((href) => before[href] !== etags[href]);
    const gone = Object.keys(before).filter((href) => !(href in etags));
    const changes = [...await fetchChanges(changed), ...deletions(gone, listedAt)];
    return { changes, cursor: encodeCursor({ kind: 'ctag', ctag: ctag ?? '', etags }), more: false, ...listing(full, Object.keys(etags)) };
  }

  const adapter: CalendarAdapter = {
    system: SYSTEM,
    category: 'calendar_system',
    capabilities,
    fields: CALENDAR_FIELDS,
    calendarOptions: config,

    async testConnection() {
      const cal = await client.collection();
      return testedRemote(collectionId(cal.url, config.serverUrl), typeof cal.displayName === 'string' ? cal.displayName : undefined);
    },

    // The bridge starts a full read with no cursor; a cursor in a full read continues a truncated answer.
    async pull({ cursor, full }): Promise<PullPage> {
      const at = decodeCursor(cursor);
      const cal = await client.collection();
      return cal.syncCollection ? pullSync(at, full) : pullCtag(full ? null : at, full);
    },

    accepts(change) {
      return acceptsCalendarChange(config, change);
    },

    async push(change, { wedding }): Promise<PushResult> {
      rememberZone(wedding);
      return pushCalendarChange(config, change, wedding, { create, update, remove });
    },

    async busy({ from, to }): Promise<BusyInterval[]> {
      const fromMs = Date.parse(from);
      const toMs = Date.parse(to);
      const out: BusyInterval[] = [];
      for (const o of await client.inRange(from, to)) {
        const cal = parseCalendar(o.data);
        const v = cal ? masterEvent(cal) : null;
        if (!cal || !v || keyOfUid(String(v.getFirstPropertyValue('uid') ?? ''))) continue;
        for (const b of busyIntervals(cal, floatingZone(), fromMs, toMs)) {
          out.push({ externalId: o.href, start: new Date(b.startMs).toISOString(), end: new Date(b.endMs).toISOString(), ...(b.title ? { title: b.title } : {}) });
        }
      }
      return out;
    },
  };
  return adapter;
}

export const calDavAdapter: AdapterDefinition = {
  namesRemote: true,
  system: SYSTEM,
  fields: CALENDAR_FIELDS,
  category: 'calendar_system',
  capabilities: ['pull', 'push'],
  description: 'Apple Calendar (iCloud) and any CalDAV server: sync-collection, iCalendar both ways, busy times.',
  configuration: CalDavConfiguration,
  create: createCalDavAdapter,
  servesManyWeddings: true,
  remoteKeys: ['serverUrl', 'calendarUrl', 'calendarName'],
};
