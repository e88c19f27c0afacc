import type pg from 'pg';
import { WedSyncError } from '../errors.ts';
import type { JoinedOutcome, JoinedWrite } from '../storage/postgres/append-group.ts';
import type { JoinedMerge } from '../storage/postgres/joined-writes.ts';
import type { JoinedWork } from './document-log.ts';
import type { JoinedAppendListener } from './joined-listeners.ts';

/**
 * A write that must commit with a change the caller makes to a document now (the inbox worker's
 * "this row is applied", the links and audit rows of an inbound change): it runs on `client`
 * inside the transaction, and must only query through it (see JoinedWrite). It may run a second
 * time after a rollback, so it must not count on running once beyond what it writes.
 */
export type ChangeWrite = (client: pg.ClientBase) => Promise<void>;

/** What a joined change writes: ChangeWrites, or JoinedMerges (run with those of the other changes of the group, joined-writes.ts). */
export type ChangeWrites = readonly (ChangeWrite | JoinedMerge)[];

/** What happened to a joined change's writes: rejects with the first write's error, or the commit's. */
export interface JoinedChange<T> {
  /** What `change` returned. */
  value: T;
  /** Resolves once the writes are committed, with the document changes `change` made, if any. */
  committed: Promise<void>;
}

/** The writes pending for the next append of one document, and how their outcome is told. */
interface Pending {
  writes: readonly JoinedWrite[];
  taken: boolean;
  settle(outcomes: readonly JoinedOutcome[]): void;
  fail(error: unknown): void;
}

/**
 * Joins writes to the changes a caller makes to a live document, on PostgreSQL
 * (DurablePersistence.changeWithWrites): while `change` runs, the first update it causes carries
 * the writes as joined writes of its append. Every append made in one synchronous run is queued in
 * the same group (AppendGroup), so the writes commit in one transaction with all of them. When
 * `change` changes nothing, the writes commit in a transaction of their own (`commitAlone`).
 */
export class JoinedChanges {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly commitAlone: (documentName: string, writes: readonly JoinedWrite[]) => Promise<readonly JoinedOutcome[]>) {}

  /**
   * Runs `change` (synchronous: it changes the document `documentName` in zero or more Yjs
   * transactions) with `writes` joined to what it changes. Throws what `change` throws; what it
   * changed before throwing is stored as usual, with the writes when it had changed anything.
   * Throws WedSyncError `internal_error` when called inside another joined change of the document.
   */
  run<T>(documentName: string, writes: ChangeWrites, change: () => T): JoinedChange<T> {
    if (this.pending.has(documentName)) throw new WedSyncError('internal_error', `a joined change of ${documentName} is already running`);
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    // A caller that does not await it (no writes, or fire and forget) must not crash the process.
    committed.catch(() => undefined);
    const pending: Pending = {
      writes,
      taken: false,
      settle: (outcomes) => {
        const failed = outcomes.find((o) => !o.ok);
        if (failed && !failed.ok) reject(failed.error);
        else resolve();
      },
      fail: reject,
    };
    this.pending.set(documentName, pending);
    let value: T;
    try {
      value = change();
    } finally {
      this.pending.delete(documentName);
    }
    if (!pending.taken) {
      if (writes.length === 0) resolve();
      else this.commitAlone(documentName, pending.writes).then(pending.settle, pending.fail);
    }
    return { value, committed };
  }

  /** For the append of `documentName` being made now: the writes of the joined change running, once. */
  take(documentName: string): Pick<Pending, 'writes' | 'settle' | 'fail'> | null {
    const pending = this.pending.get(documentName);
    if (!pending || pending.taken) return null;
    pending.taken = true;
    return pending;
  }
}

/** The listeners' joined work of an append with a joined change's writes first, each told its own outcomes. */
export function withChangeWrites(change: NonNullable<ReturnType<JoinedChanges['take']>>, listeners: JoinedWork | null): JoinedWork {
  const own = change.writes.length;
  return {
    writes: [...change.writes, ...(listeners?.writes ?? [])],
    report(outcomes) {
      change.settle(outcomes.slice(0, own));
      listeners?.report(outcomes.slice(own));
    },
  };
}

/**
 * DurablePersistence on PostgreSQL as the stores that write with document changes see it (the
 * bridge's, comms'): writes joined to a change made now, and listeners joined to every append.
 */
export interface JoinedWritesHost {
  changeWithWrites<T>(documentName: string, writes: ChangeWrites, change: () => T): JoinedChange<T>;
  onAppendJoined(listener: JoinedAppendListener): void;
}
