import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError, type AdapterRuntime, type Egress, type OutboundChange, type WebhookRequest } from '../../adapters/core/index.ts';
import { acuityAdapter } from '../../adapters/acuity/index.ts';
import { acuitySignature, mapAppointment, parseAcuityDateTime, parseNotification, parseWallClock, type AcuityAppointment } from '../../adapters/acuity/mappers.ts';
import { AcuitySandbox, startAcuity } from '../../adapters/acuity/sandbox.ts';
import { assertProperty } from '../helpers/property.ts';

const WEBHOOK_URL = 'https://hub.example/api/integrations/webhook/acuity/con_acuity';

function make(sandbox: AcuitySandbox, configuration: Record<string, unknown> = {}, credentials: Record<string, unknown> = { userId: sandbox.userId, apiKey: sandbox.apiKey }, now = () => Date.parse('2027-01-10T12:00:00Z')) {
  let state: Record<string, unknown> = {};
  const runtime: AdapterRuntime = {
    integrationId: 'con_acuity', weddingId: '', webhookUrl: WEBHOOK_URL, webhookSecret: 'whsec_unused', fetch, egress: {} as Egress, now,
    state: { get: () => state, set: (next) => { state = next; } },
  };
  const adapter = acuityAdapter.create({ integrationId: 'con_acuity', weddingId: '', credentials, configuration: { apiBase: sandbox.url, ...configuration }, runtime });
  return { adapter, state: () => state };
}

const request = (body: string, headers: Record<string, string>, receivedAt = Date.now()): WebhookRequest => ({ method: 'POST', url: WEBHOOK_URL, headers, rawBody: body, receivedAt });

async function rejection(p: Promise<unknown>): Promise<AdapterError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterError);
    return error as AdapterError;
  }
  throw new Error('expected a rejection');
}

const booking = (over: Partial<Parameters<AcuitySandbox['book']>[0]> = {}) => ({
  firstName: 'Ana', lastName: 'Reyes', email: 'ana@example.com', datetime: '2027-03-06T11:00:00+00:00', timezone: 'Europe/London', duration: 90,
  type: 'Engagement shoot', location: 'Kew Gardens', notes: 'Bring the dog', answers: { 'Wedding reference': 'ANA-BEN-2027' }, ...over,
});

