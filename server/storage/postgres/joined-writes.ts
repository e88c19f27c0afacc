import type pg from 'pg';
import type { JoinedAppend, JoinedOutcome } from '../backend/document-store.ts';

/**
 * A write that must commit with one append (the outbox rows and activity rows an update causes),
 * run by AppendGroup on the group's connection inside the group's transaction: a function, a
 * JoinedInsert (rows to insert, which the group sends together), a JoinedBatch (run for the whole
 * group after the rest) or a JoinedMerge (run with the others of its kind).
 *
 * A function must only query through `client` (never BEGIN/COMMIT/ROLLBACK, never keep the client
 * after its promise settles) and must settle: the whole group waits for it. It may be run a second
 * time after a rollback (when another joined write of its group failed), so it must not count on
 * running once beyond what it writes through `client`.
 */
export type JoinedWrite = JoinedFunction | JoinedInsert | JoinedBatch | JoinedMerge;

/** A joined write that runs its own statements (see JoinedWrite). */
export type JoinedFunction = (client: pg.ClientBase, append: JoinedAppend) => Promise<void>;

/**
 * A joined write that only inserts rows: consecutive ones of a group into the same table and
 * columns are sent as one multi-row INSERT, in order with the other joined writes (a function
 * between them sees the rows inserted before it). `table` and `columns` are our own identifiers,
 * never input; `rows` gives the values, one array per row in `columns` order.
 */
export interface JoinedInsert {
  readonly table: string;
  readonly columns: readonly string[];
  rows(append: JoinedAppend): readonly (readonly unknown[])[];
}

/**
 * A joined write whose statements touch only tables that no other kind of joined write reads or
 * writes (the vendor bookings index): the group runs all of its kind (same `batch`) together, once,
 * after the other joined writes, with every append's payload in queue order, instead of one round
 * trip per append. `run` must give the same result as running the items one at a time in order (a
 * later item's payload wins over an earlier one's for the same rows). When a joined write of the
 * group fails, each runs alone again in its own savepoint (`run` with its one item).
 */
export interface JoinedBatch<P = unknown> {
  readonly batch: string;
  readonly payload: P;
  run(client: pg.ClientBase, items: readonly { append: JoinedAppend; payload: P }[]): Promise<void>;
}

/**
 * A joined write that may run together with the others of its kind (same `merge`) made by the
 * appends after it, in one call (the inbox slices' writes: one statement per table for a whole
 * group instead of a few per slice). The group puts it off past the joined writes that follow it
 * as long as they are JoinedInserts into the tables of `deferPast` (tables `run` neither reads nor
 * writes: the appends' activity rows), and runs what it put off, in queue order, before the first
 * other write (a function, an insert into any other table, another kind of merge) or at the end,
 * before the JoinedBatches. `run` must give the same result as running the items one at a time in
 * order. When a joined write of the group fails, each runs alone again in its own savepoint (`run`
 * with its one item).
 */
export interface JoinedMerge<P = unknown> {
  readonly merge: string;
  readonly deferPast: readonly string[];
  readonly payload: P;
  run(client: pg.ClientBase, items: readonly { append: JoinedAppend; payload: P }[]): Promise<void>;
}

const isBatch = (w: JoinedWrite): w is JoinedBatch => typeof w === 'object' && 'batch' in w;
const isMerge = (w: JoinedWrite): w is JoinedMerge => typeof w === 'object' && 'merge' in w;

/** One accepted append's joined writes, with the append they commit with. */
export interface AppendWrites {
  append: JoinedAppend;
  writes: readonly JoinedWrite[];
}

/** Parameters per INSERT statement at most (PostgreSQL allows 65,535). */
const MAX_PARAMETERS = 60_000;

/**
 * Runs the joined writes of a group's accepted appends, in queue order and then each append's
 * order, inside the group's transaction, and returns one outcome per write.
 *
 * First all of them under one savepoint, with consecutive JoinedInserts batched into multi-row
 * INSERTs, JoinedMerges of a kind run together (see JoinedMerge) and JoinedBatches last: two round
 * trips per group plus one per batch, instead of two per write (at a few hundred appends a second
 * the per-write savepoints were most of a group's time). Only when one throws is
 * that savepoint rolled back and every write run again, each in a savepoint of its own (runJoined),
 * so the one that fails is rolled back alone. A failing ROLLBACK TO SAVEPOINT (connection lost)
 * throws, which fails the group.
 */
