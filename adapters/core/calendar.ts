import { z } from 'zod';
import { ConflictStrategies, EVENT_CATEGORIES, EntityId, TimeZone, type TimelineEvent } from '../../schema/index.ts';
import { isKnownTimeZone, isoInZone } from './calendar-time.ts';
import { sameField } from './fields.ts';
import { AdapterError } from './errors.ts';
import type { Adapter, InboundChange, OutboundChange, PullListing, PushResult, WeddingContext } from './types.ts';
import { positionAt } from './snapshot-position.ts';
import { clipText } from '../../schema/document/text.ts';
import type { BusySource } from './busy-source.ts';
import { ownValue } from '../../schema/own-keys.ts';

/**
 * What every calendar adapter (Google Calendar, Outlook, CalDAV) shares: the sync options a
 * calendar is connected with, the timeline fields it carries, stable ids for the events we create,
 * and the field-wise merge used after a 412. Pure: no I/O here.
 */

export const SYNC_DIRECTIONS = ['bidirectional', 'inbound', 'outbound'] as const;
export type SyncDirection = (typeof SYNC_DIRECTIONS)[number];

/** `linked`: only events WedSync created for this wedding come back in. `all`: every event in the calendar is part of the timeline. */
export const IMPORT_SCOPES = ['linked', 'all'] as const;

export const CalendarSyncOptions = z.object({
  /** @default bidirectional */
  syncDirection: z.enum(SYNC_DIRECTIONS).default('bidirectional')
    .describe('bidirectional: the timeline is written to the calendar and changes made there come back; outbound: written to the calendar only; inbound: read from it only.'),
  /** Timeline categories this calendar carries. @default every category */
  categories: z.array(z.enum(EVENT_CATEGORIES)).min(1).optional(),
  /** Carry only events this vendor is assigned to (a vendor's own business calendar). */
  vendorId: EntityId.optional(),
  /**
   * Which calendar events become timeline events. @default linked — a vendor's business calendar
   * holds other clients' appointments; those count as busy time, not as this wedding's timeline.
   */
  importEvents: z.enum(IMPORT_SCOPES).default('linked')
    .describe('linked: only events this hub put in the calendar come back in, and the others count as busy time; all: every event in the calendar comes in (a calendar kept for weddings; a business’s unknown events wait to be matched to a wedding).'),
  /** Zone imported times are shown in until the wedding's own zone is known. @default the event's zone */
  timeZone: TimeZone.optional(),
  conflictStrategies: ConflictStrategies.optional(),
  /**
   * Write the wedding's title before each event's title (`Ana & Ben · Ceremony`): for a calendar
   * that holds several weddings. Imported titles lose the prefix again (server/bridge/inbound-router.ts).
   * @default false
   */
  weddingInTitle: z.boolean().optional(),
});
export type CalendarSyncOptions = z.infer<typeof CalendarSyncOptions>;

/** The timeline fields a calendar carries: compared, hashed and conflict-checked by the bridge. */
export const CALENDAR_FIELDS = { timeline: ['title', 'start', 'end', 'location', 'notes', 'category', 'vendorIds'] } as const;
export type CalendarField = (typeof CALENDAR_FIELDS.timeline)[number];

/** Schema limits, applied to imported values so that what we store is what we compare next time. */
export const LIMITS = { title: 200, location: 300, notes: 20_000 } as const;
const NO_TITLE = '(no title)';

/** A busy block in a connected calendar that is not a WedSync event (another client, a holiday). */
export interface BusyInterval {
  externalId: string;
  start: string;
  end: string;
  /** Shown only to the calendar's owner. */
  title?: string;
}

/** A calendar adapter: an Adapter that can also report the calendar's busy times (a BusySource). */
export interface CalendarAdapter extends BusySource {
  readonly calendarOptions: CalendarSyncOptions;
}

export function isCalendarAdapter(adapter: Adapter): adapter is CalendarAdapter {
  return adapter.category === 'calendar_system' && typeof (adapter as Partial<CalendarAdapter>).busy === 'function';
}

// ── stable ids ──────────────────────────────────────────────────────────────────────────────────
const B32HEX = '0123456789abcdefghijklmnopqrstuv';
const KEY_PREFIX = 'ws1:';

function base32hex(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32HEX[(value << (5 - bits)) & 31];
  return out;
}

function fromBase32hex(text: string): Uint8Array | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = B32HEX.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/**
 * The stable key of a timeline event in external calendars: base32hex (RFC 4648 §7, lower case, no
 * padding) of `ws1:<weddingId>:<eventId>`. It is a valid Google event id (characters a–v and 0–9,
 * 5 to 1024 long), so inserting the same event twice is the same insert; decoding it tells which
 * wedding and event an external event is.
 */
