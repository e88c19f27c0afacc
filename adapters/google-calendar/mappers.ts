import type { calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
import { AdapterError, errorForStatus, parseRetryAfter } from '../core/errors.ts';
import { instantOf, isKnownTimeZone, isoInZone, parseDate } from '../core/calendar-time.ts';
import { parseEventKey, rfc3339Ms, type InboundEvent, type OutboundEvent } from '../core/calendar.ts';

/**
 * Google Calendar API v3 event resources ↔ WedSync timeline events. Pure.
 * Field mapping (see README.md): title↔summary, start/end↔start/end.{dateTime,timeZone},
 * location↔location, notes↔description, vendorIds→attendees (+ private marker), category→private marker.
 */

export type GoogleEvent = calendar_v3.Schema$Event;

/** Private extended properties we keep on events we write (invisible to attendees). */
export const PRIVATE = { wedding: 'wedsyncWedding', event: 'wedsyncEvent', category: 'wedsyncCategory', vendors: 'wedsyncVendorIds' } as const;
/** Google's limit for one extended property value. */
const PROPERTY_MAX = 1024;

const time = (ms: number, zone: string): calendar_v3.Schema$EventDateTime => ({ dateTime: isoInZone(ms, zone), timeZone: zone });

/**
 * The request body for `events.insert` (all fields) or `events.patch` (only `fields`). Start and
 * end always travel together: Google refuses an end before the start mid-way through a move.
 */
export function toGoogleEvent(e: OutboundEvent, fields?: readonly string[]): GoogleEvent {
  const has = (f: string) => !fields || fields.includes(f);
  const body: GoogleEvent = {};
  const priv: Record<string, string> = {};
  if (!fields) {
    body.id = e.key;
    body.status = 'confirmed';
    body.transparency = 'opaque';
    priv[PRIVATE.wedding] = e.weddingId;
    priv[PRIVATE.event] = e.eventId;
  }
  if (has('title')) body.summary = e.title;
  if (has('start') || has('end')) {
    body.start = time(e.startMs, e.zone);
    body.end = time(e.endMs, e.zone);
  }
  if (has('location')) body.location = e.location;
  if (has('notes')) body.description = e.notes;
  if (has('category')) priv[PRIVATE.category] = e.category;
  if (has('vendorIds')) {
    body.attendees = e.attendees.map((a) => ({ email: a.email, displayName: a.name, responseStatus: 'needsAction' }));
    const list = e.vendorIds.join(',');
    // Too many ids for one property: leave the marker out, vendor assignments then only go outwards.
    priv[PRIVATE.vendors] = list.length <= PROPERTY_MAX ? list : '';
  }
  if (Object.keys(priv).length) body.extendedProperties = { private: priv };
  return body;
}

function instantOfGoogle(t: calendar_v3.Schema$EventDateTime | undefined, zone: string): number | undefined {
  if (!t) return undefined;
  if (t.dateTime) {
    const ms = Date.parse(t.dateTime);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const day = t.date ? parseDate(t.date) : null;
  return day ? instantOf(day, isKnownTimeZone(t.timeZone) ? t.timeZone : zone) : undefined;
}

/** A Google event → the neutral inbound event, and the zone it is written in. */
export function fromGoogleEvent(ev: GoogleEvent, calendarZone: string): InboundEvent & { zone: string | null } {
  const id = ev.id ?? '';
  const key = parseEventKey(id);
  const zone = isKnownTimeZone(ev.start?.timeZone) ? ev.start!.timeZone! : null;
  const modifiedMs = rfc3339Ms(ev.updated);
  if (ev.status === 'cancelled') return { externalId: id, key, cancelled: true, zone, ...(modifiedMs !== undefined ? { modifiedMs } : {}) };
  const priv = ev.extendedProperties?.private ?? {};
  const vendors = priv[PRIVATE.vendors];
  const startMs = instantOfGoogle(ev.start, zone ?? calendarZone);
  const endMs = instantOfGoogle(ev.end, zone ?? calendarZone);
  return {
    externalId: id, key, cancelled: false, zone,
    title: ev.summary ?? null,
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
    location: ev.location ?? '',
    notes: ev.description ?? '',
    ...(priv[PRIVATE.category] ? { category: priv[PRIVATE.category] } : {}),
    ...(key && vendors !== undefined ? { vendorIds: vendors ? vendors.split(',') : [] } : {}),
    transparent: ev.transparency === 'transparent',
    ...(modifiedMs !== undefined ? { modifiedMs } : {}),
  };
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

/**
 * A Google API error response → the error the bridge acts on. Google signals rate limits as 429 or
 * as 403 with reason `rateLimitExceeded`/`userRateLimitExceeded` (which must not read as a refusal
 * of our credentials); an expired sync token is 410 `fullSyncRequired`.
 */
export function googleError(status: number, body: unknown, retryAfter: string | null | undefined): AdapterError {
  const err = (body as { error?: { errors?: { reason?: string }[] } } | undefined)?.error;
  const reasons = (err?.errors ?? []).map((e) => e.reason ?? '');
  const limit = reasons.find((r) => RATE_LIMIT_REASONS.has(r));
  // Only reasons of our own list are named: the rest of the body is Google's text (see errorForStatus).
  if (status === 403 && limit) {
    return new AdapterError('rate_limited', `google-calendar rate limit (403 ${limit})`, { status, retryAfterMs: parseRetryAfter(retryAfter) ?? 2000 });
  }
  return errorForStatus('google-calendar', status, retryAfter);
}

// ── pull cursors ────────────────────────────────────────────────────────────────────────────────
/** Where a pull continues: a page of the current round, or the sync token of the next round. */
export type GoogleCursor = { kind: 'sync'; syncToken: string } | { kind: 'page'; pageToken: string; syncToken: string | null };

export function encodeCursor(c: GoogleCursor): string {
  return c.kind === 'sync' ? `sync:${c.syncToken}` : `page:${JSON.stringify({ p: c.pageToken, s: c.syncToken })}`;
}

export function decodeCursor(cursor: string | null): GoogleCursor | null {
  if (!cursor) return null;
  if (cursor.startsWith('sync:')) return { kind: 'sync', syncToken: cursor.slice(5) };
  if (cursor.startsWith('page:')) {
    try {
      const v = JSON.parse(cursor.slice(5)) as { p?: unknown; s?: unknown };
      if (typeof v.p === 'string') return { kind: 'page', pageToken: v.p, syncToken: typeof v.s === 'string' ? v.s : null };
    } catch { /* an unreadable cursor means a full read */ }
  }
  return null;
}
