import { describe, expect, it } from 'vitest';
import { createStripeClient } from '../../adapters/stripe/client.ts';
import type { ConnectionResult, ConnectionSummary, UnmatchedSummary } from '../../schema/index.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { signedIn, type Browser } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';
import { planPayments, startStripe, stripeTestFetch } from '../payments/helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

const WEDDINGS = STORY_WEDDINGS;


async function tokens(alex: Browser): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(WEDDINGS.map(async (w) => [w.id, await alex.accessToken(w.id)] as const)));
}

describe('a business connects once and serves all its weddings', () => {
  it('a vendor connects one Google calendar and one Stripe account and binds three weddings; an unknown event becomes a new wedding with one action', async () => {
    const t = await startTestServer({ env });
    const s = await startSandboxes();
    const stripeSandbox = await startStripe();
    const { alex, lens } = await studio(t, WEDDINGS);
    const as = await tokens(alex);
    const clientId = 'wedsync-client';
    const clientSecret = 'wedsync-secret';

    // ── connect once, for the workspace, and bind each wedding ──
    const calendar = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as['w-ana']!, { json: {
      workspaceId: lens.id, system: 'google-calendar', label: 'Studio calendar',
      credentials: { refreshToken: s.google.issueRefreshToken(clientId, clientSecret), clientId, clientSecret },
      configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, importEvents: 'all' },
    } });
    expect(calendar.status).toBe(201);
    const payments = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as['w-ana']!, { json: {
      workspaceId: lens.id, system: 'stripe', credentials: { secretKey: stripeSandbox.secretKey },
      configuration: { apiBase: stripeSandbox.url, vendorId: 'photo' },
    } });
    expect(payments.status).toBe(201);
    // Binding the Stripe account without saying whom the wedding's invoices go to is refused, with the reason.
    const unaddressed = await api<{ error: { code: string; message: string } }>(t, `/api/connections/${payments.body.connectionId}/bindings`, as['w-ana']!, { json: { weddingId: 'w-ana' } });
    expect(unaddressed.status).toBe(400);
    expect(unaddressed.body.error).toMatchObject({ code: 'invalid_config', message: expect.stringContaining('customerEmail') });
    for (const w of WEDDINGS) {
      for (const conn of [calendar.body, payments.body]) {
        // Invoices go to each wedding's couple: the Stripe binding says who.
        const configuration = conn.system === 'google-calendar' ? { vendorId: 'photo' } : { customerEmail: `couple@${w.id}.example` };
        const bound = await api<{ binding: { weddingId: string } }>(t, `/api/connections/${conn.connectionId}/bindings`, as[w.id]!, { json: { weddingId: w.id, configuration } });
        expect(bound.status, JSON.stringify(bound.body)).toBe(201);
      }
    }

    // All three weddings' events are in the one calendar, named after their wedding, written in its zone.
    await waitFor(() => s.google.events(s.googleCalendarId).length === 3, 'three weddings\' portraits in the calendar');
    const events = s.google.events(s.googleCalendarId);
    for (const w of WEDDINGS) {
      const e = events.find((x) => x.summary === `${w.meta.title} · Couple portraits`);
      expect(e, w.id).toBeTruthy();
      expect(e!.start?.timeZone).toBe(w.meta.timezone);
      expect(Date.parse(e!.start!.dateTime!)).toBe(Date.parse(w.start));
    }
    // One watch channel and one Stripe endpoint for the account, whatever the number of weddings.
    expect(s.google.liveChannels(s.googleCalendarId)).toHaveLength(1);
    const stripe = createStripeClient(stripeSandbox.secretKey, stripeSandbox.url, stripeTestFetch);
    expect((await stripe.webhookEndpoints.list()).data.map((e) => e.url)).toEqual([calendar.body.webhookUrl.replace(calendar.body.connectionId, payments.body.connectionId).replace('google-calendar', 'stripe')]);

    // A move in the calendar reaches only its wedding, with its wedding's title (not the prefix).
    const ana = events.find((x) => x.summary === 'Ana & Ben · Couple portraits')!;
    s.google.userPatch(s.googleCalendarId, ana.id!, { start: { dateTime: '2027-06-12T14:30:00+01:00', timeZone: 'Europe/London' }, end: { dateTime: '2027-06-12T15:30:00+01:00', timeZone: 'Europe/London' } });
    const anaClient = await t.connect('w-ana', as['w-ana']!);
    await waitFor(() => anaClient.doc.getEvent('portraits')?.start === '2027-06-12T14:30:00+01:00', 'the move in Ana & Ben\'s timeline');
    expect(anaClient.doc.getEvent('portraits')!.title).toBe('Couple portraits');
    const chloe = await t.connect('w-chloe', as['w-chloe']!);
    await chloe.whenSynced();
    expect(chloe.doc.getEvent('portraits')!.start).toBe(WEDDINGS[1].start);

    // ── a payment for each wedding lands in that wedding ──
    const pat = await signedIn(t, 'pat@bloom.example');
    for (const w of WEDDINGS) {
      await planPayments(t, await pat.accessToken(w.id), w.id, { vendorId: 'photo', currency: 'GBP', total: 50_000 + WEDDINGS.indexOf(w) * 1_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    }
    await waitFor(() => [...stripeSandbox.objects.values()].filter((o) => o.object === 'invoice' && (o.status as string) === 'open').length === 3, 'an invoice per wedding');
    // Each wedding's invoice is addressed to its own couple.
    expect([...stripeSandbox.objects.values()].filter((o) => o.object === 'customer').map((c) => c.email).sort()).toEqual(WEDDINGS.map((w) => `couple@${w.id}.example`).sort());
    for (const inv of [...stripeSandbox.objects.values()].filter((o) => o.object === 'invoice')) stripeSandbox.payInvoice(inv.id as string);
    for (const w of WEDDINGS) {
      const c = await t.connect(w.id, as[w.id]!);
      await waitFor(() => c.doc.getPayment('photo-deposit')?.status === 'paid', `${w.id} deposit paid`);
      expect(c.doc.getPayment('photo-deposit')!.amountPaid).toBe(50_000 + WEDDINGS.indexOf(w) * 1_000);
      expect(c.doc.listPayments()).toHaveLength(1);
    }

    // ── an unknown event waits in the queue and becomes a wedding with one action ──
    s.google.userInsert(s.googleCalendarId, { id: 'maria-tom-1', summary: 'Maria & Tom wedding', location: 'Old Mill, Hudson', start: { dateTime: '2027-09-18T13:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-09-18T23:00:00-04:00', timeZone: 'America/New_York' } });
    let queued: UnmatchedSummary[] = [];
    await waitFor(async () => {
      queued = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, as['w-ana']!)).body.records;
      return queued.length === 1;
    }, 'the unknown event in the unmatched queue');
    expect(queued[0]!.record).toMatchObject({ title: 'Maria & Tom wedding', date: '2027-09-18', venue: 'Old Mill, Hudson', timeZone: 'America/New_York' });
    expect(queued[0]!.proposals).toEqual([]);
    const made = await api<{ weddingId: string }>(t, `/api/unmatched/${queued[0]!.id}/create-wedding`, as['w-ana']!, { json: {} });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    // Alex's studio owns the new wedding: Alex plans it.
    const mine = await t.connect(made.body.weddingId, await alex.accessToken(made.body.weddingId));
    await waitFor(() => mine.doc.listEvents().some((e) => e.title === 'Maria & Tom wedding'), 'the event in the new wedding');
    expect(mine.doc.getMeta()).toMatchObject({ title: 'Maria & Tom wedding', date: '2027-09-18', timezone: 'America/New_York', venue: 'Old Mill, Hudson' });
    expect(mine.doc.listEvents()[0]!.start).toBe('2027-09-18T13:00:00-04:00');
    expect(mine.doc.listEvents()[0]!.vendorIds).toEqual([]);
    expect((await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, as['w-ana']!)).body.records).toEqual([]);

    // A record that belongs to several weddings (the photographer's second shooter, booked for two of them) goes to each,
    // and its later changes reach each through their link rows.
    s.google.userInsert(s.googleCalendarId, { id: 'second-shooter-1', summary: 'Second shooter on call', start: { dateTime: '2027-05-01T09:00:00+01:00', timeZone: 'Europe/London' }, end: { dateTime: '2027-05-01T17:00:00+01:00', timeZone: 'Europe/London' } });
    await waitFor(async () => {
      queued = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, as['w-ana']!)).body.records;
      return queued.length === 1;
    }, 'the block in the queue');
    const shared = await api<{ record: UnmatchedSummary }>(t, `/api/unmatched/${queued[0]!.id}/assign`, as['w-ana']!, { json: { weddingIds: ['w-ana', 'w-eli'] } });
    expect(shared.status, JSON.stringify(shared.body)).toBe(200);
    expect(shared.body.record).toMatchObject({ status: 'assigned', weddingIds: ['w-ana', 'w-eli'] });
    const eli = await t.connect('w-eli', as['w-eli']!);
    const onCall = (c: typeof eli) => c.doc.listEvents().find((e) => e.title === 'Second shooter on call');
    await waitFor(() => onCall(anaClient) && onCall(eli), 'the block in both weddings');
    expect(onCall(chloe)).toBeUndefined();
    s.google.userPatch(s.googleCalendarId, 'second-shooter-1', { location: 'Studio' });
    await waitFor(() => onCall(anaClient)?.location === 'Studio' && onCall(eli)?.location === 'Studio', 'its change in both weddings');

    // The workspace's connections, with every binding and their health.
    const listed = await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${lens.id}/connections`, as['w-ana']!);
    expect(listed.status).toBe(200);
    const google = listed.body.connections.find((c) => c.system === 'google-calendar')!;
    expect(google.bindings.map((b) => b.weddingId).sort()).toEqual([...WEDDINGS.map((w) => w.id), made.body.weddingId].sort());
    expect(google.health.state).toBe('healthy');
    expect(google.servesManyWeddings).toBe(true);
    // The studio plans the wedding it made: that binding acts for no vendor entry.
    expect(google.bindings.find((b) => b.weddingId === made.body.weddingId)!.vendorId).toBeNull();
    expect(google.bindings.find((b) => b.weddingId === 'w-ana')!.vendorId).toBe('photo');
    expect(listed.body.connections.find((c) => c.system === 'stripe')!.bindings).toHaveLength(3);
  });
});
