import type { Document } from '@hocuspocus/server';
import fc from 'fast-check';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { BookingIndex, sqliteBookingRecords, type Booking, type BookingRecords } from '../../server/calendar/booking-index.ts';
import { PostgresBookingIndex } from '../../server/calendar/postgres-booking-index.ts';
import type { JoinedListenerWrite } from '../../server/collab/joined-listeners.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: what the calendar reads of the booking index (who is booked when, across weddings), and
// the start-up backfill of weddings stored before the index existed, the same on SQLite and
// PostgreSQL. How updates keep it is tested in tests/cluster/booking-index-postgres.test.ts and,
// on SQLite, through the server (tests/calendar/feeds-and-availability.test.ts).

const server = usePostgres();
const { database, poolOn } = usePostgresPools(server);
let url = '';
beforeAll(async () => { url = await database(); });

const T = (hhmm: string) => `2026-06-13T${hhmm}:00Z`;
const ms = (hhmm: string) => Date.parse(T(hhmm));
let n = 0;
const wedding = () => `w${++n}_${process.pid}`;

function openSqlite(): BookingRecords {
  const db = openDatabase(tempDir('bookings-'), { synchronous: 'normal' });
  registerTeardown(() => db.close());
  return sqliteBookingRecords(new BookingIndex(db));
}
const openPostgres = (pool = poolOn(url, 4)) => new PostgresBookingIndex(pool);

function weddingDoc(...events: { id: string; start: string; end: string; vendorIds: string[]; title?: string }[]): WeddingDoc {
  const doc = new WeddingDoc(new Y.Doc());
  for (const e of events) doc.upsertEvent({ title: `Event ${e.id}`, ...e });
  return doc;
}

