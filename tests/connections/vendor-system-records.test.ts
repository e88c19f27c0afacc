import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import type { ConnectionResult } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

const [ANA, CHLOE] = STORY_WEDDINGS;

/*
 * The story: a photographer's own studio system, connected over Standard Webhooks for their
 * business and bound to a wedding they serve, adds a first-look shoot and a deposit. It knows
 * nothing of the wedding's vendor ids: what it creates is the photographer's, as the binding says.
 * What the wedding already holds keeps who it is assigned to.
 */
describe('new records from a vendor\'s own system that name no vendor of ours', () => {
  it('are the binding\'s vendor\'s: a new event is assigned to it, a new payment is its; an event shared with another vendor keeps both; why one was refused is in the connection\'s trail', async () => {
    const t = await startTestServer({ env: { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' } });
    const { alex, lens, pat } = await studio(t, [ANA, CHLOE]);
    const as = await alex.accessToken(ANA.id);
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: { workspaceId: lens.id, system: 'webhooks', label: 'Studio system', configuration: { direction: 'inbound' } } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId, webhookUrl, webhookSecret } = connected.body;
    const bound = await api<{ binding: { vendorId: string | null } }>(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: ANA.id } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    expect(bound.body.binding.vendorId).toBe('photo');

    // The planner has the first dance covered by the photographer and the DJ.
    const planner = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    await planner.whenSynced();
    planner.doc.upsertVendor({ id: 'dj', name: 'Night Owl Sound', category: 'dj', status: 'booked' });
    planner.doc.upsertEvent({ id: 'first-dance', title: 'First dance', start: '2027-06-12T20:00:00+01:00', end: '2027-06-12T20:15:00+01:00', vendorIds: ['photo', 'dj'] });
    await planner.whenAcknowledged();

    let n = 0;
    const send = (type: string, weddingId: string, data: Record<string, unknown>) => sendStandardWebhook(webhookUrl, webhookSecret, { id: `studio-${++n}`, type, weddingId, data });
    expect((await send('timeline.upserted', ANA.id, { id: 'first-look', title: 'First look', start: '2027-06-12T12:30:00+01:00', end: '2027-06-12T13:00:00+01:00' })).status).toBe(200);
    expect((await send('payment.upserted', ANA.id, { id: 'photo-deposit', description: 'Photography deposit', amount: 90000, currency: 'GBP', status: 'pending', due: '2027-01-15' })).status).toBe(200);
    expect((await send('timeline.upserted', ANA.id, { id: 'first-dance', start: '2027-06-12T20:30:00+01:00', end: '2027-06-12T20:45:00+01:00' })).status).toBe(200);

    await waitFor(() => planner.doc.getEvent('first-look') && planner.doc.getPayment('photo-deposit') && planner.doc.getEvent('first-dance')?.start === '2027-06-12T20:30:00+01:00', 'the studio\'s records in the wedding');
    expect(planner.doc.getEvent('first-look')!.vendorIds).toEqual(['photo']);
    expect(planner.doc.getPayment('photo-deposit')).toMatchObject({ vendorId: 'photo', amount: 90000, currency: 'GBP' });
    // Moved by the photographer's system, still the DJ's too.
    expect(planner.doc.getEvent('first-dance')!.vendorIds).toEqual(['photo', 'dj']);

    // A record naming another vendor is still refused as not the photographer's to make.
    expect((await send('timeline.upserted', ANA.id, { id: 'dj-soundcheck', title: 'Soundcheck', start: '2027-06-12T18:00:00+01:00', end: '2027-06-12T18:30:00+01:00', vendorIds: ['dj'] })).status).toBe(200);
    const refused = await waitFor(async () => (await api<{ entries: { action: string; entityId: string | null }[] }>(t, `/api/integrations/wedding/${ANA.id}/audit`, await pat.accessToken(ANA.id))).body.entries
      .find((e) => e.action === 'inbound.refused' && e.entityId === 'dj-soundcheck'), 'the soundcheck refused');
    expect(refused).toBeTruthy();
    expect(planner.doc.getEvent('dj-soundcheck')).toBeUndefined();

    // The photographer reads why in their connection's own trail (the wedding's is the planner's).
    type Page = { entries: { id: number; action: string; result: string; entity: string | null; entityId: string | null; weddingId: string; detail: Record<string, unknown>; subject?: string }[]; nextCursor: number | null };
    expect((await api(t, `/api/integrations/wedding/${ANA.id}/audit`, as)).status).toBe(403);
    const trail = await api<Page>(t, `/api/connections/${connectionId}/audit`, as);
    expect(trail.status).toBe(200);
    const why = trail.body.entries.find((e) => e.action === 'inbound.refused' && e.entityId === 'dj-soundcheck');
    expect(why).toMatchObject({ result: 'refused', weddingId: ANA.id });
    expect(JSON.stringify(why!.detail)).toMatch(/dj|vendor/i);
    expect(trail.body.entries.some((e) => e.action === 'inbound.applied' && e.entityId === 'first-look')).toBe(true);
    // Events are named as the wedding names them (the shared schedule, every participant's to read);
    // a payment is not named here, nor a record the wedding never took.
    const applied = (entityId: string) => trail.body.entries.find((e) => e.action === 'inbound.applied' && e.entityId === entityId);
    expect([applied('first-look')?.subject, applied('first-dance')?.subject]).toEqual(['First look', 'First dance']);
    expect(applied('photo-deposit')).toMatchObject({ entity: 'payments' });
    expect(applied('photo-deposit')).not.toHaveProperty('subject');
    expect(why).not.toHaveProperty('subject');
    expect(trail.body.entries.map((e) => e.id)).toEqual([...trail.body.entries.map((e) => e.id)].sort((a, b) => b - a));
    // In pages, newest first, each entry once.
    const ids: number[] = [];
    let before: number | null | undefined;
    do {
      const page: Page = (await api<Page>(t, `/api/connections/${connectionId}/audit?limit=2${before ? `&before=${before}` : ''}`, as)).body;
      ids.push(...page.entries.map((e) => e.id));
      before = page.nextCursor;
    } while (before);
    expect(ids).toEqual(trail.body.entries.map((e) => e.id));
    // Not the planner's to read (not a member of the photographer's business), and a bad page is refused.
    expect((await api(t, `/api/connections/${connectionId}/audit`, await pat.accessToken(ANA.id))).status).toBe(404);
    expect((await api(t, `/api/connections/${connectionId}/audit?limit=0`, as)).status).toBe(400);
    // Once the photographer's business no longer works on the wedding (its binding outlives that),
    // its trail keeps the entries but names nothing of the wedding.
    const served = (await t.server.people.participantsOf(ANA.id)).find((x) => x.vendorWorkspaceId === lens.id)!;
    expect(await t.server.people.removeParticipant(ANA.id, served.id)).toBe(true);
    // (Read with the photographer's token for the wedding the business still serves.)
    const after = await api<Page>(t, `/api/connections/${connectionId}/audit`, await alex.accessToken(CHLOE.id));
    expect(after.status).toBe(200);
    expect(after.body.entries.some((e) => e.action === 'inbound.applied' && e.entityId === 'first-look')).toBe(true);
    expect(after.body.entries.filter((e) => 'subject' in e)).toEqual([]);
    await planner.destroy();
  });
});
