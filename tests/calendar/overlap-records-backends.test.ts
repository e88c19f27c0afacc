import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { sqliteOverlapRecords, type OverlapRecords, type RecordedOverlap } from '../../server/calendar/overlap-records.ts';
import { PostgresOverlapRecords } from '../../server/calendar/postgres-overlap-records.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: the double bookings already recorded as conflicts (so each is recorded once), the same
// on SQLite and PostgreSQL; on PostgreSQL a vendor's checks are made one at a time across instances.

const server = usePostgres();
const { database, poolOn } = usePostgresPools(server);
let url = '';
beforeAll(async () => { url = await database(); });

function openSqlite(): OverlapRecords {
  const db = openDatabase(tempDir('overlaps-'), { synchronous: 'normal' });
  registerTeardown(() => db.close());
  return sqliteOverlapRecords(db);
}
const openPostgres = (pool = poolOn(url, 4)): OverlapRecords => new PostgresOverlapRecords(pool);

let n = 0;
const vendor = () => `ven_${++n}_${process.pid}`;
const overlap = (vendorId: string, key: string, conflicts: RecordedOverlap['conflicts'] = [], endMs = Date.parse('2026-06-13T15:00:00Z')): RecordedOverlap =>
  ({ key: `${vendorId}|${key}`, vendorId, firstSeen: '2026-06-01T10:00:00.000Z', endMs, conflicts });

