import { describe, expect, it } from 'vitest';
import { WeddingDoc, type Overlap } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// A vendor entry's id (`photo`) names a vendor within a wedding. Bookings, availability and the
// double-booking check tell businesses apart across weddings (server/calendar/vendor-identity.ts).

const DAY = { from: '2027-06-12T00:00:00Z', to: '2027-06-13T00:00:00Z' };

/**
 * Books the wedding's `photo` entry for one event on 12 June 2027 (London time), through the
 * server's live document, and waits until the change is committed, as an HTTP write's answer does
 * (on PostgreSQL the booking index is written with the update's append, after withDocument returns).
 */
async function book(t: TestServer, weddingId: string, title: string, start: string, end: string): Promise<void> {
  const { committed, wrote } = await t.server.collab.persistence.barrier.track(() => t.server.collab.withDocument(weddingId, (ydoc) => {
    const w = new WeddingDoc(ydoc);
    w.setMeta({ title: `Wedding ${weddingId}`, date: '2027-06-12', timezone: 'Europe/London' });
    w.upsertVendor({ id: 'photo', name: 'Photographer', category: 'photographer' });
    w.upsertEvent({ id: 'ceremony', title, start: `2027-06-12T${start}:00+01:00`, end: `2027-06-12T${end}:00+01:00`, vendorIds: ['photo'], category: 'ceremony' });
  }));
  // Wrote: the wait covered the booking's own append (a track that saw no write waits for nothing).
  expect({ committed, wrote }).toEqual({ committed: true, wrote: true });
}

async function doubleBookings(t: TestServer, weddingId: string) {
  return t.server.collab.withDocument(weddingId, (ydoc) => new WeddingDoc(ydoc).listConflicts()
    .filter((c) => c.source === 'availability:double-booking' && c.status === 'pending').map((c) => c.entityId));
}

async function overlaps(t: TestServer, token: string): Promise<string[]> {
  const res = await t.fetch('/api/integrations/calendar/conflicts?vendorId=photo', { token });
  expect(res.status).toBe(200);
  const side = (s: Overlap['a']) => (s.kind === 'wedding' ? s.weddingId ?? '(another wedding)' : s.system);
  return ((await res.json()) as { overlaps: Overlap[] }).overlaps.map((o) => [side(o.a), side(o.b)].sort().join(' + '));
}