export function eventKey(weddingId: string, eventId: string): string {
  return base32hex(new TextEncoder().encode(`${KEY_PREFIX}${weddingId}:${eventId}`));
}

export function parseEventKey(key: string): { weddingId: string; eventId: string } | null {
  if (key.length < 5 || key.length > 1024) return null;
  const bytes = fromBase32hex(key);
  if (!bytes) return null;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const m = /^ws1:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_.:-]{1,128})$/.exec(text);
  return m && eventKey(m[1]!, m[2]!) === key ? { weddingId: m[1]!, eventId: m[2]! } : null;
}

// ── what a calendar carries ────────────────────────────────────────────────────────────────────
/** Whether the event belongs in this calendar (its category and, for a vendor's calendar, its vendor). */
export function carries(options: CalendarSyncOptions, data: Record<string, unknown> | null): boolean {
  if (!data) return false;
  const category = typeof data.category === 'string' ? data.category : 'other';
  if (options.categories && !options.categories.includes(category as TimelineEvent['category'])) return false;
  if (options.vendorId) return Array.isArray(data.vendorIds) && data.vendorIds.includes(options.vendorId);
  return true;
}

/** An external id we removed because the event left this calendar's scope; kept in the link so it can come back. */
const REMOVED = 'removed:';
export const removedId = (externalId: string) => (externalId.startsWith(REMOVED) ? externalId : REMOVED + externalId);
export const isRemovedId = (externalId: string | null): boolean => !!externalId && externalId.startsWith(REMOVED);
/**
 * What a calendar's full read vouches for (PullPage.listing): every event of the calendar (within
 * `window`), except the ones we took out of its scope ourselves, whose links are kept as `removed:…`.
 */
export function timelineListing(listed: string[], window?: { from: string; to: string }): PullListing {
  return { entity: 'timeline', listed, keepPrefixes: [REMOVED], ...(window ? { window } : {}) };
}
export const liveId = (externalId: string | null): string | null => (externalId && !isRemovedId(externalId) ? externalId : externalId?.slice(REMOVED.length) ?? null);

/**
 * The bridge's `accepts`: nothing goes out of an inbound-only calendar; only timeline events; an
 * event goes out when the calendar carries it, or when the calendar has it and must lose it.
 */
export function acceptsCalendarChange(options: CalendarSyncOptions, change: OutboundChange): boolean {
  if (options.syncDirection === 'inbound' || change.entity !== 'timeline') return false;
  if (change.op === 'delete') return true;
  return carries(options, change.data) || (change.externalId !== null && !isRemovedId(change.externalId));
}

/** What a push does with one change: create/update the external event, take it away, or nothing. */
export function pushAction(options: CalendarSyncOptions, change: OutboundChange): 'upsert' | 'remove' | 'delete' | 'none' {
  if (change.op === 'delete') return isRemovedId(change.externalId) || !change.externalId ? 'none' : 'delete';
  if (carries(options, change.data)) return 'upsert';
  return change.externalId && !isRemovedId(change.externalId) ? 'remove' : 'none';
}

/** How one calendar system writes events; `pushCalendarChange` decides which to call. */
export interface CalendarWriter {
  create(event: OutboundEvent, change: OutboundChange): Promise<PushResult>;
  update(externalId: string, event: OutboundEvent, change: OutboundChange): Promise<PushResult>;
  /**
   * Deletes the external event, conditionally on `change.version` where the system allows it. A
   * result instead of void: the system kept the event because it changed since the last sync
   * (`changes` carries it, marked `refusedDelete`).
   */
  remove(externalId: string, change: OutboundChange): Promise<PushResult | void>;
}

/** The push shared by every calendar adapter: create, update, take away (scope left) or delete. */
export async function pushCalendarChange(options: CalendarSyncOptions, change: OutboundChange, wedding: WeddingContext, writer: CalendarWriter): Promise<PushResult> {
  const id = liveId(change.externalId);
  switch (pushAction(options, change)) {
    case 'none':
      return { externalId: change.op === 'delete' ? null : change.externalId, version: change.version };
    case 'delete':
      return (await writer.remove(id!, change)) ?? { externalId: null };
    case 'remove':
      // Leaving this calendar's scope is not a deletion: the event goes whatever was edited there.
      await writer.remove(id!, { ...change, version: null });
      return { externalId: removedId(id!), version: null };
    case 'upsert': {
      const event = outboundEvent(change, wedding, options);
      return !id || isRemovedId(change.externalId) ? writer.create(event, change) : writer.update(id, event, change);
    }
    default:
      throw new AdapterError('unsupported', 'unknown push action');
  }
}

