import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CALENDAR_FIELDS, CalendarSyncOptions, toTimelineChange } from '../../adapters/core/calendar.ts';
import { contentHash, project, type InboundChange, type SyncEntity } from '../../adapters/core/index.ts';
import { ACUITY_FIELDS, mapAppointment } from '../../adapters/acuity/mappers.ts';
import { CALENDLY_FIELDS, inviteeChanges } from '../../adapters/calendly/mappers.ts';
import { PAYPAL_FIELDS } from '../../adapters/paypal/mappers.ts';
import { SQUARE_FIELDS } from '../../adapters/square/mappers.ts';
import { EVENT_TEMPLE_FIELDS, mapBooking, mapEvent } from '../../adapters/event-temple/mappers.ts';
import { STRIPE_FIELDS } from '../../adapters/stripe/mappers.ts';
import { WEBHOOK_FIELDS, toChanges } from '../../adapters/webhooks/mappers.ts';
import { VSCO_FIELDS, mapJob, mapPayment, mapSession } from '../../adapters/vsco-workspace/mappers.ts';
import { ADAPTERS } from '../../adapters/registry.ts';
import { ROLES, WeddingDoc, type Role } from '../../schema/index.ts';
import type { Connector } from '../../server/auth/inbound-rights.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { applyInbound } from '../../server/bridge/inbound-applier.ts';
import { IntegrationStore } from '../../server/bridge/integration-store.ts';
import { LinkStore } from '../../server/bridge/link-store.ts';
import Database from 'better-sqlite3';
import { applyMigrations, listMigrations, openDatabase } from '../../server/storage/database.ts';
import { tempDir } from '../helpers/test-server.ts';
import { assertProperty } from '../helpers/property.ts';

/**
 * Every adapter's inbound change kinds, as each connector role: a change is applied iff the
 * documented rights allow it (docs/integrations.md "Whose rights an integration has"). The
 * expected answer is written out here from the documentation, independently of
 * server/auth/inbound-rights.ts.
 */

const V = 'v1';
const OTHER = 'v2';
const T = (h: number) => `2027-06-12T${String(h).padStart(2, '0')}:00:00+01:00`;

type Kind = 'create' | 'update' | 'reassign' | 'delete' | 'absent-delete' | 'ack' | 'delivery';
type Target = 'own' | 'shared' | 'other' | 'unassigned';
type Entity = SyncEntity | 'messages';
interface Case { entity: Entity; kind: Kind; target: Target; uid: number }

/** The kinds of change each adapter's mappers produce, per entity (see each adapter's toChanges / parse functions). */
interface Source { system: string; fields: Partial<Record<SyncEntity, readonly string[]>>; kinds: Partial<Record<Entity, Kind[]>>; mapper: 'webhooks' | 'calendar' | 'payments' | 'twilio' | 'vsco' | 'venue' | 'acuity' | 'calendly' }
const CALENDAR_KINDS: Kind[] = ['create', 'update', 'reassign', 'delete', 'absent-delete'];
const SOURCES: Source[] = [
  {
    system: 'webhooks', fields: WEBHOOK_FIELDS, mapper: 'webhooks',
    kinds: { timeline: ['create', 'update', 'reassign', 'delete'], vendors: ['create', 'update', 'delete'], payments: ['create', 'update', 'reassign', 'delete'], meta: ['update'], guests: ['update'], messages: ['ack'] },
  },
  { system: 'google-calendar', fields: CALENDAR_FIELDS, mapper: 'calendar', kinds: { timeline: CALENDAR_KINDS } },
  { system: 'outlook', fields: CALENDAR_FIELDS, mapper: 'calendar', kinds: { timeline: CALENDAR_KINDS } },
  { system: 'caldav', fields: CALENDAR_FIELDS, mapper: 'calendar', kinds: { timeline: CALENDAR_KINDS } },
  { system: 'stripe', fields: STRIPE_FIELDS, mapper: 'payments', kinds: { payments: ['create', 'update', 'reassign'] } },
  { system: 'square', fields: SQUARE_FIELDS, mapper: 'payments', kinds: { payments: ['create', 'update', 'reassign'] } },
  { system: 'paypal', fields: PAYPAL_FIELDS, mapper: 'payments', kinds: { payments: ['create', 'update', 'reassign'] } },
  { system: 'twilio', fields: {}, mapper: 'twilio', kinds: { messages: ['delivery'] } },
  { system: 'vsco-workspace', fields: VSCO_FIELDS, mapper: 'vsco', kinds: { meta: ['update'], guests: ['update'], timeline: ['update'], payments: ['create', 'update', 'reassign'] } },
  // Event Temple creates timeline events only through routing (which assigns the binding's vendor, as for calendars).
  { system: 'event-temple', fields: EVENT_TEMPLE_FIELDS, mapper: 'venue', kinds: { timeline: ['update', 'absent-delete'], meta: ['update'], guests: ['update'] } },
  // Acuity likewise: appointments are routed (new ones take the binding's vendor), moved and canceled.
  { system: 'acuity', fields: ACUITY_FIELDS, mapper: 'acuity', kinds: { timeline: ['update', 'delete', 'absent-delete'] } },
  { system: 'calendly', fields: CALENDLY_FIELDS, mapper: 'calendly', kinds: { timeline: ['update', 'delete', 'absent-delete'] } },
  // The universal adapter reading a preset system's payloads (adapters/presets/engine.ts): the same fields and the
  // same change shapes as the webhooks mapper's (upserts of fields, deletes where a trigger reports one), no acks.
  {
    system: 'preset', fields: WEBHOOK_FIELDS, mapper: 'webhooks',
    kinds: { timeline: ['create', 'update', 'delete'], vendors: ['create', 'update'], payments: ['create', 'update', 'reassign'], meta: ['update'], guests: ['update'] },
  },
];

