import { beforeAll, describe, expect, it } from 'vitest';
import { PostgresBookingIndex } from '../../server/calendar/postgres-booking-index.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { planner } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { startPostgresCollabNode, LOG_KEPT_MS } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: which vendor is booked when, across weddings (what the double-booking checks read), kept
// on PostgreSQL by a joined write of each document update: the brief's story "the venue moves the
// ceremony → the photographer's bookings move with it", never ahead of what was acknowledged.

const COMMIT_GATE = 4413;
const T = (hhmm: string) => `2026-06-13T${hhmm}:00Z`;
const ms = (hhmm: string) => Date.parse(T(hhmm));

describe('the booking index on PostgreSQL', () => {
  const db = usePostgresDatabase();
  let url = '';
  beforeAll(() => ({ url } = db()));

  it('indexes a wedding at its first update and keeps each event\'s vendors and times with the update that changed them', async () => {
    const { admin } = db();
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'bookings', leaseMs: 2000, dataDir: tempDir(), debounceMs: LOG_KEPT_MS });
    registerTeardown(() => node.stop());
    const pool = openPostgresPool(url, { max: 2 });
    registerTeardown(() => pool.end());
    const touched: string[][] = [];
    const index = new PostgresBookingIndex(pool, (weddingId, vendors) => touched.push([weddingId, ...[...vendors].sort()]));
    node.collab.persistence.onAppendJoined(index.joined());
    const bookings = async (vendor: string) => (await index.bookings(vendor, 0, Number.MAX_SAFE_INTEGER)).map((b) => [b.weddingId, b.eventId, b.startMs, b.endMs, b.title]);

    const w1 = await planner(node.wsUrl, 'w1');
    await w1.whenSynced(10_000);
    expect(await index.isIndexed('w1')).toBe(false);
    w1.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: T('14:00'), end: T('15:00'), vendorIds: ['photo', 'florist'] });
    await waitFor(async () => (await bookings('photo')).length === 1, 'the ceremony booked');
    expect(await index.isIndexed('w1')).toBe(true);
    expect(await bookings('photo')).toEqual([['w1', 'ceremony', ms('14:00'), ms('15:00'), 'Ceremony']]);
    expect(await index.vendorsOf('w1')).toEqual(['florist', 'photo']);
    await waitFor(() => touched.length === 1, 'the vendors told');
    expect(touched).toEqual([['w1', 'florist', 'photo']]);

    // The venue moves the ceremony: while the update's COMMIT is held, the bookings are as before.
    // The index is written in the update's own transaction: while that COMMIT is held the update is
    // not stored either, and the vendors are told only after it.
    const updates = async () => Number((await admin.query("SELECT count(*) AS n FROM document_updates WHERE name = 'wedding:w1'")).rows[0].n);
    const stored = await updates();
    const gate = await closeCommitGate(admin, 'vendor_bookings', COMMIT_GATE);
    w1.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: T('14:30'), end: T('15:30'), vendorIds: ['photo'] });
    await gate.blocked('the move to block in COMMIT');
    expect(await bookings('photo')).toEqual([['w1', 'ceremony', ms('14:00'), ms('15:00'), 'Ceremony']]);
    expect(await updates()).toBe(stored);
    expect(touched).toHaveLength(1);
    await gate.open();
    await waitFor(async () => (await bookings('photo'))[0]?.[2] === ms('14:30'), 'the booking moved');
    expect(await bookings('florist')).toEqual([]);
    await waitFor(() => touched.length === 2, 'the vendors of the move told');
    expect(touched[1]).toEqual(['w1', 'florist', 'photo']);

    // A vendor listed twice is booked once; a deleted event frees its vendors; a title with U+0000 is stored as U+FFFD.
    w1.doc.upsertEvent({ id: 'dinner', title: 'Dinner\u0000', start: T('18:00'), end: T('20:00'), vendorIds: ['photo', 'photo'] });
    await waitFor(async () => (await bookings('photo')).length === 2, 'dinner booked');
    expect((await bookings('photo'))[1]).toEqual(['w1', 'dinner', ms('18:00'), ms('20:00'), 'Dinner\ufffd']);
    w1.doc.deleteEvent('ceremony');
    await waitFor(async () => (await bookings('photo')).length === 1, 'the ceremony freed');

    // A second wedding books the same vendor: the vendor's bookings span weddings, each indexed once.
    expect(await new PostgresBookingIndex(pool).isIndexed('w1')).toBe(true);
    const w2 = await planner(node.wsUrl, 'w2');
    await w2.whenSynced(10_000);
    w2.doc.upsertEvent({ id: 'ceremony', title: 'Second wedding', start: T('14:45'), end: T('16:00'), vendorIds: ['photo'] });
    await waitFor(async () => (await bookings('photo')).length === 2, 'the second wedding booked');
    expect(await index.bookings('photo', ms('14:00'), ms('17:00'))).toEqual([{ weddingId: 'w2', eventId: 'ceremony', vendorId: 'photo', startMs: ms('14:45'), endMs: ms('16:00'), title: 'Second wedding' }]);
    expect((await admin.query('SELECT wedding_id FROM vendor_booking_weddings ORDER BY wedding_id')).rows.map((r: { wedding_id: string }) => r.wedding_id)).toEqual(['w1', 'w2']);
  });
});