// ── outbound shape ──────────────────────────────────────────────────────────────────────────────
export interface Attendee { vendorId: string; email: string; name: string }

/** A timeline event ready to be written to any calendar. */
export interface OutboundEvent {
  weddingId: string;
  eventId: string;
  key: string;
  /** As written: with the wedding's title first (`titlePrefix`) in a calendar holding several weddings. */
  title: string;
  /** What `title` starts with before the event's own title (`'Ana & Ben · '`); absent or '' for none. */
  titlePrefix?: string;
  startMs: number;
  endMs: number;
  /** The wedding's zone (events are written as wall times in it). */
  zone: string;
  location: string;
  notes: string;
  category: string;
  vendorIds: string[];
  /** Assigned vendors that have an e-mail address. */
  attendees: Attendee[];
}

/** The time zone a wedding's events are written in: the wedding's own, else UTC. */
export function weddingZone(wedding: WeddingContext): string {
  return isKnownTimeZone(wedding.meta.timezone) ? wedding.meta.timezone : 'UTC';
}

/** Between the wedding's title and the event's in a calendar holding several weddings. */
export const WEDDING_TITLE_SEPARATOR = ' · ';

/** What an event's title is written after in its calendar: the wedding's title when `weddingInTitle` is set, else ''. */
export function calendarTitlePrefix(wedding: WeddingContext, options: Pick<CalendarSyncOptions, 'weddingInTitle'>): string {
  const name = options.weddingInTitle ? wedding.meta.title?.trim() : '';
  return name ? `${name}${WEDDING_TITLE_SEPARATOR}` : '';
}

/** The title written for an event: with the wedding's title first when `weddingInTitle` is set. */
export function calendarTitle(title: string, wedding: WeddingContext, options: Pick<CalendarSyncOptions, 'weddingInTitle'>): string {
  const prefix = calendarTitlePrefix(wedding, options);
  return prefix ? clip(`${prefix}${title}`, LIMITS.title) : title;
}

/**
 * A calendar's fields of an event (timelineFieldsOf) in the wedding's terms, as the merge of a push
 * compares them with the wedding's and the last synced ones: its title without the wedding's title
 * the hub wrote before it (`e.titlePrefix`). Without this a calendar holding several weddings always
 * read as having changed the title, and a push refused as stale (412) never wrote the planner's.
 */
export function remoteInWeddingTerms(remote: Record<string, unknown>, e: Pick<OutboundEvent, 'titlePrefix'>): Record<string, unknown> {
  if (!e.titlePrefix || typeof remote.title !== 'string' || !remote.title.startsWith(e.titlePrefix)) return remote;
  return { ...remote, title: remote.title.slice(e.titlePrefix.length) };
}

export function outboundEvent(change: OutboundChange, wedding: WeddingContext, options: Pick<CalendarSyncOptions, 'weddingInTitle'> = {}): OutboundEvent {
  const d = change.data ?? {};
  const vendorIds = Array.isArray(d.vendorIds) ? d.vendorIds.map(String) : [];
  const startMs = Date.parse(String(d.start));
  const endMs = Date.parse(String(d.end));
  return {
    weddingId: wedding.weddingId,
    eventId: change.entityId,
    key: eventKey(wedding.weddingId, change.entityId),
    title: calendarTitle(String(d.title ?? ''), wedding, options),
    titlePrefix: calendarTitlePrefix(wedding, options),
    startMs,
    endMs: Number.isFinite(endMs) && endMs >= startMs ? endMs : startMs,
    zone: weddingZone(wedding),
    location: typeof d.location === 'string' ? d.location : '',
    notes: typeof d.notes === 'string' ? d.notes : '',
    category: typeof d.category === 'string' ? d.category : 'other',
    vendorIds,
    attendees: vendorIds
      .map((id) => ({ id, v: ownValue(wedding.vendors, id) }))
      .filter((x) => x.v && x.v.email)
      .map((x) => ({ vendorId: x.id, email: x.v!.email, name: x.v!.name })),
  };
}

// ── inbound shape ───────────────────────────────────────────────────────────────────────────────
/** An external calendar event in neutral form, as each system's mapper reads it. */
export interface InboundEvent {
  externalId: string;
  /** Our stable key when the event is one we created (decoded from its id, UID or transaction id). */
  key: { weddingId: string; eventId: string } | null;
  cancelled: boolean;
  title?: string | null;
  startMs?: number;
  endMs?: number;
  location?: string | null;
  notes?: string | null;
  /** Only when the event carries our private category marker. */
  category?: string | null;
  /** Only when the event carries our private vendor marker. */
  vendorIds?: string[] | null;
  /** Free/transparent events are not busy time. */
  transparent?: boolean;
  /**
   * The system's last-modified time of this snapshot (ms since the epoch, UTC: Google `updated`,
   * Graph `lastModifiedDateTime`), when it gives one. It orders the event's snapshots, so a read
   * taken before our own write to the event is skipped when it is applied after it
   * (InboundChange `position`, PushResult `position`).
   */
  modifiedMs?: number;
}