const TARGETS: Record<Entity, Target[]> = {
  timeline: ['own', 'shared', 'other', 'unassigned'], vendors: ['own', 'other'], payments: ['own', 'other'], meta: ['other'], guests: ['other'], messages: ['own', 'other'],
};

/** The documented rights, case by case. */
function allowed(role: Role, c: Case): boolean {
  if (role === 'admin' || role === 'planner' || role === 'adapter') return true;
  if (role === 'couple') return false;
  switch (c.entity) {
    case 'meta':
    case 'guests':
      return false;
    case 'vendors':
      return c.target === 'own' && c.kind !== 'delete';
    case 'payments':
      return c.target === 'own' && c.kind !== 'reassign';
    case 'timeline':
      if (c.kind === 'create' || c.kind === 'delete' || c.kind === 'absent-delete') return c.target === 'own';
      if (c.kind === 'update') return c.target === 'own' || c.target === 'shared';
      return false;
    case 'messages':
      return c.target === 'own';
  }
}

const vendorIdsFor = (t: Target) => ({ own: [V], shared: [V, OTHER], other: [OTHER], unassigned: [] as string[] })[t];
/** Who a reassignment would assign: the vendor handing its event on, or claiming someone else's. */
const reassignedVendorIds = (t: Target) => ({ own: [V, OTHER], shared: [V], other: [OTHER, V], unassigned: [V] })[t];
/**
 * Phone numbers are unique per wedding (a duplicate is invalid): one per case. The own vendor's and
 * other vendors' numbers differ even when two cases draw the same uid (FC_SEED=2026603478 drew uid 19
 * for both, and the seeded vendors clashed).
 */
const phoneOf = (c: Case) => `+44${c.target === 'own' ? '21' : '20'}${String(c.uid).padStart(7, '0')}`;
const idOf = (c: Case) => (c.entity === 'vendors' ? (c.target === 'own' ? V : `vx${c.uid}`) : c.entity === 'meta' || c.entity === 'guests' ? '_' : `e${c.uid}`);

