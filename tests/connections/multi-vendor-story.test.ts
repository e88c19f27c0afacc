import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../adapters/core/index.ts';
import { presetFor } from '../../adapters/presets/index.ts';
import { WeddingDoc, type ConnectionResult, type MessageStatusResponse } from '../../schema/index.ts';
import { connectIntegration, connectMessaging, getJson, seedWedding, startCommsSandboxes } from '../comms/helpers.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { api } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };
const WEDDING = { id: 'w-nb', meta: { title: 'Hannah & Leo', date: '2026-06-20', timezone: 'America/Chicago', venue: 'Founders Hall' } };

interface Received { headers: Record<string, string>; body: string }

/** A subscriber's endpoint (a Zapier catch hook, a rental company's webhook): records every POST, answers 200. */
async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registerTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/catch`, received };
}

/** The guest counts a subscriber was sent in `guests.updated` events. */
const countsIn = (received: Received[]) => received.map((r) => JSON.parse(r.body) as { type: string; data: { count?: number } })
  .filter((e) => e.type === 'guests.updated').map((e) => e.data.count);

describe('story 2: one change reaches every vendor through their own connection', () => {
  it('the caterer\'s CaterTrax changes the guest count; the florist\'s Zap and the rental company\'s webhook each receive the new number once', async () => {
    const t = await startTestServer({ env });
    const pat = await signedIn(t, 'pat@bloom.example', 'Pat');
    const bloom = await workspaceWith(t, pat, 'Bloom Planning', [WEDDING.id]);
    const planner = await pat.accessToken(WEDDING.id);
    await seedWedding(t, planner, WEDDING.id, { meta: WEDDING.meta, vendors: [
      { id: 'caterer', name: 'Founders Catering', category: 'caterer', email: 'orders@founders.example', preferredChannels: ['email'], status: 'booked' },
      { id: 'florist', name: 'Petal & Stem', category: 'florist', email: 'hello@petal.example', preferredChannels: ['email'], status: 'booked' },
      { id: 'rentals', name: 'Tent & Table Co', category: 'rentals', email: 'ops@tent.example', preferredChannels: ['email'], status: 'booked' },
    ] });
    const seed = await t.connect(WEDDING.id, planner);
    await seed.whenSynced();
    seed.doc.updateGuests({ count: 120 });
    await seed.whenAcknowledged();

    // The florist's Flowermate, through a Zap's catch hook: our outbound guests.updated feeds its action.
    const florist = await receiver();
    const flowermate = presetFor('flowermate');
    expect(flowermate.actions.map((a) => a.id)).toContain('update_guest_count');
    await connectIntegration(t, planner, { weddingId: WEDDING.id, system: 'webhooks', vendorId: 'florist', configuration: { preset: 'flowermate', url: florist.url, direction: 'outbound', events: ['guests.updated'] } });
    // The rental company: a Standard Webhooks subscriber verifying our signature with its own secret.
    const rentals = await receiver();
    const rentalSecret = `whsec_${Buffer.from('tent-and-table-co-signing-key-32b').toString('base64')}`;
    await connectIntegration(t, planner, { weddingId: WEDDING.id, system: 'webhooks', vendorId: 'rentals', credentials: { webhookSecret: rentalSecret }, configuration: { url: rentals.url, direction: 'outbound', events: ['guests.updated'] } });

    // The caterer's CaterTrax, through Zapier to the planner's workspace connection (guest numbers are
    // the couple's: only a planner's connection may change them, docs/integrations.md).
    // The server makes the secret URL and shows it once, in the connect answer.
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', planner, { json: {
      workspaceId: bloom.id, system: 'preset', label: 'CaterTrax via Zapier',
      configuration: { preset: 'catertrax', direction: 'inbound', timeZone: 'America/Chicago', vendorId: 'caterer' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const bound = await api(t, `/api/connections/${connected.body.connectionId}/bindings`, planner, { json: { weddingId: WEDDING.id, references: ['CT-102938'] } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);

    const order = { ...structuredClone(presetFor('catertrax').triggers.find((x) => x.id === 'order_placed')!.example), headcount: '142' };
    expect(connected.body.secretUrl).toMatch(/\?token=[A-Za-z0-9_-]{43}$/);
    const posted = await fetch(`${connected.body.secretUrl}&trigger=order_placed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
    expect(posted.status, await posted.clone().text()).toBe(200);

    await waitFor(() => seed.doc.getGuests().count === 142, 'the new guest count in the wedding');
    await waitFor(() => countsIn(florist.received).includes(142) && countsIn(rentals.received).includes(142), 'the florist and the rental company told');
    // Give a duplicate the time to arrive: a second order pass and the outbox settle, then count.
    t.server.bridge.inboxWorker.kick();
    await new Promise((r) => setTimeout(r, 300));
    expect(countsIn(florist.received).filter((c) => c === 142)).toHaveLength(1);
    expect(countsIn(rentals.received).filter((c) => c === 142)).toHaveLength(1);

    // Each delivery is a Standard Webhook: the rental company verifies it with the spec authors' library.
    const delivery = rentals.received.find((r) => JSON.parse(r.body).data?.count === 142)!;
    const verified = new Webhook(rentalSecret).verify(delivery.body, delivery.headers) as { type: string; data: { count: number } };
    expect(verified).toMatchObject({ type: 'guests.updated', data: { count: 142 } });
    expect(() => new Webhook(rentalSecret).verify(delivery.body.replace('142', '143'), delivery.headers)).toThrow();
    // The florist's hook got only guest numbers (its `events`), never the caterer's timeline or payment.
    expect(new Set(florist.received.map((r) => (JSON.parse(r.body) as { type: string }).type))).toEqual(new Set(['wedsync.ping', 'guests.updated']));
    await seed.destroy();
  });
});

