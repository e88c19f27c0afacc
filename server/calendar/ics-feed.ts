import crypto from 'node:crypto';
import ICAL from 'ical.js';
import type { TimelineEvent, Vendor } from '../../schema/index.ts';
import { eventKey, type OutboundEvent } from '../../adapters/core/calendar.ts';
import { isKnownTimeZone } from '../../adapters/core/calendar-time.ts';
import { newVCalendar, serializeCalendar, vtimezone, writeVEvent, zoneRange } from '../../adapters/core/icalendar.ts';
import { ownValue } from '../../schema/own-keys.ts';

/**
 * An ICS feed (RFC 5545, METHOD:PUBLISH) of a wedding's timeline, or of one vendor's part of it.
 * UIDs are the events' stable keys (the same UID CalDAV uses), SEQUENCE rises with each published
 * change: a calendar that subscribed updates its events instead of adding new ones.
 */

export function toOutbound(weddingId: string, zone: string, e: TimelineEvent, vendors: Record<string, Vendor>): OutboundEvent {
  return {
    weddingId, eventId: e.id, key: eventKey(weddingId, e.id), title: e.title, startMs: Date.parse(e.start), endMs: Math.max(Date.parse(e.end), Date.parse(e.start)),
    zone, location: e.location, notes: e.notes, category: e.category, vendorIds: e.vendorIds,
    attendees: e.vendorIds.map((id) => ({ id, v: ownValue(vendors, id) })).filter((x) => x.v?.email).map((x) => ({ vendorId: x.id, email: x.v!.email, name: x.v!.name })),
  };
}

/** What the feed says about an event: its SEQUENCE goes up when this changes. */
export function publishedHash(e: OutboundEvent): string {
  const published = [e.title, e.startMs, e.endMs, e.zone, e.location, e.notes, e.category, e.attendees.map((a) => `${a.name}<${a.email}>`).sort()];
  return crypto.createHash('sha256').update(JSON.stringify(published)).digest('base64url').slice(0, 24);
}

export interface FeedInput {
  name: string;
  weddingId: string;
  zone: string;
  events: OutboundEvent[];
  versions: Map<string, { sequence: number; modifiedAt: number }>;
  /** DTSTAMP: when this copy was made. */
  nowMs: number;
  /** How often subscribers should look again. */
  refreshMinutes: number;
}

export function renderFeed(f: FeedInput): string {
  const zone = isKnownTimeZone(f.zone) ? f.zone : 'UTC';
  const cal = newVCalendar({
    method: 'PUBLISH', 'x-wr-calname': f.name, 'x-wr-timezone': zone, 'x-published-ttl': `PT${f.refreshMinutes}M`,
  });
  // RFC 7986 §5.7 wants VALUE=DURATION here; ical.js writes it itself for a Duration value of a
  // property whose default type is not DURATION, so setting the parameter as well would repeat it.
  cal.addPropertyWithValue('refresh-interval', ICAL.Duration.fromSeconds(f.refreshMinutes * 60));
  if (zone !== 'UTC' && f.events.length) {
    const { fromMs, toMs } = zoneRange(f.events.flatMap((e) => [e.startMs, e.endMs]));
    cal.addSubcomponent(vtimezone(zone, fromMs, toMs));
  }
  for (const e of [...f.events].sort((a, b) => a.startMs - b.startMs || a.eventId.localeCompare(b.eventId))) {
    const v = f.versions.get(e.eventId) ?? { sequence: 0, modifiedAt: f.nowMs };
    const vevent = writeVEvent(new ICAL.Component('vevent'), { ...e, zone }, { sequence: v.sequence, stampMs: f.nowMs });
    vevent.updatePropertyWithValue('last-modified', ICAL.Time.fromJSDate(new Date(v.modifiedAt), true));
    cal.addSubcomponent(vevent);
  }
  return serializeCalendar(cal);
}
