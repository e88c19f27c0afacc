import { json, type SandboxResponse } from '../core/sandbox-server.ts';
import type { GoogleEvent } from './mappers.ts';
import { instanceStartOf, isRecurringMaster } from './sandbox-recurrence.ts';
import { googleErrorBody, type Calendar, type Stored } from './sandbox-wire.ts';

/** Where the sandbox's account stands when a listing is answered. */
export interface ListingState {
  /** The last change's sequence number. */
  seq: number;
  /** Sync tokens of an earlier epoch are refused with 410. */
  epoch: number;
  now: number;
  /** The calendar's events with recurring ones expanded into instances up to `timeMax` (ms, or the sandbox's horizon). */
  singleEvents(cal: Calendar, timeMax: number | null): Stored[];
}

/**
 * `events.list` of the Google Calendar sandbox: a time window, `singleEvents` and `orderBy`,
 * `showDeleted`, pages of `maxResults` (at most 2500) with page tokens stable while events change,
 * and sync tokens that list only what changed since (410 `fullSyncRequired` once the epoch moved
 * on; 400 when combined with a window or an order, as Google refuses).
 */
export function listEvents(cal: Calendar, q: URLSearchParams, at: ListingState): SandboxResponse {
  const syncToken = q.get('syncToken');
  const pageToken = q.get('pageToken');
  const timeMin = q.get('timeMin') ? Date.parse(q.get('timeMin')!) : null;
  const timeMax = q.get('timeMax') ? Date.parse(q.get('timeMax')!) : null;
  if (syncToken && (timeMin !== null || timeMax !== null || q.get('orderBy') || q.get('updatedMin'))) {
    return json(400, googleErrorBody(400, 'invalid', 'Sync token cannot be combined with timeMin, timeMax, orderBy or updatedMin.'));
  }
  const maxResults = Math.min(2500, Number(q.get('maxResults') ?? 250) || 250);
  let baseline = 0;
  if (syncToken) {
    const t = decodeToken(syncToken);
    if (!t || t.c !== cal.id || t.e !== at.epoch || t.s > at.seq) {
      return json(410, googleErrorBody(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.'));
    }
    baseline = t.s;
  }
  let page = { after: null as string | null, offset: 0, high: at.seq };
  if (pageToken) {
    const p = decodeToken(pageToken);
    if (!p || p.c !== cal.id) return json(400, googleErrorBody(400, 'invalid', 'Invalid page token.'));
    page = { after: p.a ?? null, offset: p.o ?? 0, high: p.h ?? at.seq };
  }
  const showDeleted = syncToken !== null || q.get('showDeleted') === 'true';
  const byStart = q.get('orderBy') === 'startTime';
  const single = q.get('singleEvents') === 'true';
  if (byStart && !single) return json(400, googleErrorBody(400, 'badRequest', 'The requested ordering is not available for the particular query.'));
  // All-day dates are midnight in the calendar's zone; a recurring master (singleEvents=false) spans its whole series.
  const startOf = (e: GoogleEvent) => instanceStartOf(e.start, cal.timeZone);
  const endOf = (e: GoogleEvent) => (isRecurringMaster(e) ? Infinity : instanceStartOf(e.end, cal.timeZone));
  let items = (single ? at.singleEvents(cal, timeMax) : [...cal.events.values()])
    .filter((s) => s.seq > baseline && s.seq <= page.high)
    .map((s) => s.event)
    .filter((e) => showDeleted || e.status !== 'cancelled')
    .filter((e) => (timeMin === null || endOf(e) > timeMin) && (timeMax === null || startOf(e) < timeMax));
  const byId = (a: GoogleEvent, b: GoogleEvent) => (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0);
  items.sort(byStart ? (a, b) => startOf(a) - startOf(b) || byId(a, b) : byId);
  // Paging by the last id seen (or by position, when ordered by start): stable while events change.
  if (byStart) items = items.slice(page.offset); else if (page.after) items = items.filter((e) => e.id! > page.after!);
  const pageItems = items.slice(0, maxResults);
  const more = items.length > maxResults;
  const body: Record<string, unknown> = {
    kind: 'calendar#events', etag: `"p${at.seq}"`, summary: cal.summary, updated: new Date(at.now).toISOString(), timeZone: cal.timeZone,
    accessRole: 'owner', defaultReminders: [], items: pageItems,
  };
  if (more) body.nextPageToken = encodeToken({ c: cal.id, a: pageItems.at(-1)!.id, o: page.offset + maxResults, h: page.high });
  else body.nextSyncToken = encodeToken({ c: cal.id, s: page.high, e: at.epoch });
  return json(200, body);
}

function encodeToken(v: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function decodeToken(t: string): { c: string; s: number; e: number; a?: string; o?: number; h?: number } | null {
  try {
    const v = JSON.parse(Buffer.from(t, 'base64url').toString()) as { c?: unknown; s?: unknown; e?: unknown; a?: unknown; o?: unknown; h?: unknown };
    if (typeof v.c !== 'string') return null;
    return { c: v.c, s: Number(v.s ?? 0), e: Number(v.e ?? -1), ...(typeof v.a === 'string' ? { a: v.a } : {}), ...(typeof v.o === 'number' ? { o: v.o } : {}), ...(typeof v.h === 'number' ? { h: v.h } : {}) };
  } catch {
    return null;
  }
}