const ackLinkIn = (text: string) => /Please confirm you have seen this: (\S+)/.exec(text)?.[1];

describe('story 2: a severe-weather alert', () => {
  it('alert.weather reaches exactly the vendors with an outdoor event that day, through their channels; an acknowledgement stops escalation', async () => {
    // A controllable clock that runs with the wall clock (webhook receipts are stamped with it), moved forward by `skip`.
    let skip = 0;
    const now = () => Date.now() + skip;
    const t = await startTestServer({ env, now });
    const planner = await t.token('planner', ['w1', 'w2'], { sub: 'pat' });
    const sb = await startCommsSandboxes();
    const vendors = [
      { id: 'florist', name: 'Petal & Stem', category: 'florist' as const, email: 'hello@petal.example', phone: '+447700900401', preferredChannels: ['email' as const], status: 'booked' as const },
      { id: 'rentals', name: 'Tent & Table Co', category: 'rentals' as const, email: 'ops@tent.example', phone: '+447700900402', preferredChannels: ['sms' as const], status: 'booked' as const },
      { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'alex@lens.example', phone: '+447700900403', preferredChannels: ['email' as const], status: 'booked' as const },
      { id: 'caterer', name: 'Founders Catering', category: 'caterer' as const, email: 'orders@founders.example', phone: '+447700900404', preferredChannels: ['sms' as const], status: 'booked' as const },
    ];
    await seedWedding(t, planner, 'w1', { meta: { title: 'Hannah & Leo', date: '2026-06-20', timezone: 'America/Chicago' }, vendors });
    const c = await t.connect('w1', planner);
    await c.whenSynced();
    c.doc.transact(() => {
      c.doc.upsertEvent({ id: 'arch', title: 'Ceremony arch on the lawn', start: '2026-06-20T13:00:00-05:00', end: '2026-06-20T15:00:00-05:00', category: 'vendor_setup', vendorIds: ['florist'], outdoor: true });
      c.doc.upsertEvent({ id: 'tent', title: 'Marquee build', start: '2026-06-20T08:00:00-05:00', end: '2026-06-20T12:00:00-05:00', category: 'vendor_setup', vendorIds: ['rentals'], outdoor: true });
      c.doc.upsertEvent({ id: 'portraits', title: 'Portraits in the library', start: '2026-06-20T16:00:00-05:00', end: '2026-06-20T17:00:00-05:00', category: 'photos', vendorIds: ['photo'] });
      c.doc.upsertEvent({ id: 'dinner', title: 'Dinner', start: '2026-06-20T18:00:00-05:00', end: '2026-06-20T20:00:00-05:00', category: 'meal', vendorIds: ['caterer'], outdoor: false });
      // Outdoors, but the day after: not concerned by an alert for the 20th.
      c.doc.upsertEvent({ id: 'brunch', title: 'Garden brunch', start: '2026-06-21T10:00:00-05:00', end: '2026-06-21T12:00:00-05:00', category: 'meal', vendorIds: ['caterer'], outdoor: true });
    });
    await c.whenAcknowledged();
    expect(c.doc.getEvent('arch')?.outdoor).toBe(true);
    expect(c.doc.getEvent('portraits')?.outdoor).toBeUndefined();
    await connectMessaging(t, planner, 'w1', sb);
    // The planner's weather feed (a Zap relaying the weather service's alerts), inbound Standard Webhooks.
    const feed = await connectIntegration(t, planner, { weddingId: 'w1', system: 'webhooks', configuration: { direction: 'inbound' } });
    const send = (id: string, data: Record<string, unknown>) => {
      const body = JSON.stringify({ type: 'alert.weather', timestamp: new Date(now()).toISOString(), data });
      return fetch(feed.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...standardWebhookHeaders(feed.webhookSecret, id, body, now()) }, body });
    };

    // A payload without its headline is refused with a typed error and changes nothing.
    const bad = await send('msg_bad', { date: '2026-06-20', severity: 'high' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');

    const ok = await send('msg_storm', { date: '2026-06-20', area: 'Cook County', severity: 'high', headline: 'Severe thunderstorm warning', description: 'Storms with 60 mph gusts from 13:00 to 17:00.' });
    expect(ok.status).toBe(200);
    const alert = await waitFor(() => c.doc.listMessages().find((m) => m.type === 'emergency.weather'), 'the weather emergency in the wedding');
    expect(alert).toMatchObject({ priority: 'urgent', requiresAck: true, subject: 'Severe thunderstorm warning' });
    expect([...alert.recipientIds].sort()).toEqual(['florist', 'rentals']);
    expect(alert.context).toMatchObject({ source: 'alert.weather', date: '2026-06-20', area: 'Cook County', integrationId: feed.integrationId });
    await waitFor(() => sb.smtp.to('hello@petal.example').length === 1 && sb.twilio.to('+447700900402').length === 1, 'the florist e-mailed, the rental company texted');
    expect(sb.smtp.to('hello@petal.example')[0]!.text).toContain('Storms with 60 mph gusts');
    expect(sb.twilio.to('+447700900402')[0]!.body).toContain('Severe thunderstorm warning');
    // Nobody else: no e-mail to the photographer, no SMS to the caterer (its outdoor brunch is the next day).
    expect(sb.smtp.to('alex@lens.example')).toHaveLength(0);
    expect(sb.twilio.to('+447700900404')).toHaveLength(0);
    expect(sb.smtp.received).toHaveLength(1);
    expect(sb.twilio.messages).toHaveLength(1);

    // The florist acknowledges from the e-mail; the rental company does not.
    const link = ackLinkIn(sb.smtp.to('hello@petal.example')[0]!.text)!;
    expect((await fetch(link, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(200);
    skip += 3_600_000;
    await t.server.comms.tick();
    await waitFor(() => sb.twilio.to('whatsapp:+447700900402').length === 1, 'the rental company chased on its next channel');
    const status = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${alert.id}`, planner);
    expect(status.body.waitingFor).toEqual(['rentals']);
    expect(sb.smtp.to('hello@petal.example')).toHaveLength(1);
    expect(sb.twilio.to('+447700900401')).toHaveLength(0);
    expect(sb.twilio.to('whatsapp:+447700900401')).toHaveLength(0);

    // A vendor's own system raises no alert for the wedding: refused, audited, nobody messaged.
    const vendorToken = await t.token('vendor', ['w1'], { sub: 'petal', vendorId: 'florist' });
    const vendorFeed = await connectIntegration(t, vendorToken, { weddingId: 'w1', system: 'webhooks', vendorId: 'florist', configuration: { direction: 'inbound' } });
    const forgedBody = JSON.stringify({ type: 'alert.weather', timestamp: new Date(now()).toISOString(), data: { date: '2026-06-20', severity: 'critical', headline: 'Hail', description: 'Hail at noon.' } });
    const forged = await fetch(vendorFeed.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...standardWebhookHeaders(vendorFeed.webhookSecret, 'msg_vendor', forgedBody, now()) }, body: forgedBody });
    expect(forged.status).toBe(200);
    const refusal = await waitFor(async () => (await t.server.bridge.audit.list('w1', 200)).entries.find((r) => r.integrationId === vendorFeed.integrationId && r.action === 'inbound.refused'), 'the vendor\'s alert refused');
    expect(refusal.detail).toMatchObject({ op: 'alert', reason: 'not_own_entity' });

    // An alert for a day without outdoor events alerts nobody (and is audited as skipped).
    const quiet = await send('msg_quiet', { date: '2026-06-22', severity: 'critical', headline: 'Tornado watch', description: '' });
    expect(quiet.status).toBe(200);
    await waitFor(async () => {
      const log = await t.server.bridge.withDocument('w1', (doc) => new WeddingDoc(doc).listMessages().filter((m) => m.type === 'emergency.weather').length);
      const rows = (await t.server.bridge.audit.list('w1', 200)).entries.filter((r) => r.integrationId === feed.integrationId && r.action === 'inbound.applied' && r.detail.op === 'alert');
      return log === 1 && rows.map((r) => r.result).sort().join() === 'ok,skipped';
    }, 'the quiet alert skipped');
    await c.destroy();
  });
});