/** Milliseconds (UTC) of an RFC 3339 timestamp, or undefined when absent or unreadable. */
export function rfc3339Ms(value: string | null | undefined): number | undefined {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

const CATEGORY_SET = new Set<string>(EVENT_CATEGORIES);

/**
 * A neutral external event → the change it asks of the timeline, or null when the event is not
 * this wedding's (another wedding's event in the same calendar, or a private appointment while
 * only linked events are imported). Cancelled events become deletions, addressed by external id
 * only: a deletion must never reach an event through a guessed id.
 */
export function toTimelineChange(e: InboundEvent, ctx: { weddingId: string; options: CalendarSyncOptions; zone: string }): InboundChange | null {
  // In connection scope (weddingId '') every wedding's events come through, tagged with their wedding.
  const tagged = e.key && !ctx.weddingId ? { weddingId: e.key.weddingId } : {};
  if (e.cancelled) return { op: 'delete', entity: 'timeline', externalId: e.externalId, ...tagged, ...positionAt(e.modifiedMs) };
  if (e.key && ctx.weddingId && e.key.weddingId !== ctx.weddingId) return null;
  if (!e.key && ctx.options.importEvents !== 'all') return null;
  if (e.startMs === undefined || !Number.isFinite(e.startMs)) return null;
  const start = e.startMs;
  const end = e.endMs !== undefined && Number.isFinite(e.endMs) && e.endMs >= start ? e.endMs : start;
  const data: Record<string, unknown> = {
    title: clip((e.title ?? '').trim(), LIMITS.title) || NO_TITLE,
    start: isoInZone(start, ctx.zone),
    end: isoInZone(end, ctx.zone),
    location: clip(e.location ?? '', LIMITS.location),
    notes: clip(e.notes ?? '', LIMITS.notes),
  };
  if (e.category && CATEGORY_SET.has(e.category)) data.category = e.category;
  if (e.vendorIds) data.vendorIds = e.vendorIds.filter((id) => EntityId.safeParse(id).success);
  const hints = ctx.weddingId ? {} : { hints: { date: String(data.start).slice(0, 10), text: String(data.title), venue: String(data.location), timeZone: ctx.zone } };
  return { op: 'upsert', entity: 'timeline', externalId: e.externalId, ...(e.key ? { entityId: e.key.eventId } : {}), data, ...tagged, ...hints, ...positionAt(e.modifiedMs) };
}

/** The schema's limits are in UTF-16 units (zod's `.max()`); the cut falls between graphemes. */
function clip(value: string, max: number): string {
  return clipText(value, max, 'utf16');
}

/** The timeline fields of a neutral event, as the inbound mapper would store them (for merges). */
export function timelineFieldsOf(e: InboundEvent, zone: string): Record<string, unknown> {
  const change = toTimelineChange({ ...e, key: null, cancelled: false }, { weddingId: '-', options: { syncDirection: 'bidirectional', importEvents: 'all' }, zone });
  return change && change.op === 'upsert' ? change.data : {};
}

// ── merge after a precondition failure ────────────────────────────────────────────────────────
/**
 * Which fields to write when the external event may have changed since we last synced. `base` is
 * what the bridge last synced (the link); a field the external system changed since then is left
 * as it is there (`unwritten`): the bridge brings that change in through the inbound path, where a
 * field changed on both sides is recorded as a conflict and settled by the integration's strategy.
 * Every other field differing from the external value is written.
 */
export function mergeFields(
  fields: readonly string[], local: Record<string, unknown>, remote: Record<string, unknown>, base: Record<string, unknown> | null | undefined,
): { write: string[]; unwritten: string[] } {
  const write: string[] = [];
  const unwritten: string[] = [];
  for (const f of fields) {
    if (!(f in local)) continue;
    const remoteMoved = !!base && f in base && f in remote && !sameField(f, remote[f], base[f]);
    if (remoteMoved) {
      if (!sameField(f, local[f], remote[f])) unwritten.push(f);
      continue;
    }
    if (!(f in remote) || !sameField(f, local[f], remote[f])) write.push(f);
  }
  return { write, unwritten };
}

/** Fields whose local value differs from what the system last had (all of them without a base). */
export function changedSinceBase(fields: readonly string[], local: Record<string, unknown>, base: Record<string, unknown> | null | undefined): string[] {
  return fields.filter((f) => f in local && (!base || !(f in base) || !sameField(f, local[f], base[f])));
}
