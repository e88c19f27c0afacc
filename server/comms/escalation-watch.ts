import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';

export interface WatchRow {
  wedding_id: string;
  message_id: string;
  /** JSON array of recipient ids every channel has been tried for. */
  unreachable: string;
}

/** A watched message as stored: `next_check_at` in ms since the epoch, UTC. */
export interface WatchState { status: string; next_check_at: number; unreachable: string }

/**
 * The escalation watch as the runner, the status API and the tests reach it, on either backend
 * (EscalationWatch on SQLite, PostgresEscalationWatch). Times are ms since the epoch, UTC. The writes
 * made inside a document change (open, lookBy, update) go through CommsWrites instead, so they
 * commit with it.
 */
export interface WatchRecords {
  /** Starts watching a message (or brings its next look forward to `checkAt`). */
  open(weddingId: string, messageId: string, checkAt: number, now: number): Promise<void>;
  /** Open watches due by `now`, soonest first, at most 50. */
  due(now: number): Promise<WatchRow[]>;
  get(weddingId: string, messageId: string): Promise<WatchState | undefined>;
  /** Brings an open watch's next look forward to `at`. */
  lookBy(at: number, weddingId: string, messageId: string): Promise<void>;
  update(weddingId: string, messageId: string, status: 'open' | 'done', nextCheckAt: number, unreachable: Iterable<string>): Promise<void>;
  openCount(weddingId: string): Promise<number>;
}

/**
 * `comms_watch`: messages that wait for acknowledgements and when to look at them again. Written by
 * the send planner (inside the change's durable transaction), read by the escalation runner and the
 * status API. Synchronous: on SQLite the writes of a change are made in its open group.
 */
export class EscalationWatch {
  private readonly openStmt;
  private readonly dueStmt;
  private readonly getStmt;
  private readonly soonerStmt;
  private readonly updateStmt;
  private readonly openCountStmt;

  constructor(db: Db) {
    this.openStmt = db.prepare(`INSERT INTO comms_watch (wedding_id, message_id, status, next_check_at, created_at) VALUES (?, ?, 'open', ?, ?)
      ON CONFLICT (wedding_id, message_id) DO UPDATE SET next_check_at = min(next_check_at, excluded.next_check_at) WHERE status = 'open'`);
    this.dueStmt = db.prepare(`SELECT wedding_id, message_id, unreachable FROM comms_watch WHERE status = 'open' AND next_check_at <= ? ORDER BY next_check_at LIMIT 50`);
    this.getStmt = db.prepare('SELECT status, next_check_at, unreachable FROM comms_watch WHERE wedding_id = ? AND message_id = ?');
    this.soonerStmt = db.prepare(`UPDATE comms_watch SET next_check_at = min(next_check_at, ?) WHERE wedding_id = ? AND message_id = ? AND status = 'open'`);
    this.updateStmt = db.prepare('UPDATE comms_watch SET status = ?, next_check_at = ?, unreachable = ? WHERE wedding_id = ? AND message_id = ?');
    this.openCountStmt = db.prepare(`SELECT count(*) FROM comms_watch WHERE wedding_id = ? AND status = 'open'`).pluck();
  }

  /** Starts watching a message (or brings its next look forward to `checkAt`, ms). */
  open(weddingId: string, messageId: string, checkAt: number, now: number): void {
    this.openStmt.run(weddingId, messageId, checkAt, now);
  }

  due(now: number): WatchRow[] {
    return this.dueStmt.all(now) as WatchRow[];
  }

  get(weddingId: string, messageId: string): WatchState | undefined {
    return this.getStmt.get(weddingId, messageId) as WatchState | undefined;
  }

  /** Brings an open watch's next look forward to `at` (ms). */
  lookBy(at: number, weddingId: string, messageId: string): void {
    this.soonerStmt.run(at, weddingId, messageId);
  }

  update(weddingId: string, messageId: string, status: 'open' | 'done', nextCheckAt: number, unreachable: Iterable<string>): void {
    this.updateStmt.run(status, nextCheckAt, JSON.stringify([...unreachable]), weddingId, messageId);
  }

  openCount(weddingId: string): number {
    return this.openCountStmt.get(weddingId) as number;
  }
}

/** The asynchronous contract over the SQLite store. */
export const sqliteWatchRecords = (watch: EscalationWatch): WatchRecords => resolving(watch, ['open', 'due', 'get', 'lookBy', 'update', 'openCount']);