function seed(d: WeddingDoc, cases: Case[], present: boolean): void {
  d.transact(() => {
    d.setMeta({ title: 'Seeded', timezone: 'Europe/London' });
    d.updateGuests({ count: 100 });
    d.upsertVendor({ id: OTHER, name: 'Other vendor', category: 'florist' });
    if (present) d.upsertVendor({ id: V, name: 'The connector', category: 'photographer' });
    for (const c of cases) {
      const id = idOf(c);
      const exists = c.kind !== 'create';
      if (c.entity === 'vendors' && exists && id !== V) d.upsertVendor({ id, name: 'Seeded vendor', category: 'photographer' });
      if (c.entity === 'timeline' && exists) d.upsertEvent({ id, title: 'Seeded', start: T(10), end: T(11), vendorIds: vendorIdsFor(c.target) });
      if (c.entity === 'payments' && exists) d.upsertPayment({ id, vendorId: c.target === 'own' ? V : OTHER, amount: 10_000, currency: 'GBP' });
      if (c.entity === 'messages') {
        const now = new Date().toISOString();
        d.appendMessage({ id, senderId: 'planner', recipientIds: [V, OTHER], type: 'note', body: 'Hello' });
        d.recordDelivery(id, { recipientId: c.target === 'own' ? V : OTHER, channel: 'sms', status: 'sent', queuedAt: now, at: now, level: 0, integrationId: null, providerId: null, attempts: 1, error: null });
      }
    }
  });
}

/** The change the adapter's own mapper makes of the case. */
function changeOf(source: Source, c: Case): InboundChange {
  const id = idOf(c);
  const recipientId = c.target === 'own' ? V : OTHER;
  if (c.kind === 'ack') return toChanges({ type: 'message.acknowledged', timestamp: T(12), data: { messageId: id, recipientId } })[0]!;
  if (c.kind === 'delivery') return { op: 'delivery', messageId: id, recipientId, channel: 'sms', status: 'delivered', providerId: `SM${c.uid}` };
  const vendorIds = c.kind === 'reassign' ? reassignedVendorIds(c.target) : vendorIdsFor(c.target);
  if (source.mapper === 'calendar') {
    if (c.kind === 'delete') return toTimelineChange({ externalId: `ext-${id}`, key: null, cancelled: true }, { weddingId: 'w1', options: CalendarSyncOptions.parse({}), zone: 'Europe/London' })!;
    if (c.kind === 'absent-delete') return { op: 'delete', entity: 'timeline', externalId: `ext-${id}`, entityId: id, absent: true };
    const change = toTimelineChange(
      { externalId: `ext-${id}`, key: { weddingId: 'w1', eventId: id }, cancelled: false, title: c.kind === 'create' ? 'Created' : 'Moved', startMs: Date.parse(T(10)), endMs: Date.parse(T(11)), vendorIds },
      { weddingId: 'w1', options: CalendarSyncOptions.parse({ importEvents: 'all' }), zone: 'Europe/London' },
    );
    return change!;
  }
  if (source.mapper === 'vsco') {
    // A job (meta, guests), a session (timeline) and a payment through the VSCO Workspace mappers.
    if (c.entity === 'meta') return mapJob({ id: `ext-${id}`, name: 'Changed' }, '')[0]!;
    if (c.entity === 'guests') return mapJob({ id: `ext-${id}`, guestCount: 120 }, '')[1]!;
    if (c.entity === 'timeline') return mapSession({ id: `ext-${id}`, jobId: 'J1', name: 'Moved', startDate: '2027-06-12', startTime: '10:00', endTime: '11:00', timezoneName: 'Europe/London' }, 'UTC')!;
    const vendorId = c.kind === 'reassign' ? (c.target === 'own' ? OTHER : V) : c.target === 'own' ? V : OTHER;
    const change = mapPayment({ id: `ext-${id}`, jobId: 'J1', amount: c.kind === 'update' ? 2_500 : 10_000, currencyCode: 'GBP', status: c.kind === 'update' ? 'completed' : 'pending' }, vendorId)!;
    return c.kind === 'create' ? { ...change, entityId: id } as InboundChange : change;
  }
  if (source.mapper === 'calendly') {
    if (c.kind === 'absent-delete') return { op: 'delete', entity: 'timeline', externalId: `ext-${id}`, entityId: id, absent: true };
    const invitee = { uri: `ext-${id}`, status: c.kind === 'delete' ? 'canceled' as const : 'active' as const, timezone: 'Europe/London' };
    const event = { uri: `event-${id}`, name: 'Moved', start_time: '2027-06-12T09:00:00Z', end_time: '2027-06-12T10:00:00Z' };
    return inviteeChanges(invitee, event, { referenceQuestion: 'Wedding reference', roots: {} })[0]!;
  }
  if (source.mapper === 'acuity') {
    if (c.kind === 'absent-delete') return { op: 'delete', entity: 'timeline', externalId: `ext-${id}`, entityId: id, absent: true };
    return mapAppointment({ id: `ext-${id}` as unknown as number /* the walk's external ids are strings; the mapper reads either */, type: 'Moved', datetime: '2027-06-12T10:00:00+0100', duration: 60, timezone: 'Europe/London', canceled: c.kind === 'delete' }, { referenceField: 'Wedding reference' });
  }
  if (source.mapper === 'venue') {
    const ctx = { timeZone: 'Europe/London', venueName: '' };
    if (c.kind === 'absent-delete') return { op: 'delete', entity: 'timeline', externalId: `ext-${id}`, entityId: id, absent: true };
    if (c.entity === 'timeline') {
      return mapEvent({ id: `ext-${id}`, type: 'events', attributes: { name: 'Moved', start_time: '2027-06-12T10:00:00', end_time: '2027-06-12T11:00:00' }, relationships: { booking: { data: { type: 'bookings', id: '7' } } } }, new Map(), ctx)!;
    }
    const booking = mapBooking({ id: '7', type: 'bookings', attributes: { name: 'Changed', guest_count: 120 } }, new Map(), ctx);
    return booking.changes.find((x) => x.op === 'upsert' && x.entity === c.entity)!;
  }
  if (source.mapper === 'payments') {
    const vendorId = c.kind === 'reassign' ? (c.target === 'own' ? OTHER : V) : c.target === 'own' ? V : OTHER;
    const data = c.kind === 'create' ? { processor: source.system, vendorId, amount: 5_000, currency: 'GBP', status: 'pending' } : c.kind === 'update' ? { amountPaid: 2_500 } : { vendorId };
    return { op: 'upsert', entity: 'payments', externalId: `ext-${id}`, entityId: id, data };
  }
  // The universal adapter: a Standard Webhooks event through its mapper.
  const prefix = { timeline: 'timeline', vendors: 'vendor', payments: 'payment', meta: 'meta', guests: 'guests' }[c.entity as SyncEntity];
  if (c.kind === 'delete') return toChanges({ type: `${prefix}.deleted` as never, timestamp: T(12), data: { id } })[0]!;
  const type = (c.entity === 'meta' || c.entity === 'guests' ? `${prefix}.updated` : `${prefix}.upserted`) as never;
  const data: Record<string, unknown> = {
    timeline: c.kind === 'create' ? { id, title: 'Created', start: T(10), end: T(11), vendorIds } : c.kind === 'update' ? { id, title: 'Moved' } : { id, vendorIds },
    vendors: c.kind === 'create' ? { id, name: 'Created vendor', category: 'photographer' } : { id, phone: phoneOf(c) },
    payments: c.kind === 'create' ? { id, vendorId: c.target === 'own' ? V : OTHER, amount: 5_000, currency: 'GBP' } : c.kind === 'update' ? { id, amountPaid: 2_500 } : { id, vendorId: c.target === 'own' ? OTHER : V },
    meta: { title: 'Changed' },
    guests: { count: 120 },
  }[c.entity as SyncEntity] as Record<string, unknown>;
  return toChanges({ type, timestamp: T(12), data })[0]!;
}