export async function runAllJoined(client: pg.ClientBase, appends: readonly AppendWrites[]): Promise<JoinedOutcome[][]> {
  if (!appends.some((a) => a.writes.length > 0)) return appends.map(() => []);
  await client.query('SAVEPOINT joined_all');
  try {
    let batch: { insert: JoinedInsert; rows: (readonly unknown[])[] } | null = null;
    const flush = async () => {
      if (batch) await insertJoinedRows(client, batch.insert, batch.rows);
      batch = null;
    };
    let merging: { write: JoinedMerge; items: { append: JoinedAppend; payload: unknown }[] } | null = null;
    const runMerged = async () => {
      if (merging) await merging.write.run(client, merging.items);
      merging = null;
    };
    const batches = new Map<string, { run: JoinedBatch['run']; items: { append: JoinedAppend; payload: unknown }[] }>();
    for (const { append, writes } of appends) {
      for (const write of writes) {
        if (isBatch(write)) {
          const b = batches.get(write.batch) ?? { run: write.run.bind(write), items: [] };
          b.items.push({ append, payload: write.payload });
          batches.set(write.batch, b);
        } else if (isMerge(write)) {
          if (merging && merging.write.merge !== write.merge) {
            await flush();
            await runMerged();
          }
          merging ??= { write, items: [] };
          merging.items.push({ append, payload: write.payload });
        } else if (typeof write === 'function') {
          await flush();
          await runMerged();
          await write(client, append);
        } else {
          if (merging && !merging.write.deferPast.includes(write.table)) {
            await flush();
            await runMerged();
          }
          if (batch && !sameTarget(batch.insert, write)) await flush();
          batch ??= { insert: write, rows: [] };
          batch.rows.push(...write.rows(append));
        }
      }
    }
    await flush();
    await runMerged();
    for (const b of batches.values()) await b.run(client, b.items);
    await client.query('RELEASE SAVEPOINT joined_all');
    return appends.map((a) => a.writes.map(() => ({ ok: true as const })));
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT joined_all');
    await client.query('RELEASE SAVEPOINT joined_all');
  }
  const outcomes: JoinedOutcome[][] = [];
  for (const a of appends) outcomes.push(await runJoined(client, a));
  return outcomes;
}

/** Runs one append's joined writes in order, each in a savepoint; one that throws is rolled back to it alone. */
async function runJoined(client: pg.ClientBase, { append, writes }: AppendWrites): Promise<JoinedOutcome[]> {
  const outcomes: JoinedOutcome[] = [];
  for (const write of writes) {
    await client.query('SAVEPOINT joined_write');
    try {
      if (isBatch(write) || isMerge(write)) await write.run(client, [{ append, payload: write.payload }]);
      else if (typeof write === 'function') await write(client, append);
      else await insertJoinedRows(client, write, write.rows(append));
      await client.query('RELEASE SAVEPOINT joined_write');
      outcomes.push({ ok: true });
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT joined_write');
      await client.query('RELEASE SAVEPOINT joined_write');
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

function sameTarget(a: JoinedInsert, b: JoinedInsert): boolean {
  return a.table === b.table && a.columns.length === b.columns.length && a.columns.every((c, i) => c === b.columns[i]);
}

/** Inserts `rows` into `insert.table` in as few statements as the parameter limit allows, in order. */
async function insertJoinedRows(client: pg.ClientBase, insert: JoinedInsert, rows: readonly (readonly unknown[])[]): Promise<void> {
  const width = insert.columns.length;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / width));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const values = chunk.map((row) => {
      if (row.length !== width) throw new TypeError(`a row for ${insert.table} has ${row.length} values for ${width} columns`);
      const first = params.length;
      params.push(...row);
      return `(${row.map((_, i) => `$${first + i + 1}`).join(', ')})`;
    });
    await client.query(`INSERT INTO ${insert.table} (${insert.columns.join(', ')}) VALUES ${values.join(', ')}`, params);
  }
}