/** A promise the test settles: a check held open until `open()`. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { wait, open };
}

describe.each([['sqlite', () => openSqlite()], ['postgres', () => openPostgres()]] as const)('recorded overlaps on %s', (_name, open) => {
  it('records, replaces and forgets a vendor\'s overlaps, keys and vendor ids kept exactly, each vendor\'s apart', async () => {
    const records = open();
    const v = `${vendor()}\u0000\u00e9`;
    const other = vendor();
    expect(await records.recordedFor(v)).toEqual(new Map());
    const a = overlap(v, 'w:w1/ceremony|w:w2/dinner', [{ weddingId: 'w1', conflictId: 'cf_1' }, { weddingId: 'w2', conflictId: 'cf_2' }]);
    const b = overlap(v, 'c:google-calendar/evt\u0000@1|w:w1/ceremony', [], Number.MAX_SAFE_INTEGER);
    await records.exclusively(v, async (r) => {
      expect(await r.recorded()).toEqual(new Map());
      await r.record(a);
      await r.record(b);
      expect([...(await r.recorded()).keys()].sort()).toEqual([a.key, b.key].sort());
    });
    await records.exclusively(other, (r) => r.record(overlap(other, 'w:w3/x|w:w4/y')));
    expect(await records.recordedFor(v)).toEqual(new Map([[a.key, a], [b.key, b]]));
    expect([...(await records.recordedFor(other)).keys()]).toEqual([`${other}|w:w3/x|w:w4/y`]);

    // Recorded again (its conflicts re-recorded): replaced, not added.
    const again = { ...a, firstSeen: '2026-06-02T10:00:00.000Z', conflicts: [{ weddingId: 'w1', conflictId: 'cf_3' }] };
    await records.exclusively(v, async (r) => {
      await r.record(again);
      await r.forget(b.key);
      await r.forget(`${v}|nothing`);
    });
    expect(await records.recordedFor(v)).toEqual(new Map([[a.key, again]]));
    expect((await records.recordedFor(other)).size).toBe(1);
    // The vendors with recorded overlaps, each once, ids kept exactly (the start-up check reads them).
    const listed = await records.vendorIds();
    expect([v, other].every((x) => listed.filter((y) => y === x).length === 1)).toBe(true);
  });

  it('runs a vendor\'s checks one at a time in the order asked, never holding up other vendors; a failing check does not stop the next', async () => {
    const records = open();
    const [v, w] = [vendor(), vendor()];
    const log: string[] = [];
    const held = gate();
    const first = records.exclusively(v, async () => { log.push('1 start'); await held.wait; log.push('1 end'); throw new Error('check failed'); });
    const second = records.exclusively(v, async () => { log.push('2 start'); return 2; });
    await waitFor(() => log.includes('1 start'), 'the first check to start');
    // Another vendor's check runs to its end while the first vendor's is held.
    expect(await records.exclusively(w, async () => { log.push('other'); return 'other'; })).toBe('other');
    expect(log).toEqual(['1 start', 'other']);
    held.open();
    await expect(first).rejects.toThrow('check failed');
    expect(await second).toBe(2);
    expect(log).toEqual(['1 start', 'other', '1 end', '2 start']);
  });
});

describe('recorded overlaps on PostgreSQL, across instances', () => {
  const waitingForLock = async (admin: pg.Pool) => Number((await admin.query(
    "SELECT count(*) AS n FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND locktype = 'advisory' AND NOT granted")).rows[0].n);

  it("an instance's check of a vendor waits for another instance's check of it to end, and then reads what it recorded", async () => {
    const admin = poolOn(url, 1);
    const [a, b] = [openPostgres(), openPostgres()];
    const v = vendor();
    const held = gate();
    const log: string[] = [];
    const first = a.exclusively(v, async (r) => {
      log.push('a start');
      await held.wait;
      await r.record(overlap(v, 'k'));
      log.push('a end');
    });
    await waitFor(() => log.includes('a start'), "a's check to start");
    const second = b.exclusively(v, async (r) => {
      log.push('b start');
      return [...(await r.recorded()).keys()];
    });
    await waitFor(async () => (await waitingForLock(admin)) === 1, "b's check to wait for the vendor's lock");
    expect(log).toEqual(['a start']);
    held.open();
    await first;
    expect(await second).toEqual([`${v}|k`]);
    expect(log).toEqual(['a start', 'a end', 'b start']);
    expect(await waitingForLock(admin)).toBe(0);
  });

  it('two instances each recording what is not recorded yet, at once, record every overlap once (ten rounds)', async () => {
    const instances = [openPostgres(poolOn(url, 3)), openPostgres(poolOn(url, 3))];
    for (let round = 0; round < 10; round++) {
      const v = vendor();
      const keys = ['k1', 'k2', 'k3'].map((k) => `${v}|${k}`);
      let recorded = 0;
      // Three checks per instance, all at once: each reads the recorded overlaps, then, between
      // that read and its writes, does I/O (as writing conflicts into documents does).
      await Promise.all(instances.flatMap((records) => [0, 1, 2].map(() => records.exclusively(v, async (r) => {
        const known = await r.recorded();
        for (const key of keys) {
          if (known.has(key)) continue;
          await poolOn(url, 1).query('SELECT pg_sleep(0.005)');
          recorded++;
          await r.record({ ...overlap(v, 'x'), key });
        }
      }))));
      expect(recorded).toBe(3);
      expect([...(await instances[0]!.recordedFor(v)).keys()].sort()).toEqual(keys);
    }
  });

  it('a check whose connection is lost lets the next instance check, and writes nothing more itself', async () => {
    const admin = poolOn(url, 1);
    const [a, b] = [openPostgres(poolOn(url, 2)), openPostgres(poolOn(url, 2))];
    const v = vendor();
    const held = gate();
    let started = false;
    const lost = a.exclusively(v, async (r) => {
      started = true;
      await held.wait;
      await r.record(overlap(v, 'late'));
    });
    await waitFor(() => started, "a's check to start");
    const next = b.exclusively(v, async (r) => [...(await r.recorded()).keys()]);
    await waitFor(async () => (await waitingForLock(admin)) === 1, "b's check to wait");
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND locktype = 'advisory' AND granted AND pid <> pg_backend_pid()");
    expect(await next).toEqual([]);
    held.open();
    await expect(lost).rejects.toThrow();
    expect(await b.recordedFor(v)).toEqual(new Map());
    // The lost connection was not returned to a's pool: a's next check works.
    expect(await a.exclusively(v, async (r) => (await r.recorded()).size)).toBe(0);
  });
});
