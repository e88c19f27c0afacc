import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterError, type AdapterState, type Egress, type InboundChange, type WebhookRequest } from '../../adapters/core/index.ts';
import { wallTimeIsExact } from '../../adapters/core/calendar-time.ts';
import { createVscoAdapter } from '../../adapters/vsco-workspace/index.ts';
import { hookToken, parseHookDelivery } from '../../adapters/vsco-workspace/hooks.ts';
import { coupleNames, galleryNotice, mapJob, mapPayment, mapSession, paymentStatus, sessionTimes } from '../../adapters/vsco-workspace/mappers.ts';
import { startVscoSandbox, type VscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';

const memoryState = (): AdapterState => { let s: Record<string, unknown> = {}; return { get: () => s, set: (n) => { s = n; } }; };
const WEBHOOK_SECRET = 'whsec_vsco_test_secret_0123456789';
const WEBHOOK_URL = 'https://hub.example/api/integrations/webhook/vsco-workspace/con_1';

async function sandbox(): Promise<VscoSandbox> {
  const sb = await startVscoSandbox();
  registerTeardown(() => sb.stop());
  return sb;
}

function adapter(sb: VscoSandbox, options: { credentials?: unknown; configuration?: Record<string, unknown>; weddingId?: string } = {}) {
  return createVscoAdapter({
    integrationId: 'con_1', weddingId: options.weddingId ?? '',
    credentials: options.credentials ?? { apiKey: sb.apiKey },
    configuration: { apiBaseUrl: sb.url, pageSize: 10, ...options.configuration },
    runtime: { integrationId: 'con_1', weddingId: options.weddingId ?? '', webhookUrl: WEBHOOK_URL, webhookSecret: WEBHOOK_SECRET, fetch, egress: {} as Egress, now: Date.now, state: memoryState() },
  });
}

const hookRequest = (url: string, body: unknown): WebhookRequest => ({ method: 'POST', url, headers: { 'content-type': 'application/json' }, rawBody: typeof body === 'string' ? body : JSON.stringify(body), receivedAt: Date.now() });
type Upsert = Extract<InboundChange, { op: 'upsert' }>;
const of = (changes: InboundChange[], entity: string): Upsert[] => changes.filter((c): c is Upsert => c.op === 'upsert' && c.entity === entity);

describe('VSCO Workspace adapter against its sandbox', () => {
  it('reads every page of a list, then only what changed since the cursor', async () => {
    const sb = await sandbox();
    const a = adapter(sb);
    for (let i = 0; i < 25; i++) await sb.createJob({ name: `Job ${i}`, eventDate: '2027-06-12', guestCount: i }, [{ firstName: `A${i}`, lastName: 'Smith' }]);
    const first = await a.pull!({ cursor: null, full: true });
    expect(of(first.changes, 'meta')).toHaveLength(25);
    expect(of(first.changes, 'guests').map((c) => c.data.count as number).sort((x, y) => x - y)).toEqual([...Array(25).keys()]);
    const jobPages = sb.requests.filter((r) => r.path === '/api/v2/job').map((r) => r.query.get('page'));
    expect(jobPages).toEqual(['1', '2', '3']);
    expect(first.cursor).toBeTruthy();
    // One job changes: the next pull brings it (and only it), reading one page.
    const before = sb.requests.length;
    const someJob = [...sb.jobs.values()][3]!;
    sb.updateJob(someJob.id, { guestCount: 140 });
    const next = await a.pull!({ cursor: first.cursor, full: false });
    // The record at the cursor's instant is read again (a change in the same second must not be missed): harmless, upserts are idempotent.
    const newest = [...sb.jobs.values()].filter((j) => j.id !== someJob.id).sort((x, y) => y.modified!.localeCompare(x.modified!))[0]!;
    expect(of(next.changes, 'guests').map((c) => c.externalId).sort()).toEqual([someJob.id, newest.id].sort());
    expect(of(next.changes, 'guests')).toContainEqual(expect.objectContaining({ externalId: someJob.id, data: { count: 140 }, reference: someJob.id }));
    expect(sb.requests.slice(before).filter((r) => r.path === '/api/v2/job')).toHaveLength(1);
    expect(Date.parse(next.cursor!)).toBeGreaterThan(Date.parse(first.cursor!));
    // Galleries have no hooks: a delivery shows up in the next pull as a notice naming the job.
    const gallery = sb.addGallery({ jobId: someJob.id, name: 'Ana & Ben — the day', status: 'draft' });
    expect((await a.pull!({ cursor: next.cursor, full: false })).changes.filter((c) => c.op === 'notice')).toEqual([]);
    sb.updateGallery(gallery.id, { status: 'delivered', url: 'https://gallery.example/ab' });
    const delivered = await a.pull!({ cursor: next.cursor, full: false });
    expect(delivered.changes.filter((c) => c.op === 'notice')).toEqual([{
      op: 'notice', kind: 'gallery.delivered', externalId: `gallery:${gallery.id}`, reference: someJob.id, audience: ['couple'],
      subject: 'Your photos are ready: Ana & Ben — the day', body: 'Your gallery "Ana & Ben — the day" has been delivered. View it here: https://gallery.example/ab',
    }]);
  });

  it('turns refusals into typed errors: 401, 429 with Retry-After, 5xx, 404; page sizes VSCO refuses are never asked for', async () => {
    const sb = await sandbox();
    await expect(adapter(sb, { credentials: { apiKey: 'wrong-key-123' } }).testConnection()).rejects.toMatchObject({ code: 'unauthorized', extra: { status: 401 } });
    // What it reached: the studio, by its id (one connection per studio, same-remote.ts).
    await expect(adapter(sb, { credentials: { accessToken: sb.accessToken } }).testConnection()).resolves.toEqual({ remoteId: sb.studioId, remoteName: 'Lens & Light' });
    const a = adapter(sb);
    sb.rateLimitNext(1, '7');
    await expect(a.testConnection()).rejects.toMatchObject({ code: 'rate_limited', extra: { status: 429, retryAfterMs: 7000 } });
    sb.failNext(1, 503);
    await expect(a.pull!({ cursor: null, full: true })).rejects.toMatchObject({ code: 'transient', extra: { status: 503 } });
    await expect(a.push!({ op: 'upsert', entity: 'timeline', entityId: 'ceremony', externalId: 'NOSUCHSESSION', data: { start: '2027-06-12T14:00:00Z', end: '2027-06-12T15:00:00Z' }, version: null }, { idempotencyKey: 'k', wedding: { weddingId: 'w', meta: {}, vendors: {} } }))
      .rejects.toMatchObject({ code: 'permanent', extra: { status: 404 } });
    expect(() => adapter(sb, { configuration: { pageSize: 500 } })).toThrow(AdapterError);
    expect(() => adapter(sb, { configuration: { timeZone: 'Mars/Olympus' } })).toThrow(/timeZone/);
    expect(() => adapter(sb, { configuration: { apiBaseUrl: 'https://tave.io/v2' } })).not.toThrow();
    expect(() => adapter(sb, { credentials: { apiKey: sb.apiKey, accessToken: 'x' } })).toThrow(/credentials/);
  });

  it('subscribes one REST hook per event with a secret URL, reads deliveries back, and refuses a wrong or missing token', async () => {
    const sb = await sandbox();
    const a = adapter(sb);
    await a.activate!();
    await a.activate!();
    expect([...sb.hooks.values()].map((h) => h.event).sort()).toEqual(['contact.created', 'job.created', 'order.booked', 'payment.created']);
    const url = [...sb.hooks.values()][0]!.url;
    expect(new URL(url).searchParams.get('token')).toBe(hookToken(WEBHOOK_SECRET));
    const job = await sb.createJob({ eventDate: '2027-09-18', guestCount: 120, location: { name: 'Old Mill', city: 'Hudson' } }, [{ firstName: 'Maria', lastName: 'Lopez' }, { firstName: 'Tom', lastName: 'Berg' }]);
    const delivery = hookRequest(url, { event: 'job.created', data: { id: job.id } });
    const verdict = await a.verifyWebhook!(delivery);
    expect(verdict).toEqual({ ok: true, eventId: `job.created:${job.id}` });
    const parsed = a.parseWebhook!(delivery);
    expect(parsed.pull).toBeUndefined();
    expect(parsed.changes).toEqual([
      { op: 'upsert', entity: 'meta', externalId: job.id, entityId: '_', reference: job.id, data: { title: 'Maria Lopez & Tom Berg', date: '2027-09-18', venue: 'Old Mill, Hudson' }, hints: { date: '2027-09-18', text: 'Maria Lopez & Tom Berg', venue: 'Old Mill, Hudson', timeZone: 'UTC' } },
      { op: 'upsert', entity: 'guests', externalId: job.id, entityId: '_', reference: job.id, data: { count: 120 } },
    ]);
    // Without what verifyWebhook read back (another process, a lost state), parse asks for a pull.
    expect(adapter(sb).parseWebhook!(delivery)).toEqual({ changes: [], pull: true });
    const wrong = new URL(url);
    wrong.searchParams.set('token', hookToken('another-secret'));
    expect(await a.verifyWebhook!(hookRequest(wrong.toString(), { event: 'job.created', data: { id: job.id } }))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await a.verifyWebhook!(hookRequest(WEBHOOK_URL, { event: 'job.created', data: { id: job.id } }))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await a.verifyWebhook!(hookRequest(url, { event: 'job.deleted', data: { id: job.id } }))).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(await a.verifyWebhook!(hookRequest(url, 'not json'))).toMatchObject({ ok: false, code: 'invalid_payload' });
    // A contact alone is acknowledged and not applied; a payment is read back with its amount in minor units.
    expect(await a.verifyWebhook!(hookRequest(url, { event: 'contact.created', id: 'C1' }))).toMatchObject({ ok: true, ignore: true, reply: { status: 200 } });
    const payment = await sb.recordPayment({ jobId: job.id, amount: 125_000, currencyCode: 'usd', status: 'completed', paidDate: '2027-01-05' });
    const pay = hookRequest(url, { event: 'payment.created', resourceId: payment.id });
    expect(await a.verifyWebhook!(pay)).toEqual({ ok: true, eventId: `payment.created:${payment.id}` });
    expect(a.parseWebhook!(pay).changes).toEqual([expect.objectContaining({ entity: 'payments', externalId: payment.id, reference: job.id, data: expect.objectContaining({ amount: 125_000, amountPaid: 125_000, currency: 'USD', status: 'paid', paidAt: '2027-01-05T00:00:00.000Z', vendorId: 'photographer' }) })]);
    // Booking (order.booked) reads the job back through its order.
    const order = await sb.bookJob(job.id);
    const booked = hookRequest(url, { event: 'order.booked', data: { id: order.id } });
    expect(await a.verifyWebhook!(booked)).toMatchObject({ ok: true });
    expect(of(a.parseWebhook!(booked).changes, 'meta')).toHaveLength(1);
    await a.deactivate!();
    expect(sb.hooks.size).toBe(0);
  });

  it('moves a session with PUT /event/{id}, writing wall times in the session\'s own zone', async () => {
    const sb = await sandbox();
    const job = await sb.createJob({ eventDate: '2027-06-12' });
    const session = sb.addSession({ jobId: job.id, name: 'Ceremony', startDate: '2027-06-12', startTime: '14:00', endDate: '2027-06-12', endTime: '15:00', timezoneName: 'Europe/London', location: { name: 'Kew Barn' } });
    const mapped = mapSession(session, 'UTC')!;
    expect(mapped).toMatchObject({ externalId: session.id, reference: job.id, data: { title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', location: 'Kew Barn', category: 'ceremony' }, hints: { date: '2027-06-12', timeZone: 'Europe/London', venue: 'Kew Barn' } });
    const a = adapter(sb, { weddingId: 'w-ana' });
    const change = { op: 'upsert' as const, entity: 'timeline' as const, entityId: 'ceremony', externalId: session.id, data: { ...mapped.op === 'upsert' ? mapped.data : {}, start: '2027-06-12T13:30:00Z', end: '2027-06-12T14:30:00Z' }, version: null };
    expect(a.accepts!(change, { weddingId: 'w-ana', meta: {}, vendors: {} })).toBe(true);
    expect(a.accepts!({ ...change, externalId: null }, { weddingId: 'w-ana', meta: {}, vendors: {} })).toBe(false);
    const pushed = await a.push!(change, { idempotencyKey: 'k', wedding: { weddingId: 'w-ana', meta: {}, vendors: {} } });
    // The session as the write left it: positioned at the `modified` VSCO answered with.
    expect(pushed).toEqual({ externalId: session.id, position: { at: Date.parse(sb.events.get(session.id)!.modified!), rank: 0 } });
    expect(sb.events.get(session.id)).toMatchObject({ startDate: '2027-06-12', startTime: '14:30', endDate: '2027-06-12', endTime: '15:30', timezoneName: 'Europe/London' });
    expect(adapter(sb, { weddingId: 'w-ana', configuration: { direction: 'inbound' } }).accepts!(change, { weddingId: 'w-ana', meta: {}, vendors: {} })).toBe(false);
  });
});

describe('VSCO Workspace mappings', () => {
  const zones = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC', 'America/St_Johns'];

  it('a timeline event written to a session reads back as the same instants (round trip)', async () => {
    await assertProperty(fc.property(
      fc.integer({ min: Date.UTC(2025, 0, 1) / 60_000, max: Date.UTC(2030, 0, 1) / 60_000 }), fc.integer({ min: 0, max: 12 * 60 }), fc.constantFrom(...zones),
      (startMin, lengthMin, zone) => {
        const start = startMin * 60_000;
        const end = start + lengthMin * 60_000;
        fc.pre(wallTimeIsExact(start, zone) && wallTimeIsExact(end, zone));
        const times = sessionTimes({ start: new Date(start).toISOString(), end: new Date(end).toISOString() }, zone)!;
        const back = mapSession({ id: 'E1', jobId: 'J1', name: 'Portraits', ...times }, 'UTC')!;
        expect(back.op === 'upsert' && Date.parse(back.data.start as string)).toBe(start);
        expect(back.op === 'upsert' && Date.parse(back.data.end as string)).toBe(end);
      },
    ), { numRuns: 300 });
  });

  it('reads an all-day session as midnight to the next midnight in its zone, and skips sessions of no job', () => {
    expect(mapSession({ id: 'E', jobId: 'J', name: 'Engagement shoot', allDay: true, startDate: '2027-03-31', endDate: '2027-03-31', timezoneName: 'Europe/Paris' }, 'UTC')).toMatchObject({ data: { start: '2027-03-31T00:00:00+02:00', end: '2027-04-01T00:00:00+02:00', category: 'photos' } });
    expect(mapSession({ id: 'E', name: 'Ceremony', startDate: '2027-03-31', startTime: '10:00' }, 'UTC')).toBeNull();
    expect(mapSession({ id: 'E', jobId: 'J', name: 'Ceremony', startDate: 'soon' }, 'UTC')).toBeNull();
    // No zone of its own: the configured one.
    expect(mapSession({ id: 'E', jobId: 'J', name: 'Reception', startDate: '2027-07-03', startTime: '18:00', endTime: '23:00' }, 'America/New_York')).toMatchObject({ data: { start: '2027-07-03T18:00:00-04:00', end: '2027-07-03T23:00:00-04:00', category: 'reception' } });
  });

  it('names the couple from the job\'s clients, primary first; reads statuses, amounts and deliveries', () => {
    const c = (firstName: string, lastName: string | null, role: string | null, primary = false) => ({ id: firstName, contactId: firstName, role, primary, contact: { id: firstName, firstName, lastName } });
    expect(coupleNames([c('Ben', 'Jones', 'client'), c('Ana', 'Smith', 'client', true), c('Pat', 'Planner', 'planner')])).toBe('Ana Smith & Ben Jones');
    expect(coupleNames([c('Ana', null, null)])).toBe('Ana');
    expect(coupleNames([])).toBe('');
    expect(mapJob({ id: 'J', name: 'Smith wedding', guestCount: null }, '')).toEqual([{ op: 'upsert', entity: 'meta', externalId: 'J', entityId: '_', reference: 'J', data: { title: 'Smith wedding' }, hints: { text: 'Smith wedding' } }]);
    expect(['completed', 'PAID', 'pending', 'failed', 'refunded', 'voided', 'weird'].map(paymentStatus)).toEqual(['paid', 'paid', 'pending', 'failed', 'refunded', 'cancelled', 'pending']);
    expect(mapPayment({ id: 'P', jobId: 'J', amount: 12.5 }, 'photo')).toBeNull();
    expect(mapPayment({ id: 'P', amount: 100 }, 'photo')).toBeNull();
    expect(mapPayment({ id: 'P', jobId: 'J', amount: 9_900, status: 'pending', currencyCode: 'gbp' }, 'photo')).toMatchObject({ data: { amount: 9_900, amountPaid: 0, currency: 'GBP', status: 'pending', paidAt: '' } });
    expect(galleryNotice({ id: 'G', jobId: 'J', name: 'Ana & Ben', status: 'draft' })).toBeNull();
    expect(galleryNotice({ id: 'G', jobId: 'J', name: 'Ana & Ben', status: 'delivered', url: 'https://gallery.example/g' })).toMatchObject({ op: 'notice', externalId: 'gallery:G', reference: 'J', body: 'Your gallery "Ana & Ben" has been delivered. View it here: https://gallery.example/g' });
    expect(galleryNotice({ id: 'G', jobId: 'J', status: 'archived', deliveredAt: '2027-10-01T10:00:00Z' })).toMatchObject({ subject: 'Your photos are ready: Your gallery', body: 'Your gallery "Your gallery" has been delivered.' });
    expect(galleryNotice({ id: 'G', name: 'No job', status: 'delivered' })).toBeNull();
  });

  it('accepts the delivery bodies the docs leave open, and nothing else', () => {
    expect(parseHookDelivery('{"event":"job.created","data":{"id":"01J"}}')).toEqual({ event: 'job.created', targetId: '01J', eventId: 'job.created:01J' });
    expect(parseHookDelivery('{"type":"payment.created","id":"P1"}')).toMatchObject({ event: 'payment.created', targetId: 'P1' });
    expect(parseHookDelivery('{"event":"order.booked","payload":{"id":"O1"}}')).toMatchObject({ targetId: 'O1' });
    for (const bad of ['{}', '[]', '{"event":"job.created"}', '{"event":"job.created","id":"../x"}', '{"event":"job.updated","id":"J"}']) expect(parseHookDelivery(bad)).toBeNull();
  });
});