describe.each([['sqlite', () => openSqlite()], ['postgres', () => openPostgres()]] as const)('booking records on %s', (_name, open) => {
  it('indexes a stored wedding whole once: each event books its vendors (one listed twice once) at its times', async () => {
    const bookings = open();
    const w = wedding();
    const photo = `photo_${w}`;
    const florist = `florist_${w}`;
    const doc = weddingDoc(
      { id: 'ceremony', start: T('14:00'), end: T('15:00'), vendorIds: [photo, florist], title: 'Ceremony' },
      { id: 'dinner', start: T('18:00'), end: T('20:00'), vendorIds: [photo, photo], title: 'Dinner' },
      { id: 'rehearsal', start: T('09:00'), end: T('10:00'), vendorIds: [] },
    );
    expect(await bookings.isIndexed(w)).toBe(false);
    expect(await bookings.vendorsOf(w)).toEqual([]);
    expect([...await bookings.indexWhole(w, doc)].sort()).toEqual([florist, photo].sort());
    expect(await bookings.isIndexed(w)).toBe(true);
    expect(await bookings.bookings(photo, 0, Number.MAX_SAFE_INTEGER)).toEqual([
      { weddingId: w, eventId: 'ceremony', vendorId: photo, startMs: ms('14:00'), endMs: ms('15:00'), title: 'Ceremony' },
      { weddingId: w, eventId: 'dinner', vendorId: photo, startMs: ms('18:00'), endMs: ms('20:00'), title: 'Dinner' },
    ]);
    expect(await bookings.vendorsOf(w)).toEqual([florist, photo].sort());

    // Indexed already: a second backfill (another instance's, or a restart's) writes nothing.
    doc.upsertEvent({ id: 'ceremony', vendorIds: [] });
    expect(await bookings.indexWhole(w, doc)).toEqual(new Set());
    expect(await bookings.bookings(florist, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
  });

  it("reads a vendor's bookings overlapping a window, across weddings, by start then wedding and event id", async () => {
    const bookings = open();
    const [b, a] = [`b_${wedding()}`, `a_${wedding()}`];
    const dj = `dj_${a}`;
    await bookings.indexWhole(b, weddingDoc({ id: 'party', start: T('14:00'), end: T('16:00'), vendorIds: [dj] }));
    await bookings.indexWhole(a, weddingDoc(
      { id: 'late', start: T('18:00'), end: T('19:00'), vendorIds: [dj] },
      { id: 'e2', start: T('14:00'), end: T('15:00'), vendorIds: [dj] },
      { id: 'E1', start: T('14:00'), end: T('14:30'), vendorIds: [dj] },
    ));
    const read = async (from: number, to: number) => (await bookings.bookings(dj, from, to)).map((x) => `${x.weddingId}/${x.eventId}`);
    expect(await read(0, Number.MAX_SAFE_INTEGER)).toEqual([`${a}/E1`, `${a}/e2`, `${b}/party`, `${a}/late`]);
    // Overlapping means ending after the window starts and starting before it ends.
    expect(await read(ms('16:00'), ms('18:00'))).toEqual([]);
    expect(await read(ms('15:59'), ms('18:01'))).toEqual([`${b}/party`, `${a}/late`]);
    expect(await bookings.bookings(`nobody_${a}`, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});

describe('booking records on both backends', () => {
  it('answer the same bookings and vendors on SQLite and PostgreSQL for any timelines and windows', async () => {
    const [sqlite, postgres] = [openSqlite(), openPostgres()];
    const vendors = ['photo', 'dj', 'Florist', 'v:x'];
    const hour = fc.integer({ min: 0, max: 23 }).map((h) => Date.UTC(2026, 5, 13, h));
    const event = fc.record({
      id: fc.constantFrom('a', 'B', 'c', 'd', 'e.1'), start: hour, hours: fc.integer({ min: 0, max: 4 }), vendorIds: fc.subarray([...vendors, 'photo']), title: fc.constantFrom('Ceremony', 'Dinner', 'First dance'),
    });
    const timelines = fc.array(fc.array(event, { maxLength: 6 }), { minLength: 1, maxLength: 3 });
    const windows = fc.array(fc.tuple(hour, fc.integer({ min: 0, max: 10 })), { minLength: 1, maxLength: 4 });
    await assertProperty(fc.asyncProperty(timelines, windows, async (weddings, asked) => {
      const ids = weddings.map(() => wedding());
      for (const [i, events] of weddings.entries()) {
        const doc = weddingDoc(...events.map((e) => ({ id: e.id, start: new Date(e.start).toISOString(), end: new Date(e.start + e.hours * 3_600_000).toISOString(), vendorIds: e.vendorIds, title: e.title })));
        expect([...await postgres.indexWhole(ids[i]!, doc)].sort()).toEqual([...await sqlite.indexWhole(ids[i]!, doc)].sort());
      }
      for (const id of ids) expect(await postgres.vendorsOf(id)).toEqual(await sqlite.vendorsOf(id));
      // Only this run's weddings: other runs booked the same vendors.
      const ours = (bs: Booking[]) => bs.filter((b) => ids.includes(b.weddingId));
      for (const v of vendors) {
        for (const [from, hours] of asked) {
          expect(ours(await postgres.bookings(v, from, from + hours * 3_600_000))).toEqual(ours(await sqlite.bookings(v, from, from + hours * 3_600_000)));
        }
      }
    }), { numRuns: 30 });
  });
});

describe('the booking backfill on PostgreSQL, against an update of the same wedding', () => {
  // One gate key per test: a gate's function stays in the database after it opens.
  const GATES = [4431, 4432];
  const name = (w: string) => `wedding:${w}`;

  /** Makes `change` in `ydoc` and returns the write a (fresh) index joins to its append. */
  function updateOf(index: PostgresBookingIndex, w: string, ydoc: Y.Doc, change: (doc: WeddingDoc) => void): JoinedListenerWrite {
    let joined: unknown = null;
    const listener = index.joined();
    const observe = (tr: Y.Transaction) => { joined = listener(name(w), ydoc as unknown as Document, tr); };
    ydoc.on('afterTransaction', observe);
    try { ydoc.transact(() => change(new WeddingDoc(ydoc))); } finally { ydoc.off('afterTransaction', observe); }
    expect(joined).not.toBeNull();
    return joined as JoinedListenerWrite;
  }
  const commitUpdate = (pool: pg.Pool, w: string, update: JoinedListenerWrite) =>
    inTransaction(pool, async (client) => { await (update.write as (c: pg.ClientBase, a: { name: string; seq: number }) => Promise<void>)(client, { name: name(w), seq: 1 }); });
  /** Statements waiting for a lock, but for the COMMIT held at the gate (with the fix: the wedding's advisory lock). */
  const waitingOnLock = async (admin: pg.Pool) => Number((await admin.query(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query <> 'COMMIT'")).rows[0].n);
  const booked = async (index: PostgresBookingIndex, vendors: string[]) =>
    (await Promise.all(vendors.map((v) => index.bookings(v, 0, Number.MAX_SAFE_INTEGER)))).flat().map((b) => `${b.vendorId}@${b.eventId}:${b.startMs}`).sort();

  it('a backfill that read the wedding before an update and commits first is followed by the update\'s changes, not overwritten or refused', async () => {
    const admin = poolOn(url, 2);
    const w = wedding();
    const [photo, florist] = [`photo_${w}`, `florist_${w}`];
    const ydoc = new Y.Doc();
    new WeddingDoc(ydoc).upsertEvent({ id: 'ceremony', title: 'Ceremony', start: T('14:00'), end: T('15:00'), vendorIds: [photo, florist] });
    const ownerPool = poolOn(url, 2);
    const owner = openPostgres(ownerPool);
    const gate = await closeCommitGate(admin, 'vendor_booking_weddings', GATES[0]!);
    // The backfill reads the timeline now; its COMMIT is held.
    const backfill = openPostgres(poolOn(url, 2)).indexWhole(w, new WeddingDoc(ydoc));
    await gate.blocked("the backfill's COMMIT to be held");
    // The florist is taken off and the ceremony moved: the update's write (a whole one, as the owner
    // has not seen the wedding indexed) waits for the backfill's lock on the wedding.
    const update = commitUpdate(ownerPool, w, updateOf(owner, w, ydoc, (doc) => doc.upsertEvent({ id: 'ceremony', start: T('14:30'), vendorIds: [photo] })));
    await waitFor(async () => (await waitingOnLock(admin)) === 1, "the update's write to wait for the backfill");
    await gate.open();
    expect([...await backfill].sort()).toEqual([florist, photo].sort());
    await update;
    expect(await booked(owner, [photo, florist])).toEqual([`${photo}@ceremony:${ms('14:30')}`]);
  });

  it('a backfill that read the wedding before an update the owner commits first writes nothing over it', async () => {
    const admin = poolOn(url, 2);
    const w = wedding();
    const [photo, florist] = [`photo_${w}`, `florist_${w}`];
    const ydoc = new Y.Doc();
    new WeddingDoc(ydoc).upsertEvent({ id: 'ceremony', title: 'Ceremony', start: T('14:00'), end: T('15:00'), vendorIds: [photo] });
    new WeddingDoc(ydoc).upsertEvent({ id: 'brunch', title: 'Brunch', start: T('10:00'), end: T('11:00'), vendorIds: [florist] });
    // What the backfill read: the wedding before the update.
    const before = new Y.Doc();
    Y.applyUpdate(before, Y.encodeStateAsUpdate(ydoc));
    const ownerPool = poolOn(url, 2);
    const owner = openPostgres(ownerPool);
    const gate = await closeCommitGate(admin, 'vendor_booking_weddings', GATES[1]!);
    const update = commitUpdate(ownerPool, w, updateOf(owner, w, ydoc, (doc) => {
      doc.deleteEvent('brunch');
      doc.upsertEvent({ id: 'ceremony', start: T('14:30') });
    }));
    await gate.blocked("the update's COMMIT to be held");
    const backfill = openPostgres(poolOn(url, 2)).indexWhole(w, new WeddingDoc(before));
    await waitFor(async () => (await waitingOnLock(admin)) === 1, "the backfill to wait for the update");
    await gate.open();
    await update;
    expect(await backfill).toEqual(new Set());
    expect(await booked(owner, [photo, florist])).toEqual([`${photo}@ceremony:${ms('14:30')}`]);
  });
});