async function busy(t: TestServer, token: string, window = DAY): Promise<Array<string | null>> {
  const res = await t.fetch(`/api/integrations/calendar/availability?vendorId=photo&from=${window.from}&to=${window.to}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { busy: { weddingId: string | null; start: string }[] }).busy.map((b) => `${b.start} ${b.weddingId ?? '(another wedding)'}`);
}

describe('one vendor entry id, several businesses', () => {
  it('two planning businesses each book their own `photo` the same afternoon: no double booking; the same studio joined to both: one, in each wedding', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bea = await signedIn(t, 'bea@ivory.example', 'Bea');
    await workspaceWith(t, ana, 'Bloom Planning', ['w-bloom', 'w-bloom-2']);
    await workspaceWith(t, bea, 'Ivory Events', ['w-ivory']);
    await book(t, 'w-bloom', 'Ceremony at Bloom', '14:00', '15:00');
    await book(t, 'w-ivory', 'Ceremony at Ivory', '14:30', '15:30');
    const planner = { bloom: await t.token('planner', ['w-bloom']), ivory: await t.token('planner', ['w-ivory']) };
    const admin = await t.token('admin', ['*']);

    // Two photographers who happen to share an entry id: neither is double booked, and neither
    // planner learns of the other's booking, even as anonymous busy time.
    expect(await overlaps(t, planner.bloom)).toEqual([]);
    expect(await overlaps(t, admin)).toEqual([]);
    expect(await busy(t, planner.bloom)).toEqual(['2027-06-12T13:00:00.000Z w-bloom']);
    expect(await busy(t, planner.ivory)).toEqual(['2027-06-12T13:30:00.000Z w-ivory']);
    expect([await doubleBookings(t, 'w-bloom'), await doubleBookings(t, 'w-ivory')]).toEqual([[], []]);
    // An admin token for every wedding sees both photographers; one for Bloom's wedding, Bloom's.
    expect(await busy(t, admin)).toEqual(['2027-06-12T13:00:00.000Z w-bloom', '2027-06-12T13:30:00.000Z w-ivory']);
    expect(await busy(t, await t.token('admin', ['w-bloom']))).toEqual(['2027-06-12T13:00:00.000Z w-bloom']);

    // One business's own entry across its weddings is one vendor: Bloom books its `photo` twice.
    await book(t, 'w-bloom-2', 'Second Bloom ceremony', '14:15', '14:45');
    await waitFor(async () => (await doubleBookings(t, 'w-bloom-2')).length === 1, 'Bloom’s own double booking recorded');
    expect(await overlaps(t, planner.bloom)).toEqual(['(another wedding) + w-bloom']);
    expect(await overlaps(t, planner.ivory)).toEqual([]);
    expect(await busy(t, planner.ivory)).toEqual(['2027-06-12T13:30:00.000Z w-ivory']);

    // The same studio joins all three weddings as their `photo`: now it is one vendor, double booked across the businesses.
    const lens = await signedIn(t, 'studio@lens.example', 'Lens');
    const studio = await workspaceWith(t, lens, 'Lens & Light', [], 'photographer');
    for (const weddingId of ['w-bloom', 'w-bloom-2', 'w-ivory']) await t.server.people.addParticipant({ weddingId, role: 'vendor', vendorId: 'photo', vendorWorkspaceId: studio.id });
    const seenByIvory = await overlaps(t, planner.ivory);
    expect(seenByIvory).toEqual(['(another wedding) + w-ivory', '(another wedding) + w-ivory']);
    await waitFor(async () => (await doubleBookings(t, 'w-ivory')).length === 2, 'the studio’s double bookings recorded in Ivory’s wedding');
    expect(await busy(t, planner.ivory)).toEqual(['2027-06-12T13:00:00.000Z (another wedding)', '2027-06-12T13:15:00.000Z (another wedding)', '2027-06-12T13:30:00.000Z w-ivory']);
    // Asked about a time when Ivory's own wedding has nothing booked: the studio is still the one it asks about.
    expect(await busy(t, planner.ivory, { from: '2027-06-12T13:00:00Z', to: '2027-06-12T13:20:00Z' })).toEqual(['2027-06-12T13:00:00.000Z (another wedding)', '2027-06-12T13:15:00.000Z (another wedding)']);
    // The studio sees its own day through any of its weddings.
    const studioToken = await t.token('vendor', ['w-ivory'], { vendorId: 'photo', sub: 'lens' });
    expect(await busy(t, studioToken)).toHaveLength(3);
  });

  it('a studio joining two businesses\' weddings as their `photo` is checked as it joins: the double booking is recorded with no edit or read, and settled when it leaves one', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bea = await signedIn(t, 'bea@ivory.example', 'Bea');
    await workspaceWith(t, ana, 'Bloom Planning', ['w-bloom']);
    await workspaceWith(t, bea, 'Ivory Events', ['w-ivory']);
    await book(t, 'w-bloom', 'Ceremony at Bloom', '14:00', '15:00');
    await book(t, 'w-ivory', 'Ceremony at Ivory', '14:30', '15:30');
    const admin = await t.token('admin', ['*']);
    await waitFor(async () => (await busy(t, admin)).length === 2, 'both bookings indexed');
    expect([await doubleBookings(t, 'w-bloom'), await doubleBookings(t, 'w-ivory')]).toEqual([[], []]);

    const lens = await signedIn(t, 'studio@lens.example', 'Lens');
    const studio = await workspaceWith(t, lens, 'Lens & Light', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'w-bloom', role: 'vendor', vendorId: 'photo', vendorWorkspaceId: studio.id });
    const joined = await t.server.people.addParticipant({ weddingId: 'w-ivory', role: 'vendor', vendorId: 'photo', vendorWorkspaceId: studio.id });
    await waitFor(async () => (await doubleBookings(t, 'w-bloom')).length === 1 && (await doubleBookings(t, 'w-ivory')).length === 1, 'the studio’s double booking recorded in both weddings');
    // It leaves Ivory's wedding: Ivory's `photo` is Ivory's own again, and the double booking is settled.
    expect(await t.server.people.removeParticipant('w-ivory', joined.id)).toBe(true);
    await waitFor(async () => (await doubleBookings(t, 'w-bloom')).length === 0 && (await doubleBookings(t, 'w-ivory')).length === 0, 'the double booking settled');
  });
});
