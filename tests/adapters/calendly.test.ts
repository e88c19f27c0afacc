import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterError, type AdapterState, type InboundChange, type WebhookRequest } from '../../adapters/core/index.ts';
import { createCalendlyAdapter } from '../../adapters/calendly/index.ts';
import { meetingChange, wallDate } from '../../adapters/calendly/mappers.ts';
import { CalendlySandbox } from '../../adapters/calendly/sandbox.ts';
import { checkCalendlySignature, signCalendly } from '../../adapters/calendly/signature.ts';
import { assertProperty } from '../helpers/property.ts';

const memoryState = (): AdapterState => { let s: Record<string, unknown> = {}; return { get: () => s, set: (n) => { s = n; } }; };
const sandboxes: CalendlySandbox[] = [];
afterEach(async () => { await Promise.all(sandboxes.splice(0).map((s) => s.stop())); });

async function setup(configuration: Record<string, unknown> = {}, token?: string) {
  const sb = await new CalendlySandbox().start();
  sandboxes.push(sb);
  let now = Date.parse('2027-03-01T10:00:00Z');
  const state = memoryState();
  const adapter = createCalendlyAdapter({
    integrationId: 'c1', weddingId: '', credentials: { accessToken: token ?? sb.token }, configuration: { apiBase: sb.url, ...configuration },
    runtime: { integrationId: 'c1', weddingId: '', webhookUrl: 'http://127.0.0.1:9/api/integrations/webhook/calendly/c1', webhookSecret: 'whsec_test_0123456789abcdef0123456789', fetch, egress: undefined as never, now: () => now, state },
  });
  return { sb, adapter, state, setNow: (ms: number) => { now = ms; }, now: () => now };
}

const request = (body: string, signature: string | undefined, receivedAt = Date.now()): WebhookRequest => ({
  method: 'POST', url: 'http://127.0.0.1/hook', headers: signature === undefined ? {} : { 'calendly-webhook-signature': signature }, rawBody: body, receivedAt,
});

const booking = { eventName: 'Wedding consultation', name: 'Ana Silva', email: 'ana@example.com', start: '2027-03-10T14:00:00Z', end: '2027-03-10T15:00:00Z', location: 'Kew Studio', timezone: 'Europe/London' };