describe('Acuity adapter against the sandbox', () => {
  let s: AcuitySandbox;
  beforeAll(async () => { s = await startAcuity(); });
  afterAll(async () => { await s.stop(); });

  it('tests the connection with GET /me and Basic auth; wrong credentials are unauthorized; bad ones are refused before any call', async () => {
    // What it reached: the Acuity user, by its id (one connection per account, same-remote.ts).
    expect(await make(s).adapter.testConnection()).toEqual({ remoteId: s.userId, remoteName: 'studio@lens.example' });
    expect(s.http.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`${s.userId}:${s.apiKey}`).toString('base64')}`);
    const wrong = await rejection(make(s, {}, { userId: s.userId, apiKey: 'not-the-key-at-all' }).adapter.testConnection());
    expect(wrong.code).toBe('unauthorized');
    expect(() => make(s, {}, { userId: 'ana', apiKey: 'x' })).toThrow(/userId.*apiKey|credentials/);
  });

  it('verifies X-Acuity-Signature over the raw form body, re-fetches the appointment and hands parseWebhook the mapped change', async () => {
    const { adapter } = make(s);
    const appt = await s.book(booking());
    const { body, headers } = s.notification(appt, 'appointment.scheduled');
    const req = request(body, headers);
    const requestsBefore = s.http.requests.length;
    const verdict = await adapter.verifyWebhook!(req);
    expect(verdict.ok).toBe(true);
    // The delivery names ids only: the appointment was read back.
    expect(s.http.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/appointments/${appt.id}`]);
    const parsed = adapter.parseWebhook!(req);
    expect(parsed.changes).toEqual([{
      op: 'upsert', entity: 'timeline', externalId: String(appt.id), reference: 'ANA-BEN-2027',
      hints: { date: '2027-03-06', text: 'Engagement shoot: Ana Reyes', timeZone: 'Europe/London', venue: 'Kew Gardens' },
      data: { title: 'Engagement shoot: Ana Reyes', start: '2027-03-06T11:00:00+00:00', end: '2027-03-06T12:30:00+00:00', location: 'Kew Gardens', notes: 'Bring the dog', category: 'meeting' },
      // Acuity gives no modification time: the read is positioned at the hub's clock when it was asked.
      position: { at: Date.parse('2027-01-10T12:00:00Z'), rank: 0 },
    }]);
    // parseWebhook did no I/O.
    expect(s.http.requests.length).toBe(requestsBefore + 1);
    // The same delivery stored and parsed later (its JSON round trip) still finds the read-back.
    expect(adapter.parseWebhook!(JSON.parse(JSON.stringify(req)) as WebhookRequest).changes).toHaveLength(1);
  });

  it('refuses a bad signature, a body changed after signing, a missing header, and a body that names no appointment', async () => {
    const { adapter } = make(s);
    const appt = await s.book(booking());
    const good = s.notification(appt, 'appointment.scheduled');
    const forged = s.notification(appt, 'appointment.scheduled', 'someone-elses-key');
    expect(await adapter.verifyWebhook!(request(forged.body, forged.headers))).toMatchObject({ ok: false, code: 'signature_invalid' });
    const tampered = good.body.replace(String(appt.id), String(appt.id + 1));
    expect(await adapter.verifyWebhook!(request(tampered, good.headers))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await adapter.verifyWebhook!(request(good.body, { 'content-type': 'application/x-www-form-urlencoded' }))).toMatchObject({ ok: false, code: 'signature_invalid' });
    const nothing = 'action=appointment.scheduled&calendarID=21';
    expect(await adapter.verifyWebhook!(request(nothing, { 'x-acuity-signature': acuitySignature(nothing, s.apiKey) }))).toMatchObject({ ok: false, code: 'invalid_payload' });
  });

  it('has no timestamp to be stale: a replayed old delivery only re-reads the appointment as it is now', async () => {
    const { adapter } = make(s);
    const appt = await s.book(booking());
    const old = s.notification(appt, 'appointment.scheduled');
    await s.reschedule(appt.id, '2027-03-07T15:00:00+00:00');
    const replay = request(old.body, old.headers);
    expect(await adapter.verifyWebhook!(replay)).toMatchObject({ ok: true });
    const [change] = adapter.parseWebhook!(replay).changes;
    expect(change).toMatchObject({ op: 'upsert', data: { start: '2027-03-07T15:00:00+00:00', end: '2027-03-07T16:30:00+00:00' } });
  });

  it('reads static-webhook actions too, maps a canceled appointment to a delete, and one state delivered twice (changed + canceled) is one event', async () => {
    const { adapter } = make(s);
    const appt = await s.book(booking());
    await s.cancel(appt.id);
    const a = s.notification(appt, 'canceled');
    const b = s.notification(appt, 'appointment.changed');
    const va = await adapter.verifyWebhook!(request(a.body, a.headers));
    const vb = await adapter.verifyWebhook!(request(b.body, b.headers));
    expect(va.ok && vb.ok && va.eventId === vb.eventId).toBe(true);
    expect(adapter.parseWebhook!(request(a.body, a.headers, 1)).changes).toEqual([]); // another delivery (other time): not read back here
    const req = request(a.body, a.headers);
    await adapter.verifyWebhook!(req);
    expect(adapter.parseWebhook!(req).changes).toEqual([expect.objectContaining({ op: 'delete', entity: 'timeline', externalId: String(appt.id), reference: 'ANA-BEN-2027' })]);
  });

  it('moved and then moved back: the return is a new event, not a duplicate of the first move\'s (one state read within a minute is still one event)', async () => {
    let now = Date.parse('2027-01-10T12:00:00Z');
    const { adapter } = make(s, {}, undefined, () => now);
    const appt = await s.book(booking());
    const deliver = async (action: string) => {
      const n = s.notification(appt, action);
      const v = await adapter.verifyWebhook!(request(n.body, n.headers));
      return v.ok ? v.eventId : null;
    };
    const booked = await deliver('appointment.scheduled');
    expect(await deliver('appointment.changed')).toBe(booked);
    now += 5 * 60_000;
    await s.reschedule(appt.id, '2027-03-13T15:00:00+0000');
    const moved = await deliver('appointment.rescheduled');
    now += 5 * 60_000;
    await s.reschedule(appt.id, '2027-03-06T11:00:00+0000');
    const back = await deliver('appointment.rescheduled');
    expect(new Set([booked, moved, back]).size).toBe(3);
    expect([booked, moved, back].every((id) => id?.startsWith(`appointment:${appt.id}:`))).toBe(true);
  });

  it('ignores appointments outside the configured calendar or types, without reading them', async () => {
    const { adapter } = make(s, { appointmentTypeIDs: [12] });
    const appt = await s.book(booking({ appointmentTypeID: 11 }));
    const n = s.notification(appt, 'appointment.scheduled');
    const before = s.http.requests.length;
    const verdict = await adapter.verifyWebhook!(request(n.body, n.headers));
    expect(verdict).toMatchObject({ ok: true, ignore: true });
    expect(s.http.requests.length).toBe(before);
  });

  it('pulls every appointment in the window through pages of `max`, with filters, and canceled ones as deletes', async () => {
    const local = await startAcuity();
    try {
      // 7 on one busy day (more than a page), 5 spread out, 1 on another calendar, 1 canceled, 1 outside the window.
      for (let i = 0; i < 7; i++) await local.book(booking({ firstName: `Busy${i}`, datetime: `2027-05-01T${String(9 + i).padStart(2, '0')}:00:00+01:00`, timezone: 'Europe/London', duration: 30 }));
      for (let i = 0; i < 5; i++) await local.book(booking({ firstName: `Spread${i}`, datetime: `2027-0${6 + i % 3}-${10 + i}T10:00:00-04:00`, timezone: 'America/New_York' }));
      await local.book(booking({ firstName: 'Other', calendarID: 99 }));
      const gone = await local.book(booking({ firstName: 'Gone' }));
      await local.cancel(gone.id);
      await local.book(booking({ firstName: 'Far', datetime: '2031-01-01T10:00:00+00:00' }));
      const { adapter } = make(local, { pageSize: 3, calendarID: 21 });
      const page = await adapter.pull!({ cursor: null, full: true });
      const upserts = page.changes.filter((c) => c.op === 'upsert');
      expect(upserts).toHaveLength(12);
      expect(new Set(upserts.map((c) => 'externalId' in c && c.externalId)).size).toBe(12);
      expect(page.changes.filter((c) => c.op === 'delete')).toEqual([expect.objectContaining({ externalId: String(gone.id) })]);
      const lists = local.http.requests.filter((r) => r.path === '/api/v1/appointments');
      expect(lists.every((r) => r.query.get('calendarID') === '21' && r.query.get('direction') === 'ASC' && r.query.get('maxDate') === '2029-01-09')).toBe(true);
      expect(lists.some((r) => r.query.get('canceled') === 'true')).toBe(true);
      expect(lists.length).toBeGreaterThan(3);
      // New York wall times stay what Acuity said, as instants.
      const spread = upserts.find((c) => c.op === 'upsert' && String(c.data.title).includes('Spread0 '))!;
      expect(spread.op === 'upsert' && spread.data.start).toBe('2027-06-10T10:00:00-04:00');
    } finally {
      await local.stop();
    }
  });

  it('maps 429 with Retry-After to rate_limited, 404 to gone, 400 to permanent with Acuity\'s error code', async () => {
    const { adapter } = make(s);
    s.rateLimitNext(1, '7');
    const limited = await rejection(adapter.testConnection());
    expect(limited).toMatchObject({ code: 'rate_limited', extra: { status: 429, retryAfterMs: 7000 } });
    s.rateLimitNext(1);
    expect((await rejection(adapter.testConnection())).extra.retryAfterMs).toBeUndefined();
    s.http.failNext(1, 503);
    expect((await rejection(adapter.testConnection())).code).toBe('transient');
    const unreachable = make(s, { apiBase: 'http://127.0.0.1:9/api/v1' }).adapter;
    expect((await rejection(unreachable.testConnection())).code).toBe('transient');
    const push = (start: string, externalId = '999999'): OutboundChange => ({ op: 'upsert', entity: 'timeline', entityId: 'e1', externalId, data: { start }, version: null, base: { start: '2027-03-06T11:00:00Z' } });
    const missing = await rejection(adapter.push!(push('2027-03-06T12:00:00Z'), { idempotencyKey: 'k', wedding: { weddingId: 'w', meta: {}, vendors: {} } }));
    expect(missing.code).toBe('gone');
    const appt = await s.book(booking());
    const bad = await rejection(adapter.push!({ ...push('2027-03-06T12:00:00Z', String(appt.id)), data: { start: '2027-03-06T12:00:00' } }, { idempotencyKey: 'k', wedding: { weddingId: 'w', meta: {}, vendors: {} } }));
    expect(bad).toMatchObject({ code: 'permanent', message: expect.stringContaining('invalid_datetime') });
  });

  it('pushes a moved linked event as PUT /appointments/{id}/reschedule and returns Acuity\'s end; nothing else is pushed', async () => {
    const { adapter } = make(s);
    const appt = await s.book(booking());
    const ctx = { idempotencyKey: 'k', wedding: { weddingId: 'w', meta: {}, vendors: {} } };
    const moved: OutboundChange = { op: 'upsert', entity: 'timeline', entityId: 'e1', externalId: String(appt.id), data: { start: '2027-03-06T14:00:00+00:00', end: '2027-03-06T14:30:00+00:00' }, version: null, base: { start: '2027-03-06T11:00:00+00:00' } };
    expect(adapter.accepts!(moved, ctx.wedding)).toBe(true);
    const result = await adapter.push!(moved, ctx);
    expect(result.externalId).toBe(String(appt.id));
    expect(s.appointments.get(appt.id)!.datetime).toBe('2027-03-06T14:00:00+0000');
    expect(result.changes).toEqual([expect.objectContaining({ data: expect.objectContaining({ end: '2027-03-06T15:30:00+00:00' }) })]);
    // A change of another field (same start as Acuity has) is planned but writes nothing.
    const before = s.http.requests.length;
    expect(await adapter.push!({ ...moved, base: { start: moved.data!.start } }, ctx)).toEqual({ externalId: String(appt.id) });
    expect(s.http.requests.length).toBe(before);
    expect(adapter.accepts!({ ...moved, externalId: null }, ctx.wedding)).toBe(false);
    expect(adapter.accepts!({ ...moved, op: 'delete', data: null }, ctx.wedding)).toBe(false);
  });

  it('registers one webhook per event on activate (idempotently) and deletes them on deactivate', async () => {
    const local = await startAcuity();
    try {
      const { adapter, state } = make(local);
      await adapter.activate!();
      await adapter.activate!();
      expect([...local.webhooks.values()].map((w) => w.event).sort()).toEqual(['appointment.canceled', 'appointment.changed', 'appointment.rescheduled', 'appointment.scheduled']);
      expect([...local.webhooks.values()].every((w) => w.target === WEBHOOK_URL)).toBe(true);
      expect(Object.keys(state().webhooks as object)).toHaveLength(4);
      local.webhooks.delete([...local.webhooks.keys()][0]!); // removed in Acuity already: a 404 is fine
      await adapter.deactivate!();
      expect(local.webhooks.size).toBe(0);
    } finally {
      await local.stop();
    }
  });
});

