import type pg from 'pg';
import { WedSyncError } from '../../errors.ts';
import type { CommittedAppend, Fence, JoinedOutcome } from '../backend/document-store.ts';
import { StorageUnavailableError } from '../storage-health.ts';
import { fenceRefusal, lockLeases } from './fence.ts';
import { runAllJoined, type JoinedWrite } from './joined-writes.ts';

export type { CommittedAppend, JoinedAppend, JoinedOutcome } from '../backend/document-store.ts';
export type { JoinedFunction, JoinedInsert, JoinedWrite } from './joined-writes.ts';

interface PendingAppend {
  name: string;
  update: Uint8Array;
  fence: Fence | undefined;
  /** ms since the epoch, UTC. */
  createdAt: number;
  joined: readonly JoinedWrite[];
  resolve: (committed: CommittedAppend) => void;
  reject: (error: unknown) => void;
}

/** Rows per INSERT statement (3 parameters each; PostgreSQL allows 65,535 parameters). */
const ROWS_PER_STATEMENT = 1000;

export interface AppendGroupOptions {
  /** Refuse an append without a fence (several instances share the database). @default true */
  requireFence?: boolean;
}

/**
 * Group commit for the update log on PostgreSQL. An update may be acknowledged only once it is
 * committed, yet one transaction per update costs a round trip and a WAL flush each. So the appends
 * made during one event-loop turn are queued and committed together right after it (setImmediate):
 * BEGIN, the fences checked (lease rows locked FOR SHARE), one multi-row INSERT, COMMIT. While a
 * group is committing, later appends queue for the next group; groups commit one at a time, so seq
 * grows in commit order (loadUpTo + compactUpTo rely on it).
 *
 * Rules for callers: `append` resolves with the row's seq only after COMMIT succeeded; `settled()`
 * waits until everything queued so far is committed (or failed).
 *
 * Joined writes (`appendJoined`): other rows that must commit with an append, or not at all. After
 * the group's INSERT, each accepted append's joined writes run one after another, in the order the
 * appends were queued and then the order given (joined-writes.ts: all under one SAVEPOINT, row
 * inserts batched; when one throws, all are rolled back to it and run again, each between its own
 * `SAVEPOINT` and `RELEASE`, so a joined write may run twice); then COMMIT. A joined write that
 * throws (or whose statement fails) is rolled back to its savepoint alone: its append, the other
 * joined writes and the rest of the group still commit, and the append's result reports `{ ok: false, error }` for it. Nothing a joined write does is visible to
 * other connections before its group's COMMIT, and its append resolves only after that COMMIT. An
 * append refused by its fence (or for want of one) runs none of its joined writes. When the savepoint
 * itself cannot be rolled back (the connection is gone), the group fails as below.
 *
 * Failure: an append whose fence no longer holds is refused alone (StaleEpochError) and the rest of
 * the group commits. When anything else fails (connecting, the INSERT, COMMIT itself) the group is
 * rolled back and every append in it rejects with StorageUnavailableError (`cause`: the engine's
 * error): nothing in it is acknowledged, its joined writes included. A deferred constraint broken by
 * a joined write is checked at COMMIT, so it fails the whole group (use immediate constraints in
 * joined writes to have them refused alone). A connection lost during COMMIT leaves the outcome unknown
 * to us; the appends reject all the same, and the caller reloads from storage.
 */
export class AppendGroup {
  private queue: PendingAppend[] = [];
  private scheduled = false;
  private draining: Promise<void> | null = null;
  private readonly requireFence: boolean;

  constructor(private readonly pool: pg.Pool, options: AppendGroupOptions = {}) {
    this.requireFence = options.requireFence ?? true;
  }

  /** Queues `update` for `name` in the current group; resolves with its seq after COMMIT. */
  async append(name: string, update: Uint8Array, fence?: Fence): Promise<number> {
    return (await this.appendJoined(name, update, fence, [])).seq;
  }

  /**
   * As `append`, with `joined` run in the same transaction after the group's INSERT (see the class
   * comment). Resolves after COMMIT with the seq and one outcome per joined write; rejects as
   * `append` does (StaleEpochError: none of `joined` ran; StorageUnavailableError: nothing of the
   * group was committed).
   */
  appendJoined(name: string, update: Uint8Array, fence: Fence | undefined, joined: readonly JoinedWrite[]): Promise<CommittedAppend> {
    return new Promise<CommittedAppend>((resolve, reject) => {
      this.queue.push({ name, update, fence, createdAt: Date.now(), joined, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every append queued before the call has committed or failed. */
  async settled(): Promise<void> {
    while (this.scheduled || this.draining) {
      if (this.draining) await this.draining;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    // A drain in progress takes the queue when its current group is done.
    if (this.scheduled || this.draining) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.draining = this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      await this.commitGroup(group);
    }
    this.draining = null;
  }

  private async commitGroup(group: PendingAppend[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.failAll(group, error);
      return;
    }
    const refused = new Map<PendingAppend, unknown>();
    const accepted: PendingAppend[] = [];
    const seqs: number[] = [];
    const outcomes: JoinedOutcome[][] = [];
    try {
      await client.query('BEGIN');
      const leases = await lockLeases(client, group.filter((a) => a.fence).map((a) => a.name));
      for (const a of group) {
        const refusal = a.fence
          ? fenceRefusal(a.name, a.fence, leases.get(a.name))
          : this.requireFence ? new WedSyncError('internal_error', `append to ${a.name} without a fence`) : null;
        if (refusal) refused.set(a, refusal);
        else accepted.push(a);
      }
      for (let i = 0; i < accepted.length; i += ROWS_PER_STATEMENT) {
        seqs.push(...await insertRows(client, accepted.slice(i, i + ROWS_PER_STATEMENT)));
      }
      outcomes.push(...await runAllJoined(client, accepted.map((a, i) => ({ append: { name: a.name, seq: seqs[i]! }, writes: a.joined }))));
      await client.query('COMMIT');
    } catch (error) {
      let broken: Error | undefined;
      try { await client.query('ROLLBACK'); } catch (rollbackError) { broken = rollbackError as Error; }
      client.release(broken);
      this.failAll(group, error, refused);
      return;
    }
    client.release();
    accepted.forEach((a, i) => a.resolve({ seq: seqs[i]!, joined: outcomes[i]! }));
    for (const [a, refusal] of refused) a.reject(refusal);
  }

  private failAll(group: PendingAppend[], error: unknown, refused = new Map<PendingAppend, unknown>()): void {
    for (const a of group) {
      // A refused append stays refused for its own reason: it would not have been written anyway.
      a.reject(refused.get(a) ?? new StorageUnavailableError(`the update to ${a.name} could not be committed`, { cause: error }));
    }
  }
}

/**
 * Inserts `rows` in one statement and returns their seqs in the rows' order. The identity column
 * is drawn in the order the VALUES rows are inserted, so the returned seqs sorted ascending line up
 * with `rows` (RETURNING itself promises no order).
 */
async function insertRows(client: pg.ClientBase, rows: PendingAppend[]): Promise<number[]> {
  const params: unknown[] = [];
  const values = rows.map((r, i) => {
    params.push(r.name, r.update, r.createdAt);
    return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`;
  });
  const { rows: out } = await client.query<{ seq: string }>(
    `INSERT INTO document_updates (name, update_data, created_at) VALUES ${values.join(', ')} RETURNING seq`,
    params,
  );
  return out.map((r) => Number(r.seq)).sort((a, b) => a - b);
}
