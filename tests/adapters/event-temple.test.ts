import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError, SINGLETON_ID, type Adapter, type AdapterRuntime, type InboundChange, type OutboundChange } from '../../adapters/core/index.ts';
import { eventTempleAdapter } from '../../adapters/event-temple/index.ts';
import { eventAttributes, eventInstant, mapEvent, type MapContext } from '../../adapters/event-temple/mappers.ts';
import { EventTempleSandbox } from '../../adapters/event-temple/sandbox.ts';

const runtime = (weddingId = ''): AdapterRuntime => ({
  integrationId: 'con_et', weddingId, webhookUrl: 'https://hub.example/api/integrations/webhook/event-temple/con_et', webhookSecret: 'whsec_x',
  fetch, egress: undefined as never, now: Date.now, state: { get: () => ({}), set: () => undefined },
});

let et: EventTempleSandbox;
beforeAll(async () => { et = await new EventTempleSandbox().start(); });
afterAll(async () => { await et.stop(); });

function adapter(configuration: Record<string, unknown> = {}, credentials: Record<string, unknown> = { apiKey: et.apiKey, orgId: et.orgId }, weddingId = ''): Adapter & Required<Pick<Adapter, 'pull' | 'push' | 'accepts'>> {
  return eventTempleAdapter.create({ integrationId: 'con_et', weddingId, credentials, configuration: { apiBase: et.url, timeZone: 'Europe/London', venueName: 'Kew Barn', ...configuration }, runtime: runtime(weddingId) }) as Adapter & Required<Pick<Adapter, 'pull' | 'push' | 'accepts'>>;
}

const upserts = (changes: InboundChange[]) => changes.filter((c): c is Extract<InboundChange, { op: 'upsert' }> => c.op === 'upsert');