/** Whether the case's change is visible in the wedding. */
function wasApplied(d: WeddingDoc, c: Case): boolean {
  const id = idOf(c);
  if (c.kind === 'ack') return d.getMessage(id)?.acks[c.target === 'own' ? V : OTHER] !== undefined;
  if (c.kind === 'delivery') return d.getDeliveries(id)[0]?.status === 'delivered';
  const read = { timeline: () => d.getEvent(id), vendors: () => d.getVendor(id), payments: () => d.getPayment(id), meta: () => d.getMeta(), guests: () => d.getGuests() }[c.entity as SyncEntity];
  const now = read() as Record<string, unknown> | undefined;
  switch (c.kind) {
    case 'create': return now !== undefined;
    case 'delete':
    case 'absent-delete': return now === undefined;
    case 'update':
      return { timeline: now?.title === 'Moved', vendors: now?.phone === phoneOf(c), payments: now?.amountPaid === 2_500, meta: now?.title === 'Changed', guests: now?.count === 120 }[c.entity as SyncEntity];
    case 'reassign':
      if (c.entity === 'payments') return now?.vendorId === (c.target === 'own' ? OTHER : V);
      return JSON.stringify([...(now?.vendorIds as string[])].sort()) === JSON.stringify([...reassignedVendorIds(c.target)].sort());
  }
}