describe('Acuity mapping', () => {
  it('reads Acuity\'s datetime spellings and wall clocks', () => {
    expect(parseAcuityDateTime('2027-06-12T14:00:00+0100')).toBe(Date.parse('2027-06-12T13:00:00Z'));
    expect(parseAcuityDateTime('2027-06-12T14:00:00-04:00')).toBe(Date.parse('2027-06-12T18:00:00Z'));
    expect(parseAcuityDateTime('June 12, 2027')).toBeNull();
    expect(parseWallClock('3:00pm')).toBe(15 * 60);
    expect(parseWallClock('12:30am')).toBe(30);
    expect(parseWallClock('12:00pm')).toBe(12 * 60);
    expect(parseWallClock('13:00pm')).toBeNull();
  });

  it('takes the end from endTime when there is no duration, across midnight in the zone', () => {
    const appt: AcuityAppointment = { id: 1, datetime: '2027-06-12T22:00:00+0200', endTime: '1:00am', timezone: 'Europe/Paris', type: 'Late party', firstName: 'Eli' };
    const change = mapAppointment(appt, { referenceField: 'Wedding reference' });
    expect(change).toMatchObject({ op: 'upsert', data: { start: '2027-06-12T22:00:00+02:00', end: '2027-06-13T01:00:00+02:00' } });
    expect(change.reference).toBeUndefined();
  });

  it('finds the reference by field name (spacing and case ignored) or fieldID', () => {
    const appt: AcuityAppointment = { id: 2, datetime: '2027-06-12T10:00:00+0100', duration: '60', forms: [{ values: [{ fieldID: 77, name: 'WEDDING  reference:', value: ' W-42 ' }] }] };
    expect(mapAppointment(appt, { referenceField: 'Wedding reference' }).reference).toBe('W-42');
    expect(mapAppointment(appt, { referenceField: 77 }).reference).toBe('W-42');
    expect(mapAppointment(appt, { referenceField: 78 }).reference).toBeUndefined();
  });

  it('property: any instant in any zone, written the way Acuity writes it, maps to the same start and end instants', () => {
    const zones = ['Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Adelaide', 'Pacific/Chatham', 'UTC'];
    assertProperty(fc.property(
      fc.integer({ min: Date.parse('2026-01-01T00:00:00Z') / 60_000, max: Date.parse('2030-12-31T00:00:00Z') / 60_000 }),
      fc.constantFrom(...zones), fc.integer({ min: 0, max: 600 }),
      (minute, zone, duration) => {
        const ms = minute * 60_000;
        const iso = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms).replace(' ', 'T');
        const offsetMin = Math.round((Date.parse(`${iso}Z`) - ms) / 60_000);
        const off = `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0')}${String(Math.abs(offsetMin) % 60).padStart(2, '0')}`;
        const change = mapAppointment({ id: 5, datetime: `${iso}${off}`, timezone: zone, duration: String(duration), type: 'Tasting' }, { referenceField: 'x' });
        if (change.op !== 'upsert') return false;
        return Date.parse(change.data.start as string) === ms && Date.parse(change.data.end as string) === ms + duration * 60_000
          && (change.data.start as string).slice(0, 10) === iso.slice(0, 10);
      },
    ));
  });

  it('parses form-encoded notifications and refuses unknown actions', () => {
    expect(parseNotification('action=appointment.rescheduled&id=12&calendarID=3&appointmentTypeID=4')).toEqual({ action: 'appointment.rescheduled', id: 12, calendarID: 3, appointmentTypeID: 4 });
    expect(parseNotification('action=scheduled&id=12')).toEqual({ action: 'scheduled', id: 12 });
    expect(() => parseNotification('action=order.completed&id=12')).toThrow(/unknown action/);
    expect(() => parseNotification('{"action":"scheduled","id":12}')).toThrow(/appointment id/);
  });
});

