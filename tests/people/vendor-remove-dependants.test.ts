import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WeddingDoc, type ActivityEntry, type BudgetResponse, type FeedCreated, type VendorRemoveResponse } from '../../schema/index.ts';
import { googleConnection, startSandboxes } from '../calendar/helpers.ts';
import { authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { serverSql } from '../helpers/test-backend.ts';

const W = 'w-remove';
const at = (hh: string) => `2027-06-12T${hh}:00+01:00`;

describe('removing a vendor removes or revokes everything hanging off it', () => {
  it('feeds, bookings, bindings (by onUnbind), share links, API keys, contacts and access go; payments stay as a removed vendor’s; the activity log says what went', async () => {
    const s = await startSandboxes();
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '400' } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bloom = await workspaceWith(t, ana, 'Bloom Planning', [W]);
    const studio = await signedIn(t, 'studio@lens.example', 'Lens studio');
    await t.server.people.addParticipant({ weddingId: W, personId: studio.person.id, role: 'vendor', vendorId: 'lens' });
    await t.server.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' });
      w.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example' });
      w.upsertVendor({ id: 'flora', name: 'Flora', category: 'florist' });
      w.upsertEvent({ id: 'photos', title: 'Family photos', start: at('14:45'), end: at('15:15'), vendorIds: ['lens', 'flora'] });
      w.upsertEvent({ id: 'prep', title: 'Getting ready', start: at('10:00'), end: at('11:00'), vendorIds: ['lens'] });
      w.upsertPayment({ id: 'lens-deposit', vendorId: 'lens', amount: 50_000, amountPaid: 50_000, currency: 'GBP', due: '2027-01-01', milestone: 'deposit' });
      // The studio's person as a contact of the wedding (typed in by the planner, by account e-mail).
      w.upsertContact({ id: 'c-studio', name: 'Lens studio', role: 'other', email: 'studio@lens.example' });
      w.upsertContact({ id: 'c-mum', name: 'Mum', role: 'family', email: 'mum@example.com' });
    });
    const token = await ana.accessToken(W);
    const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // Its ICS feed, a share link for it, a vendor API key for it, and a Google calendar binding acting for it that deletes what it pushed on unbind.
    const feed = await (await t.fetch('/api/calendar/feeds', { method: 'POST', token, ...json({ weddingId: W, vendorId: 'lens' }) })).json() as FeedCreated;
    const link = await (await ana.fetch(`/api/weddings/${W}/invitations`, { json: { role: 'vendor', vendorId: 'lens' } })).json() as { url: string };
    const linkToken = link.url.split('/invite/')[1]!;
    const keyRes = await ana.fetch(`/api/workspaces/${bloom.id}/api-keys`, { json: { name: 'lens uploader', role: 'vendor', vendorId: 'lens', weddings: [W] } });
    expect(keyRes.status, await keyRes.clone().text()).toBe(201);
    const key = (await keyRes.json() as { key: string }).key;
    const google = googleConnection(s, W);
    const connected = await t.fetch('/api/integrations/vendor/connect', { method: 'POST', token, ...json({
      workspaceId: bloom.id, system: 'google-calendar', credentials: google.credentials, configuration: google.configuration,
      bindings: [{ weddingId: W, vendorId: 'lens', onUnbind: 'remove' }],
    }) });
    expect(connected.status, await connected.clone().text()).toBe(201);
    const onGoogle = () => s.google.events(s.googleCalendarId).filter((e) => e.status !== 'cancelled').map((e) => e.summary).sort();
    await waitFor(() => onGoogle().length === 2, 'the vendor’s two events on its Google calendar');
    const bookings = () => serverSql(t.server).values('SELECT event_id FROM vendor_bookings WHERE wedding_id = ? AND vendor_id = ?', W, 'lens');
    await waitFor(async () => (await bookings()).length === 2, 'its bookings indexed');

    // The studio's person has the wedding open.
    const raw = new WebSocket(t.wsUrl);
    registerTeardown(() => raw.close());
    await new Promise((resolve) => raw.once('open', resolve));
    const { closed } = record(raw);
    raw.send(syncStep1Frame(`wedding:${W}`));
    const studioToken = await studio.accessToken(W);
    expect((await t.fetch(`/api/weddings/${W}/budget`, { token: studioToken })).status).toBe(200);
    raw.send(authFrame(`wedding:${W}`, studioToken));
    await waitFor(() => t.server.collab.hocuspocus.getConnectionsCount() >= 1, 'the studio’s socket to open the wedding');

    const res = await t.fetch(`/api/weddings/${W}/vendors/lens`, { method: 'DELETE', token });
    expect(res.status, await res.clone().text()).toBe(200);
    const { removed } = await res.json() as VendorRemoveResponse;
    expect(removed).toMatchObject({
      eventIds: ['prep', 'photos'], paymentIds: ['lens-deposit'],
      contacts: 1, participants: 1, invitations: 1, calendarFeeds: 1, bookings: 2, connectionBindings: 1, apiKeys: 1,
    });
    expect(removed.unbound).toEqual([expect.objectContaining({ removed: 2, failed: [] })]);

    // Access: the open socket is closed with 4403, a new token is refused, the key and the share link open nothing.
    expect(await closed).toEqual({ code: 4403, reason: 'wedding_forbidden' });
    expect((await studio.fetch('/api/auth/token', { json: { weddingId: W } })).status).toBe(403);
    // The token minted before the removal (valid for minutes more) opens nothing either, at once.
    const stale = await t.fetch(`/api/weddings/${W}/budget`, { token: studioToken });
    expect(stale.status).toBe(403);
    expect(await stale.json()).toMatchObject({ error: { code: 'wedding_forbidden' } });
    await expect(t.server.tokens.verify(key)).rejects.toMatchObject({ code: 'token_invalid' });
    expect((await t.fetch(`/api/invitations/${linkToken}`)).status).toBe(404);
    // The feed answers 404; the bookings are gone; the binding is unbound and what it pushed deleted (onUnbind: remove).
    expect((await fetch(feed.url)).status).toBe(404);
    expect(await bookings()).toEqual([]);
    expect(await serverSql(t.server).value('SELECT COUNT(*) FROM integrations WHERE wedding_id = ?', W)).toBe(0);
    expect(onGoogle()).toEqual([]);
    // The document: the vendor and its people's contact go; the payment stays, in the budget, as a removed vendor's.
    await t.server.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      expect(w.getVendor('lens')).toBeUndefined();
      expect(w.listContacts().map((c) => c.id)).toEqual(['c-mum']);
      expect(w.getPayment('lens-deposit')).toMatchObject({ vendorId: 'lens', amountPaid: 50_000 });
    });
    const budget = await (await t.fetch(`/api/weddings/${W}/budget`, { token })).json() as BudgetResponse;
    expect(budget.budget.totals.GBP).toMatchObject({ planned: 50_000, paid: 50_000 });
    expect(budget.vendors).toEqual([expect.objectContaining({ vendorId: 'lens', vendorName: 'Lens & Light (removed)', vendorRemoved: true })]);
    // The activity log: the vendor's removal, and what the server removed with it.
    const activity = await (await t.fetch(`/api/weddings/${W}/activity?entity=vendors:lens`, { token })).json() as { entries: ActivityEntry[] };
    const dependants = activity.entries.find((e) => e.field === 'dependants');
    expect(dependants).toMatchObject({ change: 'removed', actor: { kind: 'client', id: ana.person.id } });
    expect(dependants!.previous).toMatchObject({ participants: 1, invitations: 1, calendarFeeds: 1, bookings: 2, connectionBindings: 1, apiKeys: 1, contacts: 1, sockets: 1 });
    expect(activity.entries.some((e) => e.field === '' && e.change === 'removed')).toBe(true);
  }, 60_000);

  it('a binding set to keep what it pushed is unbound and its events stay on the calendar', async () => {
    const s = await startSandboxes();
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '400' } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    await workspaceWith(t, ana, 'Bloom Planning', [W]);
    await t.server.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' });
      w.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer' });
      w.upsertEvent({ id: 'photos', title: 'Family photos', start: at('14:45'), end: at('15:15'), vendorIds: ['lens'] });
    });
    const token = await ana.accessToken(W);
    const res = await t.fetch('/api/integrations/vendor/connect', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(googleConnection(s, W, { vendorId: 'lens' }, 'lens')) });
    expect(res.status).toBe(201);
    const onGoogle = () => s.google.events(s.googleCalendarId).filter((e) => e.status !== 'cancelled').map((e) => e.summary);
    await waitFor(() => onGoogle().length === 1, 'the event on the vendor’s calendar');

    const removed = await t.fetch(`/api/weddings/${W}/vendors/lens`, { method: 'DELETE', token });
    expect(((await removed.json()) as VendorRemoveResponse).removed.unbound).toEqual([expect.objectContaining({ removed: 0, failed: [] })]);
    expect(await serverSql(t.server).value('SELECT COUNT(*) FROM integrations WHERE wedding_id = ?', W)).toBe(0);
    expect(onGoogle()).toEqual(['Family photos']);
  }, 60_000);
});