const db = openDatabase(tempDir(), { synchronous: 'normal' });
const integrations = new IntegrationStore(db, createCredentialCipher(crypto.randomBytes(32)));
const links = new LinkStore(db);
let runs = 0;

function run(source: Source, role: Role, cases: Case[], present = true) {
  const d = new WeddingDoc(new Y.Doc());
  seed(d, cases, present);
  const connector: Connector = { sub: `${role}-user`, role, vendorId: role === 'vendor' ? V : null };
  const integrationId = `int_${source.system}_${++runs}`;
  integrations.createStandalone({
    id: integrationId, weddingId: 'w1', system: source.system, category: 'wedding_planning', vendorId: null, runMode: 'in_process',
    credentials: {}, webhookSecret: 'whsec_test', configuration: {}, configurationSecrets: [], capabilities: [], createdBy: connector.sub, connector,
  });
  // Every seeded entity is linked as last synced, so a deletion is the system's and not a conflict.
  for (const c of cases) {
    if (c.entity === 'messages' || c.kind === 'create' || (c.entity === 'vendors' && c.target === 'own' && !present)) continue;
    const entity = c.entity as SyncEntity;
    const id = idOf(c);
    const current = { timeline: () => d.getEvent(id), vendors: () => d.getVendor(id), payments: () => d.getPayment(id), meta: () => d.getMeta(), guests: () => d.getGuests() }[entity]() as Record<string, unknown>;
    const lastSynced = project(current, source.fields[entity] ?? []);
    links.save({ integrationId, entity, entityId: id, externalId: `ext-${id}`, lastSynced, lastHash: contentHash(entity, lastSynced), version: null });
  }
  const changes = cases.map((c) => changeOf(source, c));
  const outcome = applyInbound(d, { weddingId: 'w1', integrationId, system: source.system, fields: source.fields, strategies: {}, links, now: Date.now, connector }, changes);
  return { d, outcome };
}

const caseOf = (source: Source) => fc.constantFrom(...(Object.entries(source.kinds) as [Entity, Kind[]][])).chain(([entity, kinds]) =>
  fc.record({ entity: fc.constant(entity), kind: fc.constantFrom(...kinds), target: fc.constantFrom(...TARGETS[entity]), uid: fc.nat(1_000_000) }));
/** One change per entity in a batch (the singletons and the vendor's own entry once), so each is judged on its own. */
const batchOf = (source: Source) => fc.uniqueArray(caseOf(source), {
  minLength: 1, maxLength: 8,
  selector: (c) => (c.entity === 'meta' || c.entity === 'guests' ? c.entity : c.entity === 'vendors' && c.target === 'own' ? 'own-vendor' : `n${c.uid}`),
});

