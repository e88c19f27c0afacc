import { describe, expect, it } from 'vitest';
import { presetFor } from '../../adapters/presets/index.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import type { ConnectionResult, ConnectionSummary, UnmatchedSummary } from '../../schema/index.ts';
import { startReceiver } from '../bridge/helpers.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };
const [ANA, CHLOE] = STORY_WEDDINGS;
const WEDDINGS = [ANA, CHLOE] as const;

describe('a studio connects its own system once, with Standard Webhooks, for all its weddings', () => {
  it('each event names its wedding both ways; the same id in two weddings stays apart; other weddings\' events are ignored', async () => {
    const t = await startTestServer({ env });
    const receiver = await startReceiver();
    const { alex, pat, lens } = await studio(t, WEDDINGS);
    const as = await alex.accessToken(ANA.id);

    // ── connect once, for the workspace, and bind both weddings ──
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId: lens.id, system: 'webhooks', label: 'Studio system', credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId, webhookUrl, webhookSecret } = connected.body;
    for (const w of WEDDINGS) {
      const bound = await api(t, `/api/connections/${connectionId}/bindings`, await alex.accessToken(w.id), { json: { weddingId: w.id } });
      expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    }

    // ── out: each wedding's portraits reach the one subscriber URL, each naming its wedding ──
    const portraitsOf = (weddingId: string) => receiver.accepted().filter((r) => r.body.type === 'timeline.upserted' && r.body.data.id === 'portraits' && r.body.weddingId === weddingId);
    await waitFor(() => WEDDINGS.every((w) => portraitsOf(w.id).length === 1), 'both weddings\' portraits sent, each naming its wedding');
    expect(receiver.accepted().filter((r) => r.body.type !== 'wedsync.ping').every((r) => r.body.weddingId === ANA.id || r.body.weddingId === CHLOE.id)).toBe(true);
    expect(portraitsOf(ANA.id)[0]!.body.data.start).toBe(ANA.start);

    // ── in: the same id, 'portraits', is in both weddings; the event naming Chloe's moves only hers ──
    const ana = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    const chloe = await t.connect(CHLOE.id, await pat.accessToken(CHLOE.id));
    await Promise.all([ana.whenSynced(), chloe.whenSynced()]);
    const moved = await sendStandardWebhook(webhookUrl, webhookSecret!, {
      id: 'move-1', type: 'timeline.upserted', weddingId: CHLOE.id,
      data: { id: 'portraits', title: 'Couple portraits', start: '2027-07-03T17:00:00-04:00', end: '2027-07-03T18:00:00-04:00' },
    });
    expect(moved.status).toBe(200);
    await waitFor(() => chloe.doc.getEvent('portraits')?.start === '2027-07-03T17:00:00-04:00', 'the move in Chloe & Dev\'s timeline');

    // A new record naming Ana's wedding is created there; a vendor's system assigns it to its own entry, as its portraits came out.
    const photo = portraitsOf(ANA.id)[0]!.body.data.vendorIds;
    expect(photo).toEqual(['photo']);
    const added = await sendStandardWebhook(webhookUrl, webhookSecret!, {
      id: 'add-1', type: 'timeline.upserted', weddingId: ANA.id,
      data: { id: 'first-look', title: 'First look', start: '2027-06-12T12:30:00+01:00', end: '2027-06-12T13:00:00+01:00', vendorIds: photo },
    });
    expect(added.status).toBe(200);
    await waitFor(() => ana.doc.getEvent('first-look') !== undefined, 'the first look in Ana & Ben\'s timeline');
    expect(ana.doc.getEvent('first-look')!.vendorIds).toEqual(['photo']);
    expect(ana.doc.getEvent('portraits')!.start).toBe(ANA.start);
    expect(chloe.doc.getEvent('first-look')).toBeUndefined();

    // A wedding this connection does not serve, named or not a wedding id at all.
    const other = await sendStandardWebhook(webhookUrl, webhookSecret!, { id: 'other-1', type: 'timeline.upserted', weddingId: 'w-eli', data: { id: 'portraits', title: 'Elsewhere' } });
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ received: true, ignored: expect.stringContaining('a wedding this connection serves') });
    const malformed = await sendStandardWebhook(webhookUrl, webhookSecret!, { id: 'bad-1', type: 'timeline.upserted', weddingId: '../w-ana', data: { id: 'portraits', title: 'Nowhere' } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('weddingId') });

    // An event naming no wedding, on a connection where no wedding claims unrouted records, waits in the queue.
    const unnamed = await sendStandardWebhook(webhookUrl, webhookSecret!, {
      id: 'unnamed-1', type: 'timeline.upserted', data: { id: 'engagement', title: 'Engagement shoot', start: '2027-03-01T10:00:00Z', end: '2027-03-01T11:00:00Z' },
    });
    expect(unnamed.status).toBe(200);
    const queued = await waitFor(async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, as)).body.records.find((r) => r.externalId === 'engagement'), 'the unnamed event in the unmatched queue');
    expect(queued.connectionId).toBe(connectionId);
    const card = async () => (await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${lens.id}/connections`, as)).body.connections.find((c) => c.connectionId === connectionId)!;
    expect((await card()).health.attention).toContain('1 record waits in the unmatched queue for a wedding.');
    expect(ana.doc.getEvent('engagement')).toBeUndefined();
    expect(chloe.doc.getEvent('engagement')).toBeUndefined();
    // Naming none, an id both weddings hold cannot say which it is for: a person chooses, it reaches neither.
    const ambiguous = await sendStandardWebhook(webhookUrl, webhookSecret!, { id: 'unnamed-2', type: 'timeline.upserted', data: { id: 'portraits', title: 'Which wedding?' } });
    expect(await ambiguous.json()).toEqual({ received: true });
    const waiting = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, as)).body.records.find((r) => r.externalId === 'portraits');
    expect(waiting?.connectionId).toBe(connectionId);
    expect((await card()).health.attention).toContain('2 records wait in the unmatched queue for a wedding.');

    // Only the event that named Chloe's wedding changed it; Ana's portraits were never sent back out moved.
    expect(chloe.doc.getEvent('portraits')!.title).toBe('Couple portraits');
    expect(receiver.accepted().filter((r) => r.body.weddingId === ANA.id && r.body.data.id === 'portraits').map((r) => r.body.data.start)).toEqual([ANA.start]);
    await ana.destroy();
    await chloe.destroy();
  });

  it('an alert or an acknowledgement naming its wedding reaches that wedding only', async () => {
    const t = await startTestServer({ env });
    const { pat, bloom } = await studio(t, WEDDINGS);
    // The planning studio's own feed (a vendor's system alerts nobody but itself: server/auth/inbound-rights.ts).
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', await pat.accessToken(ANA.id), { json: { workspaceId: bloom.id, system: 'webhooks', configuration: { direction: 'inbound' } } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId, webhookUrl, webhookSecret } = connected.body;
    for (const w of WEDDINGS) expect((await api(t, `/api/connections/${connectionId}/bindings`, await pat.accessToken(w.id), { json: { weddingId: w.id } })).status).toBe(201);
    const ana = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    const chloe = await t.connect(CHLOE.id, await pat.accessToken(CHLOE.id));
    await Promise.all([ana.whenSynced(), chloe.whenSynced()]);
    // Both weddings' portraits are outdoors on their day; Ana & Ben also have an outdoor shoot on
    // Chloe & Dev's day, so an alert for that day sent to the wrong wedding would show there.
    for (const [c, w] of [[ana, ANA], [chloe, CHLOE]] as const) {
      c.doc.upsertEvent({ ...c.doc.getEvent('portraits')!, outdoor: true });
      await c.whenAcknowledged();
      expect(c.doc.getEvent('portraits')!.start).toBe(w.start);
    }
    ana.doc.upsertEvent({ id: 'engagement', title: 'Engagement shoot', start: '2027-07-03T10:00:00+01:00', end: '2027-07-03T11:00:00+01:00', vendorIds: ['photo'], outdoor: true });
    await ana.whenAcknowledged();

    const storm = await sendStandardWebhook(webhookUrl, webhookSecret!, {
      id: 'storm-1', type: 'alert.weather', weddingId: CHLOE.id, data: { date: CHLOE.meta.date, severity: 'high', headline: 'Severe thunderstorm warning' },
    });
    expect(storm.status).toBe(200);
    const alert = await waitFor(() => chloe.doc.listMessages().find((m) => m.type === 'emergency.weather'), 'the weather emergency in Chloe & Dev\'s wedding');
    expect([...alert.recipientIds]).toEqual(['photo']);

    // The photographer's acknowledgement, relayed by the studio's feed, names the wedding.
    const ack = await sendStandardWebhook(webhookUrl, webhookSecret!, { id: 'ack-1', type: 'message.acknowledged', weddingId: CHLOE.id, data: { messageId: alert.id, recipientId: 'photo' } });
    expect(ack.status).toBe(200);
    await waitFor(() => chloe.doc.listMessages().find((m) => m.id === alert.id)?.acks?.photo !== undefined, 'the acknowledgement on the alert');

    // Neither reached Ana's wedding, which has no alert of its own.
    expect(ana.doc.listMessages().filter((m) => m.type === 'emergency.weather')).toEqual([]);
    const { serverSql } = await import('../helpers/test-backend.ts');
    expect(await serverSql(t.server).values('SELECT event_id FROM inbox WHERE wedding_id = ? ORDER BY id', ANA.id)).toEqual([]);
    // An alert naming no wedding has nowhere to go here (no wedding claims unrouted records): ignored, not applied to both.
    const unnamed = await sendStandardWebhook(webhookUrl, webhookSecret!, { id: 'storm-2', type: 'alert.weather', data: { date: ANA.meta.date, severity: 'high', headline: 'Gale warning' } });
    expect(unnamed.status).toBe(200);
    expect(await unnamed.json()).toMatchObject({ ignored: expect.any(String) });
    expect(ana.doc.listMessages().filter((m) => m.type === 'emergency.weather')).toEqual([]);
    await ana.destroy();
    await chloe.destroy();
  });

  it('a connection made from a wedding and bound to others: unnamed events stay with the first; an ignored event sent again once its wedding is bound is applied; a send-only binding takes nothing', async () => {
    const t = await startTestServer({ env });
    const receiver = await startReceiver();
    const [, , ELI] = STORY_WEDDINGS;
    const { pat } = await studio(t, STORY_WEDDINGS);
    const connected = await api<{ integrationId: string; webhookUrl: string; webhookSecret: string }>(t, '/api/integrations/vendor/connect', await pat.accessToken(ANA.id), { json: {
      weddingId: ANA.id, system: 'webhooks', credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { integrationId, webhookUrl, webhookSecret } = connected.body;
    const sent = (weddingId: string) => receiver.accepted().some((r) => r.body.weddingId === weddingId && r.body.data.id === 'portraits');
    await waitFor(() => sent(ANA.id), 'Ana & Ben\'s portraits sent');

    // Sent before Chloe & Dev's wedding is bound: ignored, and its id not used up.
    const early = { id: 'early-1', type: 'timeline.upserted', weddingId: CHLOE.id, data: { id: 'portraits', start: '2027-07-03T18:00:00-04:00', end: '2027-07-03T19:00:00-04:00' } };
    const ignored = await sendStandardWebhook(webhookUrl, webhookSecret, early);
    expect(await ignored.json()).toMatchObject({ ignored: expect.any(String) });

    const bound = await api(t, `/api/connections/${integrationId}/bindings`, await pat.accessToken(CHLOE.id), { json: { weddingId: CHLOE.id } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    const sendOnly = await api(t, `/api/connections/${integrationId}/bindings`, await pat.accessToken(ELI.id), { json: { weddingId: ELI.id, configuration: { direction: 'outbound' } } });
    expect(sendOnly.status, JSON.stringify(sendOnly.body)).toBe(201);
    // Every wedding's portraits went out and are linked under the same id, 'portraits'.
    await waitFor(() => sent(CHLOE.id) && sent(ELI.id), 'the other weddings\' portraits sent');

    const ana = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    const chloe = await t.connect(CHLOE.id, await pat.accessToken(CHLOE.id));
    const eli = await t.connect(ELI.id, await pat.accessToken(ELI.id));
    await Promise.all([ana.whenSynced(), chloe.whenSynced(), eli.whenSynced()]);
    // The same id again, now that the wedding is bound: routed and applied, not a duplicate.
    const again = await sendStandardWebhook(webhookUrl, webhookSecret, early);
    expect(await again.json()).toEqual({ received: true });
    await waitFor(() => chloe.doc.getEvent('portraits')?.start === '2027-07-03T18:00:00-04:00', 'the early move in Chloe & Dev\'s timeline');

    // The sender of the first wedding, naming none: it is that wedding's, not every wedding's with a 'portraits'.
    const unnamed = await sendStandardWebhook(webhookUrl, webhookSecret, { id: 'unnamed-1', type: 'timeline.upserted', data: { id: 'portraits', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T16:00:00+01:00' } });
    expect(unnamed.status).toBe(200);
    await waitFor(() => ana.doc.getEvent('portraits')?.start === '2027-06-12T15:00:00+01:00', 'the move in Ana & Ben\'s timeline');
    // Chloe & Dev's events are applied in order: once a later one is in, the unnamed one would have been too.
    await sendStandardWebhook(webhookUrl, webhookSecret, { id: 'barrier-1', type: 'timeline.upserted', weddingId: CHLOE.id, data: { id: 'portraits', title: 'Portraits by the river' } });
    await waitFor(() => chloe.doc.getEvent('portraits')?.title === 'Portraits by the river', 'a later event in Chloe & Dev\'s timeline');

    // Eli & Fran's binding only sends: an event naming it is ignored.
    const toEli = await sendStandardWebhook(webhookUrl, webhookSecret, { id: 'eli-1', type: 'timeline.upserted', weddingId: ELI.id, data: { id: 'portraits', title: 'Moved by the sender' } });
    expect(await toEli.json()).toMatchObject({ ignored: expect.any(String) });
    expect(eli.doc.getEvent('portraits')!.start).toBe(ELI.start);
    expect(eli.doc.getEvent('portraits')!.title).toBe('Couple portraits');
    expect(chloe.doc.getEvent('portraits')!.start).toBe('2027-07-03T18:00:00-04:00');
    for (const c of [ana, chloe, eli]) await c.destroy();
  });

  it('a preset record matching the wedding a connection was made from is that wedding\'s, applied as sent', async () => {
    const t = await startTestServer({ env });
    const { pat } = await studio(t, [ANA]);
    const connected = await api<{ integrationId: string; secretUrl: string }>(t, '/api/integrations/vendor/connect', await pat.accessToken(ANA.id), { json: {
      weddingId: ANA.id, system: 'webhooks', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London', vendorId: 'photo' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    // A booked project on Ana & Ben's date, with their names and venue: the matching rules would be sure of it (0.95).
    const booked = {
      ...structuredClone(presetFor('honeybook').triggers.find((x) => x.id === 'new_project_booked')!.example as Record<string, unknown>),
      project_id: 'hb-ana', project_name: 'Ana Lopez & Ben Kim Wedding', event_date: '2027-06-12', location: 'Kew Barn, Richmond', guest_count: '90',
      client: { first_name: 'Ana', last_name: 'Lopez', email: 'ana@example.com' }, partner: { first_name: 'Ben', last_name: 'Kim' },
    };
    const res = await fetch(`${connected.body.secretUrl}&trigger=new_project_booked`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(booked) });
    expect(res.status).toBe(200);
    const ana = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    await waitFor(() => ana.doc.getMeta().venue === 'Kew Barn, Richmond', 'the venue as HoneyBook has it');
    expect(ana.doc.getGuests().count).toBe(90);
    // Applied like every record of the wedding's own connection: no guess recorded, no field held for a person.
    const { serverSql } = await import('../helpers/test-backend.ts');
    expect(await serverSql(t.server).values("SELECT action FROM audit WHERE action = 'route.matched'")).toEqual([]);
    expect(ana.doc.listConflicts().filter((c) => c.status === 'pending')).toEqual([]);
    await ana.destroy();
  });
});