describe('Calendly adapter against the sandbox', () => {
  it('tests the connection with /users/me and refuses a bad token as unauthorized', async () => {
    const { sb, adapter } = await setup();
    // What it reached: the user, by the URI Calendly names it with (one connection per account, same-remote.ts).
    await expect(adapter.testConnection()).resolves.toEqual({ remoteId: sb.user, remoteName: 'alex@lens.example' });
    const bad = await setup({}, 'wrong_token_123');
    await expect(bad.adapter.testConnection()).rejects.toMatchObject({ code: 'unauthorized', extra: { status: 401 } });
    const runtime = { integrationId: 'c1', weddingId: '', webhookUrl: 'http://127.0.0.1:9/h', webhookSecret: 'whsec_test_0123456789abcdef0123456789', fetch, egress: undefined as never, now: Date.now, state: memoryState() };
    expect(() => createCalendlyAdapter({ integrationId: 'c1', weddingId: '', credentials: {}, configuration: { scope: 'team', toleranceSeconds: 1 }, runtime })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it('subscribes to invitee events with its own signing key; verifies signatures, refuses bad and stale ones', async () => {
    const { sb, adapter, now } = await setup();
    await adapter.activate!();
    const [sub] = sb.liveSubscriptions();
    expect(sub).toMatchObject({ events: ['invitee.created', 'invitee.canceled'], scope: 'user', user: sb.user, organization: sb.organization });
    const inv = await sb.book(booking);
    const body = sb.deliveryBody('invitee.created', inv);
    const t = Math.floor(now() / 1000);
    expect(await adapter.verifyWebhook!(request(body, signCalendly(sub!.signing_key, body, t)))).toMatchObject({ ok: true });
    expect(await adapter.verifyWebhook!(request(body, signCalendly('another key', body, t)))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await adapter.verifyWebhook!(request(`${body} `, signCalendly(sub!.signing_key, body, t)))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await adapter.verifyWebhook!(request(body, undefined))).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(await adapter.verifyWebhook!(request(body, signCalendly(sub!.signing_key, body, t - 181)))).toMatchObject({ ok: false, code: 'signature_stale' });
    expect(await adapter.verifyWebhook!(request(body, signCalendly(sub!.signing_key, body, t + 181)))).toMatchObject({ ok: false, code: 'signature_stale' });
    expect(await adapter.verifyWebhook!(request(body, signCalendly(sub!.signing_key, body, t - 170)))).toMatchObject({ ok: true });
    const notJson = 'nope';
    expect(await adapter.verifyWebhook!(request(notJson, signCalendly(sub!.signing_key, notJson, t)))).toMatchObject({ ok: false, code: 'invalid_payload' });
  });

  it('maps a booking to a meeting and a reschedule, in either order, to a move of the same meeting', async () => {
    for (const order of ['canceled-first', 'created-first'] as const) {
      const { sb, adapter, now } = await setup();
      await adapter.activate!();
      const key = sb.liveSubscriptions()[0]!.signing_key;
      const apply = async (event: string, invitee: Parameters<CalendlySandbox['deliveryBody']>[1]): Promise<InboundChange[]> => {
        const body = sb.deliveryBody(event, invitee);
        const req = request(body, signCalendly(key, body, Math.floor(now() / 1000)));
        expect(await adapter.verifyWebhook!(req)).toMatchObject({ ok: true });
        return adapter.parseWebhook!(req).changes;
      };
      const a = await sb.book(booking);
      const [created] = await apply('invitee.created', a);
      const rootId = a.uri.split('/').pop()!;
      expect(created).toEqual({
        op: 'upsert', entity: 'timeline', externalId: a.uri.split('/').pop(),
        data: { title: 'Wedding consultation: Ana Silva', start: '2027-03-10T14:00:00.000Z', end: '2027-03-10T15:00:00.000Z', location: 'Kew Studio', category: 'meeting' },
        reference: a.uri, hints: { date: '2027-03-10', text: 'Ana Silva · Wedding consultation', timeZone: 'Europe/London' },
      });
      const b = await sb.reschedule(a.uri, '2027-03-12T09:00:00Z', '2027-03-12T10:00:00Z', order);
      const old = sb.invitees.get(a.uri)!;
      const halves = order === 'canceled-first'
        ? [...await apply('invitee.canceled', old), ...await apply('invitee.created', b)]
        : [...await apply('invitee.created', b), ...await apply('invitee.canceled', old)];
      expect(halves, order).toEqual([expect.objectContaining({ op: 'upsert', externalId: rootId, reference: a.uri, data: expect.objectContaining({ start: '2027-03-12T09:00:00.000Z' }) })]);
      // A second reschedule still lands on the same meeting; a plain cancel deletes it.
      const c = await sb.reschedule(b.uri, '2027-03-13T09:00:00Z', '2027-03-13T10:00:00Z', order);
      const again = [...await apply('invitee.created', c), ...await apply('invitee.canceled', sb.invitees.get(b.uri)!)];
      expect(again.map((x) => [x.op, 'externalId' in x ? x.externalId : ''])).toEqual([['upsert', rootId]]);
      await sb.cancel(c.uri);
      expect(await apply('invitee.canceled', sb.invitees.get(c.uri)!)).toEqual([{ op: 'delete', entity: 'timeline', externalId: rootId, reference: a.uri }]);
    }
  });

  it('takes the reference from the configured booking question when answered', async () => {
    const { sb, adapter } = await setup({ referenceQuestion: 'Booking code' });
    await sb.book({ ...booking, questions: [{ question: 'booking code', answer: ' JOB-4411 ' }] });
    const page = await adapter.pull!({ cursor: null, full: true });
    expect(page.changes[0]).toMatchObject({ reference: 'JOB-4411' });
  });

  it('pulls every scheduled event page by page, with invitees; canceled bookings are deletes', async () => {
    const { sb, adapter } = await setup();
    const booked = [];
    for (let i = 0; i < 120; i++) booked.push(sb['createBooking']({ ...booking, name: `Guest ${i}`, start: new Date(Date.parse(booking.start) + i * 3_600_000).toISOString(), end: new Date(Date.parse(booking.end) + i * 3_600_000).toISOString() }, null));
    const gone = booked[7]!;
    Object.assign(gone, { status: 'canceled' });
    const changes: InboundChange[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await adapter.pull!({ cursor, full: false });
      pages++;
      changes.push(...page.changes);
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(pages).toBe(3);
    expect(changes).toHaveLength(120);
    expect(changes.filter((c) => c.op === 'delete')).toEqual([expect.objectContaining({ externalId: gone.uri.split('/').pop() })]);
    expect(new Set(changes.map((c) => ('externalId' in c ? c.externalId : ''))).size).toBe(120);
  });

  it('answers a 429 as rate_limited with the wait from X-RateLimit-Reset, and Calendly\'s error body as a typed error', async () => {
    const { sb, adapter } = await setup();
    sb.rateLimitNext(1, 7);
    const error = await adapter.testConnection().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'rate_limited', extra: { status: 429, retryAfterMs: 7000 } });
    await expect(adapter.testConnection()).resolves.toMatchObject({ remoteId: sb.user });
  });

  it('a subscription Calendly says is gone (410) is forgotten and made again on upkeep; deactivate deletes it', async () => {
    const { sb, adapter, state } = await setup();
    await adapter.activate!();
    const first = sb.liveSubscriptions()[0]!;
    await adapter.maintain!();
    expect(sb.liveSubscriptions().map((s) => s.uri)).toEqual([first.uri]);
    sb.expireSubscription(first.uri);
    await adapter.maintain!();
    const second = sb.liveSubscriptions();
    expect(second).toHaveLength(1);
    expect(second[0]!.uri).not.toBe(first.uri);
    expect(second[0]!.signing_key).not.toBe(first.signing_key);
    expect(state.get()).toMatchObject({ subscriptionUri: second[0]!.uri });
    await adapter.deactivate!();
    expect(sb.liveSubscriptions()).toEqual([]);
    expect(state.get().subscriptionUri).toBeUndefined();
  });

  it('replaces a subscription left for the same URL (409 Already Exists)', async () => {
    const { sb, adapter } = await setup();
    await adapter.activate!();
    const before = sb.liveSubscriptions()[0]!;
    const again = createCalendlyAdapter({
      integrationId: 'c1', weddingId: '', credentials: { accessToken: sb.token }, configuration: { apiBase: sb.url },
      runtime: { integrationId: 'c1', weddingId: '', webhookUrl: before.callback_url, webhookSecret: 'whsec_test_0123456789abcdef0123456789', fetch, egress: undefined as never, now: Date.now, state: memoryState() },
    });
    await again.activate!();
    expect(sb.liveSubscriptions()).toHaveLength(1);
    expect(sb.liveSubscriptions()[0]!.uri).not.toBe(before.uri);
  });

  it('reports active bookings in a range as busy time', async () => {
    const { sb, adapter } = await setup();
    const a = await sb.book(booking);
    await sb.book({ ...booking, start: '2027-04-01T10:00:00Z', end: '2027-04-01T11:00:00Z' });
    const c = await sb.book({ ...booking, start: '2027-03-11T10:00:00Z', end: '2027-03-11T11:00:00Z' });
    await sb.cancel(c.uri);
    expect(await adapter.busy({ from: '2027-03-01T00:00:00Z', to: '2027-03-20T00:00:00Z' })).toEqual([
      { externalId: a.uri.split('/').pop(), start: '2027-03-10T14:00:00.000Z', end: '2027-03-10T15:00:00.000Z', title: 'Wedding consultation' },
    ]);
  });
});

describe('Calendly mapping and signatures (properties)', () => {
  it('a signature verifies for its body and key only, within the tolerance', () => {
    assertProperty(fc.property(fc.string(), fc.string({ minLength: 1 }), fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }), fc.integer({ min: -400, max: 400 }), (body, key, t, skew) => {
      const header = signCalendly(key, body, t);
      const verdict = checkCalendlySignature(header, body, key, (t + skew) * 1000, 180);
      expect(verdict.ok).toBe(Math.abs(skew) <= 180);
      if (!verdict.ok) expect(verdict.code).toBe('signature_stale');
      expect(checkCalendlySignature(header, `${body}x`, key, t * 1000, 180)).toMatchObject({ ok: false, code: 'signature_invalid' });
    }), { numRuns: 200 });
  });

  it('a booking maps to a meeting at the same instants, with a bounded title and the invitee\'s wall date', () => {
    const instant = fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2090-01-01') });
    assertProperty(fc.property(instant, fc.integer({ min: 0, max: 86_400_000 }), fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), fc.constantFrom('UTC', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Not/AZone'), (start, length, eventName, name, zone) => {
      const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '123Z');
      const change = meetingChange(
        { uri: 'https://api.calendly.com/scheduled_events/e/invitees/i', name, timezone: zone },
        { uri: 'https://api.calendly.com/scheduled_events/e', name: eventName, start_time: micro(start), end_time: micro(start + length) }, { referenceQuestion: 'x', roots: {} },
      );
      if (change.op !== 'upsert') throw new Error('not an upsert');
      expect(Date.parse(change.data.start as string)).toBe(start);
      expect(Date.parse(change.data.end as string)).toBe(start + length);
      expect((change.data.title as string).length).toBeGreaterThan(0);
      expect((change.data.title as string).length).toBeLessThanOrEqual(200);
      expect(change.hints!.date).toBe(wallDate(new Date(start).toISOString(), zone));
      expect(change.hints!.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }), { numRuns: 200 });
  });
});