describe('inbound changes are judged against the rights of whoever connected the integration', () => {
  it('walks every adapter that brings changes in (webhooks or pulls)', async () => {
    const inbound = [];
    for (const module of ADAPTERS) {
      const definition = await module.load();
      if (definition.capabilities.includes('webhook') || definition.capabilities.includes('pull')) inbound.push(definition.system);
    }
    expect(inbound.sort()).toEqual(SOURCES.map((s) => s.system).sort());
  });

  for (const source of SOURCES) {
    it(`${source.system}: every change kind it produces is applied iff the connector's role allows it; refusals leave the rest of the batch alone`, () => {
      // Mostly with the connector's vendor entry in the wedding; sometimes without it (not added yet, or removed).
      // Viewers connect nothing (CONNECT_SCOPE), so no integration has a viewer as its connector.
      assertProperty(fc.property(fc.constantFrom(...ROLES.filter((r) => r !== 'viewer')), batchOf(source), fc.nat(4).map((n) => n !== 0), (role, batch, present) => {
        // The connector's own entry exists exactly when it is in the wedding: created only then, updated or deleted only else.
        const cases = batch.filter((c) => !(c.entity === 'vendors' && c.target === 'own' && present === (c.kind === 'create')));
        const { d, outcome } = run(source, role, cases, present);
        const verdicts = cases.map((c) => ({ role, present, ...c, expected: allowed(role, c), applied: wasApplied(d, c) }));
        expect(verdicts.filter((v) => v.expected !== v.applied)).toEqual([]);
        expect(outcome.refused).toBe(verdicts.filter((v) => !v.expected).length);
        expect(outcome.details.filter((x) => x.result === 'refused').every((x) => typeof x.reason === 'string' && !!x.message)).toBe(true);
        // A refusal records nothing in the wedding, not even a conflict.
        if (role === 'couple') expect(d.listConflicts()).toEqual([]);
      }), { numRuns: 60 });
    });
  }

  it('the venue’s calendar moving the ceremony it shares still works; deleting it or claiming the florist’s set-up does not', () => {
    const calendar = SOURCES.find((s) => s.system === 'google-calendar')!;
    const { d, outcome } = run(calendar, 'vendor', [
      { entity: 'timeline', kind: 'update', target: 'shared', uid: 1 },
      { entity: 'timeline', kind: 'delete', target: 'shared', uid: 2 },
      { entity: 'timeline', kind: 'reassign', target: 'other', uid: 3 },
    ]);
    expect(d.getEvent('e1')?.title).toBe('Moved');
    expect(d.getEvent('e2')?.title).toBe('Seeded');
    expect(d.getEvent('e3')?.vendorIds).toEqual([OTHER]);
    expect(outcome.details.map((x) => [x.entityId, x.result, x.reason ?? null])).toEqual([['e1', 'ok', null], ['e2', 'refused', 'not_own_entity'], ['e3', 'refused', 'not_own_entity']]);
    // The wedding's event stands and goes back to the calendar it was deleted from.
    expect(outcome.pushBack).toEqual(expect.arrayContaining([{ entity: 'timeline', entityId: 'e2' }, { entity: 'timeline', entityId: 'e3' }]));
  });
});

describe('vendor entries', () => {
  it('a vendor’s CRM adds the vendor’s own entry, not another vendor’s', () => {
    const webhooks = SOURCES.find((s) => s.system === 'webhooks')!;
    const { d, outcome } = run(webhooks, 'vendor', [{ entity: 'vendors', kind: 'create', target: 'own', uid: 3 }, { entity: 'vendors', kind: 'create', target: 'other', uid: 4 }], false);
    expect(d.getVendor(V)?.name).toBe('Created vendor');
    expect(d.getVendor('vx4')).toBeUndefined();
    expect(outcome.details.map((x) => [x.entityId, x.result, x.reason ?? null])).toEqual([[V, 'ok', null], ['vx4', 'refused', 'not_own_entity']]);
  });
});

describe('integrations connected before the connector was recorded (migration 014)', () => {
  it('keep a vendor’s rights when bound to a vendor, and a planner’s otherwise', () => {
    const old = new Database(':memory:');
    applyMigrations(old, listMigrations().filter((m) => m.version < 14));
    const cipher = createCredentialCipher(crypto.randomBytes(32));
    const insert = old.prepare(`INSERT INTO integrations (id, wedding_id, system, category, vendor_id, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at)
      VALUES (?, 'w1', 'webhooks', 'wedding_planning', ?, 'active', ?, ?, '{}', '[]', '2026-01-01T00:00:00Z', ?, '2026-01-01T00:00:00Z')`);
    insert.run('int_planner', null, cipher.encrypt('{}', 'int_planner'), cipher.encrypt('whsec_x', 'int_planner'), 'pat');
    insert.run('int_vendor', 'photo', cipher.encrypt('{}', 'int_vendor'), cipher.encrypt('whsec_x', 'int_vendor'), 'lens');
    expect(applyMigrations(old)).toContain(14);
    const store = new IntegrationStore(old, cipher);
    expect(store.get('int_planner')!.connector).toEqual({ sub: 'pat', role: 'planner', vendorId: null });
    expect(store.get('int_vendor')!.connector).toEqual({ sub: 'lens', role: 'vendor', vendorId: 'photo' });
    old.close();
  });
});
