import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { olderSnapshot, type Adapter, type AdapterRuntime, type InboundChange, type OutboundChange, type SnapshotOrder } from '../../adapters/core/index.ts';
import { acuityAdapter } from '../../adapters/acuity/index.ts';
import { startAcuity, type AcuitySandbox } from '../../adapters/acuity/sandbox.ts';
import { eventTempleAdapter } from '../../adapters/event-temple/index.ts';
import { EventTempleSandbox } from '../../adapters/event-temple/sandbox.ts';
import { vscoWorkspaceAdapter } from '../../adapters/vsco-workspace/index.ts';
import { startVscoSandbox, type VscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';

/*
 * Every system the hub both reads and writes orders the snapshots of one record: a read taken
 * before our write is older than the write (and is skipped when the inbox applies it after the
 * write, server/bridge/inbound-applier.ts); a read taken after it is not. Without that a pull
 * answered before our write and applied after it takes the record back (CalDAV did, in CI on
 * 2026-12-07: caldav-read-order.test.ts). Systems with a modification time use theirs (Event
 * Temple `updated_at`, VSCO `modified`); Acuity has none, so its adapter uses the hub's clock.
 */

/** A clock that moves on by 1 ms each time it is read, as real time does between two requests. */
function ticking(): () => number {
  let t = Date.parse('2027-01-10T12:00:00Z');
  return () => ++t;
}

function runtime(integrationId: string, now: () => number = Date.now): AdapterRuntime {
  let state: Record<string, unknown> = {};
  return {
    integrationId, weddingId: '', webhookUrl: `https://hub.example/api/integrations/webhook/x/${integrationId}`, webhookSecret: 'whsec_x',
    fetch, egress: undefined as never, now, state: { get: () => state, set: (next) => { state = next; } },
  };
}

type Both = Adapter & Required<Pick<Adapter, 'pull' | 'push'>>;
const WEDDING = { weddingId: 'w', meta: {}, vendors: {} };

/** The position of the record's snapshot in a pull's changes. */
async function pulledPosition(adapter: Both, externalId: string): Promise<SnapshotOrder | undefined> {
  const page = await adapter.pull({ cursor: null, full: true });
  const c = page.changes.find((x): x is Extract<InboundChange, { op: 'upsert' }> => x.op === 'upsert' && x.entity === 'timeline' && x.externalId === externalId);
  expect(c, `the record ${externalId} in the pull`).toBeDefined();
  return c!.position;
}

/** Pull, write new times, pull again: the first read is older than the write, the second is not. */
async function expectOrdered(adapter: Both, move: OutboundChange): Promise<void> {
  const before = await pulledPosition(adapter, move.externalId!);
  const pushed = await adapter.push(move, { idempotencyKey: `k-${move.externalId}`, wedding: WEDDING });
  const after = await pulledPosition(adapter, move.externalId!);
  expect(before).toBeDefined();
  expect(pushed.position).toBeDefined();
  expect(after).toBeDefined();
  expect(olderSnapshot(before!, pushed.position!)).toBe(true);
  expect(olderSnapshot(after!, pushed.position!)).toBe(false);
}

describe('a read taken before our write is older than it, one taken after is not', () => {
  let et: EventTempleSandbox;
  let vsco: VscoSandbox;
  let acuity: AcuitySandbox;
  beforeAll(async () => { [et, vsco, acuity] = await Promise.all([new EventTempleSandbox().start(), startVscoSandbox(), startAcuity()]); });
  afterAll(async () => { await Promise.all([et.stop(), vsco.stop(), acuity.stop()]); });

  it('Event Temple: by the event’s updated_at', async () => {
    const b = et.createBooking({ name: 'Order couple', status: 'definite', start_date: '2027-07-03' });
    const e = et.createEvent(b, { name: 'Reception', start_time: '2027-07-03T18:00:00+01:00', end_time: '2027-07-03T23:00:00+01:00' });
    const adapter = eventTempleAdapter.create({
      integrationId: 'con_et', weddingId: 'w', credentials: { apiKey: et.apiKey, orgId: et.orgId },
      configuration: { apiBase: et.url, timeZone: 'Europe/London', venueName: 'Kew Barn' }, runtime: runtime('con_et'),
    }) as Both;
    await expectOrdered(adapter, { op: 'upsert', entity: 'timeline', entityId: 'reception', externalId: e, version: null, data: { start: '2027-07-03T18:30:00Z', end: '2027-07-03T23:30:00Z' } });
  });

  it('VSCO Workspace: by the session’s modified', async () => {
    const job = await vsco.createJob({ name: 'Ana & Ben', stage: 'booked' } as never, [{ kind: 'person', firstName: 'Ana', lastName: 'Reyes' } as never]);
    const session = vsco.addSession({ jobId: job.id, name: 'Portraits', startDate: '2027-06-12', startTime: '15:00', endDate: '2027-06-12', endTime: '16:00' } as never);
    const adapter = vscoWorkspaceAdapter.create({
      integrationId: 'con_vsco', weddingId: 'w', credentials: { apiKey: vsco.apiKey },
      configuration: { apiBaseUrl: vsco.url, timeZone: 'Europe/London', registerHooks: false }, runtime: runtime('con_vsco'),
    }) as Both;
    await expectOrdered(adapter, { op: 'upsert', entity: 'timeline', entityId: 'portraits', externalId: session.id, version: null, data: { start: '2027-06-12T16:00:00+01:00', end: '2027-06-12T17:00:00+01:00' } });
  });

  it('VSCO Workspace: a session we wrote is read again by the next pull, even when its cursor passed the write', async () => {
    const job = await vsco.createJob({ name: 'Cara & Dev', stage: 'booked' } as never, [{ kind: 'person', firstName: 'Cara', lastName: 'Lee' } as never]);
    const session = vsco.addSession({ jobId: job.id, name: 'Portraits', startDate: '2027-08-14', startTime: '15:00', endDate: '2027-08-14', endTime: '16:00' } as never);
    const adapter = vscoWorkspaceAdapter.create({
      integrationId: 'con_vsco2', weddingId: 'w', credentials: { apiKey: vsco.apiKey },
      configuration: { apiBaseUrl: vsco.url, timeZone: 'Europe/London', registerHooks: false }, runtime: runtime('con_vsco2', ticking()),
    }) as Both;
    // The photographer renames the session in VSCO; a pull reads it, but that read is applied only
    // after our write of new times (so it is skipped as older), and the pull's cursor passes the
    // write because another job changed after it.
    vsco.updateSession(session.id, { name: 'Portraits at the lake' });
    const read = await adapter.pull({ cursor: null, full: true });
    const pushed = await adapter.push({ op: 'upsert', entity: 'timeline', entityId: 'portraits', externalId: session.id, version: null, data: { start: '2027-08-14T16:00:00+01:00', end: '2027-08-14T17:00:00+01:00' } }, { idempotencyKey: 'k-cara', wedding: WEDDING });
    const stale = read.changes.find((c): c is Extract<InboundChange, { op: 'upsert' }> => c.op === 'upsert' && c.externalId === session.id)!;
    expect(olderSnapshot(stale.position!, pushed.position!)).toBe(true);
    const later = vsco.updateJob(job.id, { name: 'Cara & Dev Lee' });
    const cursor = later.modified!;
    const next = await adapter.pull({ cursor, full: false });
    const again = next.changes.find((c): c is Extract<InboundChange, { op: 'upsert' }> => c.op === 'upsert' && c.externalId === session.id);
    expect(again?.data.title).toBe('Portraits at the lake');
    expect(olderSnapshot(again!.position!, pushed.position!)).toBe(false);
    // Read again once: the pull after it starts from its cursor as usual.
    const after = await adapter.pull({ cursor: next.cursor, full: false });
    expect(after.changes.some((c) => c.op === 'upsert' && c.externalId === session.id)).toBe(false);
  });

  it('Acuity: by the hub’s clock, a read at the moment it was asked and a write at the moment it was answered', async () => {
    const appt = await acuity.book({
      firstName: 'Ana', lastName: 'Reyes', email: 'ana@example.com', datetime: '2027-03-06T11:00:00+00:00', timezone: 'Europe/London', duration: 90,
      type: 'Engagement shoot', location: 'Kew Gardens', notes: '', answers: {},
    });
    const adapter = acuityAdapter.create({
      integrationId: 'con_acuity', weddingId: 'w', credentials: { userId: acuity.userId, apiKey: acuity.apiKey },
      configuration: { apiBase: acuity.url, lookbackDays: 3650, horizonDays: 3650 }, runtime: runtime('con_acuity', ticking()),
    }) as Both;
    const move: OutboundChange = { op: 'upsert', entity: 'timeline', entityId: 'shoot', externalId: String(appt.id), version: null, data: { start: '2027-03-06T14:00:00+00:00', end: '2027-03-06T15:30:00+00:00' }, base: { start: '2027-03-06T11:00:00+00:00' } };
    await expectOrdered(adapter, move);
    // What Acuity made of the write (the end it computed) comes back as of the write: not older than it.
    const pushed = await adapter.push({ ...move, data: { start: '2027-03-06T16:00:00+00:00', end: '2027-03-06T17:30:00+00:00' }, base: { start: '2027-03-06T14:00:00+00:00' } }, { idempotencyKey: 'k2', wedding: WEDDING });
    const back = pushed.changes?.[0] as Extract<InboundChange, { op: 'upsert' }> | undefined;
    expect(back?.position).toEqual(pushed.position);
  });
});