describe('Event Temple adapter against its sandbox', () => {
  it('sends the documented headers and refuses bad credentials as unauthorized', async () => {
    await adapter().testConnection();
    const last = et.requests.at(-1)!;
    expect(last.headers['x-api-key']).toBe(et.apiKey);
    expect(last.headers['x-api-org']).toBe(et.orgId);
    expect(last.headers.accept).toBe('application/vnd.api+json');
    for (const credentials of [{ apiKey: 'wrong_key_123', orgId: et.orgId }, { apiKey: et.apiKey, orgId: '9999' }]) {
      const error = await adapter({}, credentials).testConnection().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(AdapterError);
      expect((error as AdapterError).code).toBe('unauthorized');
    }
    expect(() => adapter({}, { apiKey: '', orgId: et.orgId })).toThrow(/apiKey/);
    expect(() => adapter({ timeZone: 'Mars/Base' })).toThrow(/timeZone/);
  });

  it('reads bookings and events across pages, then only what changed since the newest updated_at', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const b = et.createBooking({ name: `Couple ${i} wedding`, status: 'tentative', start_date: `2027-06-${String(10 + i).padStart(2, '0')}`, guest_count: 100 + i, contact: { first_name: 'Ana', last_name: `Smith${i}` } });
      et.createEvent(b, { name: 'Ceremony', start_time: `2027-06-${String(10 + i).padStart(2, '0')}T14:00:00`, end_time: `2027-06-${String(10 + i).padStart(2, '0')}T15:00:00`, space: 'Orchard' });
      ids.push(b);
    }
    const a = adapter({ pageSize: 3 });
    const first = await a.pull({ cursor: null, full: true });
    const metas = upserts(first.changes).filter((c) => c.entity === 'meta');
    expect(metas.map((c) => c.reference).sort()).toEqual([...ids].sort());
    const m0 = metas.find((c) => c.reference === ids[0])!;
    expect(m0).toMatchObject({ entityId: SINGLETON_ID, data: { title: 'Couple 0 wedding', date: '2027-06-10', venue: 'Kew Barn', status: 'inquiry' }, hints: { date: '2027-06-10', text: 'Couple 0 wedding (Ana Smith0)', venue: 'Kew Barn', timeZone: 'Europe/London' } });
    expect(upserts(first.changes).find((c) => c.entity === 'guests' && c.reference === ids[3])!.data).toEqual({ count: 103 });
    const ceremony = upserts(first.changes).find((c) => c.entity === 'timeline' && c.reference === ids[0])!;
    // A wall time without an offset is the venue's: 14:00 in London in June is 13:00Z.
    expect(ceremony.data).toEqual({ title: 'Ceremony', start: '2027-06-10T14:00:00+01:00', end: '2027-06-10T15:00:00+01:00', location: 'Orchard, Kew Barn' });
    expect(ceremony.hints?.text).toBe('Couple 0 wedding (Ana Smith0)');
    expect(first.more).toBe(false);
    expect(first.listing?.entity).toBe('timeline');
    // Three pages of three per resource, each after the previous page's cursor.
    const lists = et.requests.filter((r) => r.path === '/v2/bookings' && r.query.get('page[size]') === '3');
    expect(lists.length).toBeGreaterThanOrEqual(3);
    expect(lists.slice(1).every((r) => !!r.query.get('page[after]'))).toBe(true);

    // The venue moves the ceremony: the next read asks only for what changed since (less the overlap).
    et.updateEvent(ceremony.externalId, { start_time: '2027-06-10T14:30:00+01:00', end_time: '2027-06-10T15:30:00+01:00' });
    const second = await a.pull({ cursor: first.cursor, full: false });
    const filter = et.requests.filter((r) => r.path === '/v2/events').at(-1)!.query.get('filter[updated_at][gt]');
    expect(filter).toBeTruthy();
    // The filter starts overlapSeconds (120) before the newest updated_at read.
    expect(Date.parse(JSON.parse(first.cursor!).since) - Date.parse(filter!)).toBe(120_000);
    const moved = upserts(second.changes).find((c) => c.externalId === ceremony.externalId)!;
    expect(moved.data.start).toBe('2027-06-10T14:30:00+01:00');
    expect(second.listing).toBeUndefined();
    expect(Date.parse(JSON.parse(second.cursor!).since)).toBeGreaterThan(Date.parse(JSON.parse(first.cursor!).since));
    // With no overlap, a pull right after reads nothing.
    const strict = await adapter({ overlapSeconds: 0 }).pull({ cursor: second.cursor, full: false });
    expect(strict.changes).toEqual([]);
    expect(strict.cursor).toBe(second.cursor);
  });

  it('a lost booking cancels the wedding\'s status with a notice, and deletes nothing', async () => {
    const b = et.createBooking({ name: 'Lost couple', status: 'definite', start_date: '2027-09-01' });
    const a = adapter({ overlapSeconds: 0 });
    const before = await a.pull({ cursor: null, full: true });
    expect(upserts(before.changes).find((c) => c.reference === b && c.entity === 'meta')!.data.status).toBe('booked');
    et.updateBooking(b, { status: 'lost' });
    const after = await a.pull({ cursor: before.cursor, full: false });
    expect(after.changes.every((c) => c.op === 'upsert')).toBe(true);
    expect(upserts(after.changes).find((c) => c.reference === b && c.entity === 'meta')!.data.status).toBe('cancelled');
    expect(after.notices).toEqual([expect.stringContaining(`booking ${b} (Lost couple) was marked lost`)]);
  });

  it('429 comes back rate_limited with Retry-After; 5xx transient', async () => {
    et.rateLimit(1, 55);
    const limited = await adapter().pull({ cursor: null, full: true }).then(() => null, (e: unknown) => e as AdapterError);
    expect(limited).toMatchObject({ code: 'rate_limited', extra: { status: 429, retryAfterMs: 55_000 } });
    et.failNext(1, 503);
    const down = await adapter().pull({ cursor: null, full: true }).then(() => null, (e: unknown) => e as AdapterError);
    expect(down?.code).toBe('transient');
    // The sandbox's 429 is a JSON:API error document.
    et.rateLimit(1, 2);
    const res = await fetch(`${et.url}/bookings`, { headers: { 'x-api-key': et.apiKey, 'x-api-org': et.orgId } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({ errors: [{ status: '429', title: 'Too Many Requests', detail: 'Rate limit exceeded' }] });
  });

  it('writes a timeline event\'s new times to its Event Temple event, in the venue\'s zone', async () => {
    const b = et.createBooking({ name: 'Push couple', status: 'definite', start_date: '2027-07-03' });
    const e = et.createEvent(b, { name: 'Reception', start_time: '2027-07-03T18:00:00+01:00', end_time: '2027-07-03T23:00:00+01:00' });
    const wedding = adapter({}, undefined, 'w-push');
    const change: OutboundChange = { op: 'upsert', entity: 'timeline', entityId: 'reception', externalId: e, version: null, data: { title: 'Party', start: '2027-07-03T18:30:00Z', end: '2027-07-03T23:30:00Z', location: 'Lawn' } };
    expect(wedding.accepts(change, { weddingId: 'w-push', meta: {}, vendors: {} })).toBe(true);
    expect(wedding.accepts({ ...change, externalId: null }, { weddingId: 'w-push', meta: {}, vendors: {} })).toBe(false);
    expect(wedding.accepts({ ...change, op: 'delete', data: null }, { weddingId: 'w-push', meta: {}, vendors: {} })).toBe(false);
    expect(adapter().capabilities).not.toContain('push');
    expect(adapter({ direction: 'inbound' }, undefined, 'w-push').accepts(change, { weddingId: 'w-push', meta: {}, vendors: {} })).toBe(false);
    const result = await wedding.push(change, { idempotencyKey: 'k', wedding: { weddingId: 'w-push', meta: {}, vendors: {} } });
    expect(result.externalId).toBe(e);
    expect(result.version).toBe(et.event(e)!.updated_at);
    expect(et.patches.at(-1)).toEqual({ id: e, attributes: { start_time: '2027-07-03T19:30:00+01:00', end_time: '2027-07-04T00:30:00+01:00' } });
    expect(et.event(e)!.name).toBe('Reception');
    const gone = await wedding.push({ ...change, externalId: '999999' }, { idempotencyKey: 'k2', wedding: { weddingId: 'w-push', meta: {}, vendors: {} } }).then(() => null, (x: unknown) => x as AdapterError);
    expect(gone?.code).toBe('permanent');
  });
});

