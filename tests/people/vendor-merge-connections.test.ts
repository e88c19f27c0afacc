import { describe, expect, it } from 'vitest';
import { WeddingDoc, type FeedCreated, type FeedSummary, type VendorMergeResponse } from '../../schema/index.ts';
import { connect, googleConnection, startSandboxes } from '../calendar/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { queryServerDatabase, serverSql } from '../helpers/test-backend.ts';

const W = 'w-merge-cal';
const at = (hh: string) => `2027-06-12T${hh}:00+01:00`;

describe('merging a duplicate vendor moves what the server binds to it', () => {
  it('its ICS feed, its bookings and its Google Calendar binding act for the kept vendor, in the same request', async () => {
    const s = await startSandboxes();
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '400' } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    await workspaceWith(t, ana, 'Bloom Planning', [W]);
    await t.server.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' });
      w.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example' });
      w.upsertVendor({ id: 'lens2', name: 'Lens and Light', category: 'photographer' });
      w.upsertEvent({ id: 'photos', title: 'Family photos', start: at('14:45'), end: at('15:15'), vendorIds: ['lens2'] });
      w.upsertEvent({ id: 'prep', title: 'Getting ready', start: at('10:00'), end: at('11:00'), vendorIds: ['lens', 'lens2'] });
    });
    const token = await ana.accessToken(W);
    const post = (path: string, body: unknown) => t.fetch(path, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // The duplicate's own feed, and its Google calendar (pushing the events it is on).
    const feed = await (await post('/api/calendar/feeds', { weddingId: W, vendorId: 'lens2' })).json() as FeedCreated;
    const google = (await connect(t, token, googleConnection(s, W, { vendorId: 'lens2' }, 'lens2'))).integrationId;
    const onGoogle = () => s.google.events(s.googleCalendarId).filter((e) => e.status !== 'cancelled').map((e) => e.summary).sort();
    await waitFor(() => onGoogle().length === 2, 'the duplicate’s two events on its Google calendar');
    const bookings = (v: string) => serverSql(t.server).values('SELECT event_id FROM vendor_bookings WHERE wedding_id = ? AND vendor_id = ? ORDER BY event_id', W, v);
    await waitFor(async () => (await bookings('lens2')).length === 2, 'the duplicate’s bookings indexed');

    const res = await post(`/api/weddings/${W}/vendors/merge`, { keepId: 'lens', removeId: 'lens2' });
    expect(res.status, await res.clone().text()).toBe(200);
    const { moved } = await res.json() as VendorMergeResponse;
    expect(moved).toMatchObject({ calendarFeeds: 1, bookings: 2, connectionBindings: 1 });

    // The feed: same URL, now the kept vendor's, still serving the events.
    const feeds = (await (await t.fetch(`/api/calendar/feeds?weddingId=${W}`, { token })).json() as { feeds: FeedSummary[] }).feeds;
    expect(feeds.map((f) => [f.feedId, f.vendorId])).toEqual([[feed.feedId, 'lens']]);
    const ics = await (await fetch(feed.url)).text();
    expect(ics).toContain('SUMMARY:Family photos');
    expect(ics).toContain('SUMMARY:Getting ready');
    // The bookings: the kept vendor's, one per event.
    expect(await bookings('lens')).toEqual(['photos', 'prep']);
    expect(await bookings('lens2')).toEqual([]);
    // The binding acts for the kept vendor: stored, and as it runs (its events stay on Google, a new one of the kept vendor goes there).
    const stored = await queryServerDatabase(t.server, {
      sqlite: "SELECT vendor_id, json_extract(configuration, '$.vendorId') AS setting FROM integrations WHERE id = ?",
      postgres: "SELECT vendor_id, configuration::json->>'vendorId' AS setting FROM integrations WHERE id = $1",
    }, [google]);
    expect(stored).toEqual([{ vendor_id: 'lens', setting: 'lens' }]);
    const list = await (await t.fetch(`/api/integrations?weddingId=${W}`, { token })).json() as { integrations: Array<{ integrationId: string; vendorId: string | null }> };
    expect(list.integrations.find((i) => i.integrationId === google)?.vendorId).toBe('lens');
    const c = await t.connect(W, token);
    await c.whenSynced();
    c.doc.upsertEvent({ id: 'portraits', title: 'Portraits', start: at('16:00'), end: at('16:30'), vendorIds: ['lens'] });
    await c.whenAcknowledged();
    await waitFor(() => onGoogle().includes('Portraits'), 'the kept vendor’s new event on the calendar');
    expect(onGoogle()).toEqual(['Family photos', 'Getting ready', 'Portraits']);
  }, 60_000);
});
