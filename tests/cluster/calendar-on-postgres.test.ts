import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeddingDoc, type Conflict } from '../../schema/index.ts';
import type { Principal } from '../../server/auth/tokens.ts';
import { CalendarService } from '../../server/calendar/calendar-service.ts';
import { postgresCalendarStorage } from '../../server/calendar/postgres-calendar-storage.ts';
import { createLogger } from '../../server/logger.ts';
import { PostgresPeopleStore } from '../../server/people/postgres-people-store.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { planner } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { startPostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: CalendarService over PostgreSQL (postgresCalendarStorage). The brief's story: a vendor
// booked at two weddings at overlapping times gets the double booking recorded once, as a conflict
// in both documents, even when two instances' CalendarServices check the vendor at once; it is
// settled when the overlap goes, and recorded once again when it comes back. One of the weddings
// was stored before any CalendarService ran, so only the start-up backfill indexes it.

const KEY = crypto.randomBytes(32).toString('base64');
// A day two months ahead: overlaps are checked from 30 days back to two years ahead.
const DAY = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
const T = (hhmm: string) => `${DAY}T${hhmm}:00Z`;
const logger = createLogger({ LOG_LEVEL: 'silent' });
const ADMIN: Principal = { sub: 'admin', role: 'admin', weddings: ['*'], exp: Math.floor(Date.now() / 1000) + 3600 };

describe('the calendar on PostgreSQL', () => {
  const db = usePostgresDatabase();
  let url = '';
  beforeAll(() => ({ url } = db()));

  it('records a double booking once as a conflict in both weddings while two CalendarServices check the vendor at once, and settles it when it goes', async () => {
    const { admin } = db();
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'calendar', leaseMs: 2000, dataDir: tempDir(), bridgeKey: KEY });
    registerTeardown(() => node.stop());

    // Stored before any CalendarService runs: nothing indexes the ceremony's booking at this update.
    const w1 = await planner(node.wsUrl, 'w1');
    await w1.whenSynced(10_000);
    w1.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: T('14:00'), end: T('15:00'), vendorIds: ['photo'] });
    await waitFor(async () => Number((await admin.query("SELECT count(*) AS n FROM document_updates WHERE name = 'wedding:w1'")).rows[0].n) > 0, 'w1 stored');

    // Two instances' CalendarServices (each its own pool) over the shared tables. They are given the
    // same node's documents, so both can write the conflicts: only the database keeps them apart.
    const services = [0, 1].map(() => {
      const pool = openPostgresPool(url, { max: 4 });
      const service = new CalendarService({
        storage: postgresCalendarStorage({ pool, persistence: node.collab.persistence }), bridge: node.bridge!, people: new PostgresPeopleStore(pool), logger, publicUrl: () => node.httpUrl,
      });
      registerTeardown(async () => { await service.stop(); await pool.end(); });
      return service;
    });
    // Both backfill w1 at start; one of them indexes it.
    await waitFor(async () => (await services[0]!.bookings.bookings('photo', 0, Number.MAX_SAFE_INTEGER)).length === 1, "w1's stored booking indexed by the backfill");
    expect(await services[1]!.bookings.isIndexed('w1')).toBe(true);

    const w2 = await planner(node.wsUrl, 'w2');
    await w2.whenSynced(10_000);
    // Read in the node's live documents, where the services write them (a planner's copy may lag).
    const doubleBookings = (weddingId: string): Promise<Conflict[]> =>
      node.bridge!.withDocument(weddingId, (doc) => new WeddingDoc(doc).listConflicts().filter((x) => x.source === 'availability:double-booking'));
    const pending = async (weddingId: string) => (await doubleBookings(weddingId)).filter((x) => x.status === 'pending');
    const recordedRows = async () => (await admin.query<{ key: string; conflicts: string }>('SELECT key, conflicts FROM calendar_overlaps')).rows;
    /** Both services check the vendor at once, twice. */
    const checkAtOnce = async () => { for (let i = 0; i < 2; i++) await Promise.all(services.map((s) => s.checkVendor('photo'))); };

    for (let round = 1; round <= 4; round++) {
      // The dinner at w2 overlaps the ceremony at w1: both services are told (after the update's
      // COMMIT) and check the photographer at once, and the test asks them both again.
      w2.doc.upsertEvent({ id: 'dinner', title: 'Dinner', start: T('14:30'), end: T('16:00'), vendorIds: ['photo'] });
      await waitFor(async () => (await pending('w1')).length > 0 && (await pending('w2')).length > 0, `round ${round}: the double booking recorded in both weddings`);
      await checkAtOnce();
      const [p1, p2] = [await pending('w1'), await pending('w2')];
      expect(p1.map((c) => [c.entityId, c.field])).toEqual([['ceremony', 'vendorIds']]);
      expect(p2.map((c) => [c.entityId, c.field])).toEqual([['dinner', 'vendorIds']]);
      expect(await doubleBookings('w1')).toHaveLength(round);
      expect(await doubleBookings('w2')).toHaveLength(round);
      // What GET /api/integrations/calendar/conflicts answers, read back from the shared records.
      const [reported] = (await services[round % 2]!.conflicts(ADMIN, 'photo')).overlaps;
      expect(reported?.conflictIds.sort()).toEqual([p1[0]!.id, p2[0]!.id].sort());
      const rows = await recordedRows();
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]!.conflicts)).toEqual(expect.arrayContaining([{ weddingId: 'w1', conflictId: p1[0]!.id }, { weddingId: 'w2', conflictId: p2[0]!.id }]));

      // The dinner moves off: the overlap is forgotten and both conflicts are settled, once.
      w2.doc.upsertEvent({ id: 'dinner', start: T('17:00'), end: T('19:00') });
      await waitFor(async () => (await pending('w1')).length === 0 && (await pending('w2')).length === 0, `round ${round}: the conflicts settled`);
      await checkAtOnce();
      expect(await recordedRows()).toEqual([]);
      for (const w of ['w1', 'w2']) expect((await doubleBookings(w)).map((c) => c.resolvedBy)).toEqual(Array(round).fill('system:overlap-cleared'));
    }
  });
});