describe('Event Temple mapping', () => {
  const ctx: MapContext = { timeZone: 'America/New_York', venueName: 'Hudson Loft' };
  const zones = fc.constantFrom('UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe');
  // Whole seconds between 2000 and 2100.
  const instant = fc.integer({ min: 946_684_800, max: 4_102_444_800 }).map((s) => s * 1000);

  it('a pushed time read back is the same instant, in the venue\'s zone (round trip)', () => {
    fc.assert(fc.property(zones, instant, fc.integer({ min: 0, max: 86_400 }), (zone, start, length) => {
      const end = start + length * 1000;
      const attrs = eventAttributes({ op: 'upsert', entity: 'timeline', entityId: 'x', externalId: '1', version: null, data: { start: new Date(start).toISOString(), end: new Date(end).toISOString() } }, zone);
      const back = mapEvent({ id: '1', type: 'events', attributes: { name: 'Ceremony', ...attrs }, relationships: { booking: { data: { type: 'bookings', id: '9' } } } }, new Map(), { ...ctx, timeZone: zone });
      expect(Date.parse(back!.op === 'upsert' ? back!.data.start as string : '')).toBe(start);
      expect(Date.parse(back!.op === 'upsert' ? back!.data.end as string : '')).toBe(end);
    }));
  });

  it('reads the time variants the docs leave open, and skips events without a booking or a start', () => {
    expect(eventInstant('14:00', '2027-07-03', 'America/New_York')).toBe('2027-07-03T14:00:00-04:00');
    expect(eventInstant('2027-07-03T14:00:00.000Z', null, 'America/New_York')).toBe('2027-07-03T10:00:00-04:00');
    expect(eventInstant('2027-07-03 14:00', null, 'America/New_York')).toBeNull();
    const late = mapEvent({ id: '2', type: 'events', attributes: { name: 'After party', start_date: '2027-07-03', start_time: '22:00', end_time: '01:00' }, relationships: { booking: { data: { type: 'bookings', id: '9' } } } }, new Map(), ctx);
    expect(late).toMatchObject({ reference: '9', data: { start: '2027-07-03T22:00:00-04:00', end: '2027-07-04T01:00:00-04:00', location: 'Hudson Loft' } });
    expect(mapEvent({ id: '3', type: 'events', attributes: { name: 'Orphan', start_time: '2027-07-03T10:00:00Z' } }, new Map(), ctx)).toBeNull();
    expect(mapEvent({ id: '4', type: 'events', attributes: { name: 'No time' }, relationships: { booking: { data: { type: 'bookings', id: '9' } } } }, new Map(), ctx)).toBeNull();
  });
});
