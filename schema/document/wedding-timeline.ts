import * as Y from 'yjs';
import { TimelineEvent, TimelineEventPatch } from './entities.ts';
import type { TxOrigin } from './origins.ts';
import { TimeZoneChange, planTimeZoneChange, type TimeZoneChangeMode, type TimeZoneChangePlan } from './time-zone-change.ts';
import { parseOrThrow } from '../errors.ts';
import { assertRoom } from './limits.ts';
import { entityEntries, type YEntity } from './readers.ts';
import { jsonBytes, setScalars, writeEvent } from './y-writes.ts';
import type { WeddingDoc } from './wedding-doc.ts';

/** Writes of the wedding's timeline (WeddingDoc.upsertEvent / changeTimeZone; see there), and its order. */

/** Time order: start, then `order`, then id. */
export function compareEvents(a: TimelineEvent, b: TimelineEvent): number {
  return Date.parse(a.start) - Date.parse(b.start) || a.order - b.order || a.id.localeCompare(b.id);
}

export function upsertEvent(doc: WeddingDoc, input: TimelineEventPatch, origin?: TxOrigin): TimelineEvent {
  const patch = parseOrThrow(TimelineEventPatch, input, 'timeline event');
  const existing = doc.getEvent(patch.id);
  const merged = existing
    ? { ...existing, ...patch }
    : { location: '', category: 'other', vendorIds: [], notes: '', order: nextOrder(doc.timeline), links: {}, ...patch };
  const event = parseOrThrow(TimelineEvent, merged, 'timeline event');
  assertRoom(doc.ydoc, { bytes: jsonBytes(patch), newEvent: !existing, eventCount: () => entityEntries(doc.timeline).length, textLength: event.notes.length });
  doc.transact(() => {
    let m = doc.timeline.get(event.id);
    if (!(m instanceof Y.Map)) {
      m = new Y.Map();
      doc.timeline.set(event.id, m);
      // Assigned vendors write their own entries in it (contributions.ts); made here so that two
      // vendors never create it concurrently (one would replace the other's).
      m.set('crew', new Y.Map());
    }
    writeEvent(m, event, existing);
  }, origin);
  return event;
}

function nextOrder(timeline: Y.Map<YEntity>): number {
  let max = -1;
  for (const m of timeline.values() as IterableIterator<unknown>) {
    const o = m instanceof Y.Map ? m.get('order') : undefined;
    if (typeof o === 'number' && o > max) max = o;
  }
  return max + 1;
}

export function changeTimeZone(doc: WeddingDoc, timeZone: string, mode: TimeZoneChangeMode, origin?: TxOrigin): { changed: string[]; skipped: string[] } {
  const valid = parseOrThrow(TimeZoneChange, { timeZone, mode }, 'time zone change');
  const from = doc.meta.get('timezone');
  const events = doc.listEvents();
  const plan: TimeZoneChangePlan = planTimeZoneChange(events, typeof from === 'string' && from ? from : null, valid.timeZone, valid.mode);
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const p of plan.patches) parseOrThrow(TimelineEvent, { ...byId.get(p.id)!, ...p }, `timeline event ${p.id}`);
  doc.transact(() => {
    setScalars(doc.meta, { timezone: valid.timeZone });
    for (const p of plan.patches) {
      const m = doc.timeline.get(p.id);
      if (m instanceof Y.Map) setScalars(m, { start: p.start, end: p.end });
    }
  }, origin);
  return { changed: plan.patches.map((p) => p.id), skipped: plan.skipped };
}
