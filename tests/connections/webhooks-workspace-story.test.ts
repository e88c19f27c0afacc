import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import type { ConnectionResult, UnmatchedSummary } from '../../schema/index.ts';
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
    expect(ana.doc.getEvent('engagement')).toBeUndefined();
    expect(chloe.doc.getEvent('engagement')).toBeUndefined();

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
    // Both weddings' portraits are outdoors on their day.
    for (const [c, w] of [[ana, ANA], [chloe, CHLOE]] as const) {
      c.doc.upsertEvent({ ...c.doc.getEvent('portraits')!, outdoor: true });
      await c.whenAcknowledged();
      expect(c.doc.getEvent('portraits')!.start).toBe(w.start);
    }

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

    // Neither reached Ana's wedding, which has no such message and no alert of its own.
    expect(ana.doc.listMessages().filter((m) => m.type === 'emergency.weather')).toEqual([]);
    // An alert naming no wedding has nowhere to go here (no wedding claims unrouted records): ignored, not applied to both.
    const unnamed = await sendStandardWebhook(webhookUrl, webhookSecret!, { id: 'storm-2', type: 'alert.weather', data: { date: ANA.meta.date, severity: 'high', headline: 'Gale warning' } });
    expect(unnamed.status).toBe(200);
    expect(await unnamed.json()).toMatchObject({ ignored: expect.any(String) });
    expect(ana.doc.listMessages().filter((m) => m.type === 'emergency.weather')).toEqual([]);
    await ana.destroy();
    await chloe.destroy();
  });
});
