import {
  AdapterError, parseAdapterConfig,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type OutboundChange, type PullOptions, type PullPage,
} from '../core/index.ts';
import { positionAt, positioned } from '../core/snapshot-position.ts';
import { EventTempleClient, nextCursor, type CollectionDocument, type Resource } from './client.ts';
import { DEFAULT_API_BASE, EventTempleConfiguration, EventTempleCredentials } from './config.ts';
import { EVENT_TEMPLE_FIELDS, eventAttributes, indexIncluded, mapBooking, mapEvent, type MapContext } from './mappers.ts';

export const SYSTEM = 'event-temple';

/** Longest read of one resource in one pull (records): far more than a venue changes between pulls. */
const MAX_RECORDS = 20_000;

/** What the stored cursor holds: the newest `updated_at` read, Event Temple's own clock. */
interface Cursor { since: string | null }

function readCursor(value: string | null): Cursor {
  if (!value) return { since: null };
  try {
    const c = JSON.parse(value) as Cursor;
    return { since: typeof c.since === 'string' && Number.isFinite(Date.parse(c.since)) ? c.since : null };
  } catch {
    return { since: null };
  }
}

/**
 * Event Temple (venue sales & catering) through its JSON:API v2: bookings become the wedding's
 * `meta` and `guests`, a booking's events its timeline, routed by the booking id. Event Temple
 * documents no webhooks, so records are pulled on the connection's schedule, incrementally with
 * `filter[updated_at][gt]` from the newest `updated_at` already read (less `overlapSeconds`).
 * Outbound: a timeline event's new times are written to its Event Temple event
 * (`PATCH /events/:id`); nothing is created or deleted there.
 */
export function createEventTempleAdapter(input: AdapterInput): Adapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', EventTempleConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', EventTempleCredentials, input.credentials);
  const { runtime } = input;
  const client = new EventTempleClient(config.apiBase ?? DEFAULT_API_BASE, credentials, runtime.fetch);
  const ctx: MapContext = { timeZone: config.timeZone, venueName: config.venueName };
  const outbound = config.direction === 'bidirectional' && runtime.weddingId !== '';
  const capabilities: Capability[] = ['pull', ...(outbound ? ['push' as const] : [])];

  /** Every page of a resource changed after `since` (all of it without), with the newest `updated_at` seen. */
  async function readAll(resource: 'bookings' | 'events', since: string | null, include: string): Promise<{ data: Resource[]; included: Resource[]; newest: number }> {
    const data: Resource[] = [];
    const included: Resource[] = [];
    let newest = -Infinity;
    let after: string | null = null;
    for (;;) {
      const page: CollectionDocument = await client.list(resource, { pageSize: config.pageSize, after, updatedAfter: since, include });
      data.push(...page.data);
      included.push(...(page.included ?? []));
      for (const r of page.data) {
        const t = Date.parse(String(r.attributes?.updated_at ?? ''));
        if (Number.isFinite(t) && t > newest) newest = t;
      }
      after = nextCursor(page);
      if (!after || page.data.length === 0) break;
      if (data.length >= MAX_RECORDS) throw new AdapterError('permanent', `Event Temple listed more than ${MAX_RECORDS} ${resource} changed since ${since ?? 'the start'}`);
    }
    return { data, included, newest };
  }

  return {
    system: SYSTEM,
    category: 'venue_management',
    capabilities,
    fields: EVENT_TEMPLE_FIELDS,

    async testConnection() {
      await client.ping();
    },

    async pull({ cursor, full }: PullOptions): Promise<PullPage> {
      const previous = full ? { since: null } : readCursor(cursor);
      const since = previous.since ? new Date(Date.parse(previous.since) - config.overlapSeconds * 1000).toISOString() : null;
      const bookings = await readAll('bookings', since, 'contact');
      const events = await readAll('events', since, 'booking,booking.contact,space');
      const changes: InboundChange[] = [];
      const notices: string[] = [];
      const bookingIndex = indexIncluded(bookings.included);
      for (const b of bookings.data) {
        const mapped = mapBooking(b, bookingIndex, ctx);
        changes.push(...mapped.changes);
        if (mapped.notice) notices.push(mapped.notice);
      }
      const eventIndex = indexIncluded([...events.included, ...bookings.data, ...bookings.included]);
      const unmapped: string[] = [];
      for (const e of events.data) {
        const change = mapEvent(e, eventIndex, ctx);
        // Event Temple's updated_at orders the event's snapshots (a read taken before our write is older than it).
        if (change) changes.push(positioned(change, Date.parse(String(e.attributes?.updated_at ?? ''))));
        else unmapped.push(String(e.id));
      }
      const newest = Math.max(bookings.newest, events.newest, previous.since ? Date.parse(previous.since) : -Infinity);
      const next: Cursor = { since: Number.isFinite(newest) ? new Date(newest).toISOString() : null };
      // A full read lists every event: linked ones missing from it were deleted in Event Temple.
      const listing = since === null ? { listing: { entity: 'timeline' as const, listed: unmapped } } : {};
      return { changes, cursor: JSON.stringify(next), more: false, ...(notices.length ? { notices } : {}), ...listing };
    },

    accepts(change: OutboundChange) {
      return outbound && change.entity === 'timeline' && change.op === 'upsert' && !!change.externalId && !!change.data;
    },

    async push(change: OutboundChange) {
      if (change.entity !== 'timeline' || change.op !== 'upsert' || !change.externalId) {
        throw new AdapterError('unsupported', 'Event Temple takes only new times of its own events');
      }
      const attributes = eventAttributes(change, config.timeZone);
      if (Object.keys(attributes).length === 0) return { externalId: change.externalId };
      const updated = await client.updateEvent(change.externalId, attributes);
      const version = updated.attributes?.updated_at;
      // Title and location are Event Temple's (the function's name, the booked space): not written.
      // The event as the write left it (its updated_at): a read taken before it is skipped when applied after.
      return { externalId: change.externalId, ...(typeof version === 'string' ? { version } : {}), ...positionAt(Date.parse(String(version ?? ''))), unwritten: ['title', 'location'] };
    },
  };
}

export const eventTempleAdapter: AdapterDefinition = {
  system: SYSTEM,
  category: 'venue_management',
  capabilities: ['pull', 'push'],
  description: 'Event Temple (venue sales & catering): bookings onto the wedding\'s details and guest count, their events onto the timeline; moved event times written back.',
  configuration: EventTempleConfiguration,
  create: createEventTempleAdapter,
  servesManyWeddings: true,
  fields: EVENT_TEMPLE_FIELDS,
};
