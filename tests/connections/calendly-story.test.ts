import { describe, expect, it } from 'vitest';
import { CalendlySandbox } from '../../adapters/calendly/sandbox.ts';
import type { BusyBlock, ConnectionResult } from '../../schema/index.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, studio } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };
const ANA = { id: 'w-ana', meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Barn' }, start: '2027-06-12T14:00:00+01:00' } as const;
const CODE = 'ANA-BEN-0612';

describe('Calendly: a couple books a consultation with the photographer', () => {
  it('the booking becomes a meeting on the wedding\'s timeline; reschedules (either order) move it; a forged delivery is refused', async () => {
    const t = await startTestServer({ env });
    const sb = await new CalendlySandbox().start();
    registerTeardown(() => sb.stop());
    const { alex, lens } = await studio(t, [ANA]);
    const token = await alex.accessToken(ANA.id);

    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'calendly', label: 'Lens & Light Calendly',
      credentials: { accessToken: sb.token }, configuration: { apiBase: sb.url, vendorId: 'photo' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    // The studio gives the couple their booking code; the wedding's binding holds it as its reference.
    const bound = await api(t, `/api/connections/${connected.body.connectionId}/bindings`, token, { json: { weddingId: ANA.id, references: [CODE], configuration: { vendorId: 'photo' } } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    await waitFor(() => sb.liveSubscriptions().length === 1, 'the webhook subscription');
    expect(sb.liveSubscriptions()[0]).toMatchObject({ callback_url: connected.body.webhookUrl, events: ['invitee.created', 'invitee.canceled'] });

    // ── the couple books ──
    const booked = await sb.book({
      eventName: 'Engagement shoot planning', name: 'Ana Silva', email: 'ana@example.com', timezone: 'Europe/London',
      start: '2027-03-10T14:00:00Z', end: '2027-03-10T15:00:00Z', location: 'Lens & Light studio, Kew',
      questions: [{ question: 'Wedding reference', answer: CODE }],
    });
    expect(sb.deliveries.at(-1)).toEqual({ event: 'invitee.created', status: 200 });
    const c = await t.connect(ANA.id, token);
    await c.whenSynced();
    const meetings = () => c.doc.listEvents().filter((e) => e.category === 'meeting');
    await waitFor(() => meetings().length === 1, 'the meeting in Ana & Ben\'s timeline');
    const meeting = meetings()[0]!;
    expect(meeting).toMatchObject({ title: 'Engagement shoot planning: Ana Silva', location: 'Lens & Light studio, Kew' });
    expect(Date.parse(meeting.start)).toBe(Date.parse('2027-03-10T14:00:00Z'));
    expect(Date.parse(meeting.end)).toBe(Date.parse('2027-03-10T15:00:00Z'));
    expect(c.doc.getEvent('portraits')).toBeTruthy();
    // The photographer's availability shows the booked hour as busy, read from Calendly.
    const availability = await api<{ busy: BusyBlock[] }>(t, '/api/integrations/calendar/availability?vendorId=photo&from=2027-03-10T00:00:00Z&to=2027-03-11T00:00:00Z', token);
    expect(availability.status, JSON.stringify(availability.body)).toBe(200);
    expect(availability.body.busy.filter((b) => b.source === 'calendar').map((b) => [Date.parse(b.start), Date.parse(b.end), b.title])).toEqual([
      [Date.parse('2027-03-10T14:00:00Z'), Date.parse('2027-03-10T15:00:00Z'), 'Engagement shoot planning'],
    ]);
    // The meeting is the photographer's (vendorIds) and the same booking as the busy block: not a double booking.
    expect(meeting.vendorIds).toEqual(['photo']);
    const conflicts = await api<{ overlaps: unknown[] }>(t, `/api/integrations/calendar/conflicts?vendorId=photo&weddingId=${ANA.id}`, token);
    expect(conflicts.status, JSON.stringify(conflicts.body)).toBe(200);
    expect(conflicts.body.overlaps).toEqual([]);

    // ── rescheduled: the cancel (rescheduled) first, then the new booking ──
    const moved = await sb.reschedule(booked.uri, '2027-03-12T09:00:00Z', '2027-03-12T10:00:00Z', 'canceled-first');
    expect(sb.deliveries.slice(-2)).toEqual([{ event: 'invitee.canceled', status: 200 }, { event: 'invitee.created', status: 200 }]);
    await waitFor(() => Date.parse(c.doc.getEvent(meeting.id)?.start ?? '') === Date.parse('2027-03-12T09:00:00Z'), 'the meeting moved');
    expect(meetings().map((e) => e.id)).toEqual([meeting.id]);

    // ── rescheduled again: this time the new booking arrives before the cancel ──
    const again = await sb.reschedule(moved.uri, '2027-03-15T16:00:00Z', '2027-03-15T17:30:00Z', 'created-first');
    expect(sb.deliveries.slice(-2)).toEqual([{ event: 'invitee.created', status: 200 }, { event: 'invitee.canceled', status: 200 }]);
    await waitFor(() => Date.parse(c.doc.getEvent(meeting.id)?.end ?? '') === Date.parse('2027-03-15T17:30:00Z'), 'the meeting moved again');
    // The late cancel of the old time removed nothing.
    await new Promise((r) => setTimeout(r, 300));
    expect(meetings().map((e) => [e.id, Date.parse(e.start)])).toEqual([[meeting.id, Date.parse('2027-03-15T16:00:00Z')]]);

    // ── a forged delivery (wrong key) and a replayed old one are refused, and change nothing ──
    const forged = sb.deliveryBody('invitee.canceled', { ...again, status: 'canceled' });
    expect(await sb.post(forged, { signWith: 'not-the-signing-key' })).toEqual([401]);
    expect(await sb.post(forged, { t: Math.floor(Date.now() / 1000) - 3600 })).toEqual([401]);
    await new Promise((r) => setTimeout(r, 300));
    expect(meetings().map((e) => e.id)).toEqual([meeting.id]);

    // ── a subscription left behind by a connection that is gone (its deletion never reached Calendly):
    // the delivery to it is answered 410 Gone, and Calendly deletes it ──
    const org = sb.liveSubscriptions()[0]!.organization;
    const stray = await fetch(`${sb.url}/webhook_subscriptions`, {
      method: 'POST', headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${t.httpUrl}/api/integrations/webhook/calendly/con_gone_long_ago`, events: ['invitee.created', 'invitee.canceled'], organization: org, scope: 'organization', signing_key: 'stray-key' }),
    });
    expect(stray.status).toBe(201);
    expect(sb.liveSubscriptions()).toHaveLength(2);
    const statuses = await sb.post(sb.deliveryBody('invitee.created', again));
    expect(statuses.sort()).toEqual([200, 410]);
    expect(sb.liveSubscriptions().map((x) => x.callback_url)).toEqual([connected.body.webhookUrl]);

    // ── the couple cancels for good: the meeting goes ──
    await sb.cancel(again.uri);
    await waitFor(() => meetings().length === 0, 'the canceled meeting gone');
    expect(c.doc.getEvent('portraits')).toBeTruthy();
    await c.destroy();
  });
});
