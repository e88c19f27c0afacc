import type { Message, NotificationMode } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';

/** The default mode of a wedding nobody has set: a person decides before anything goes out. */
export const DEFAULT_NOTIFICATION_MODE: NotificationMode = 'ask';

/** An automatic message as composed, before it is written to the log (what a pending row keeps). */
export interface ComposedNotification {
  id: string;
  subject: string;
  body: string;
  type: string;
  priority: Message['priority'];
  reason: string;
  recipientIds: string[];
  context: Record<string, string>;
}

export interface PendingRow {
  id: string;
  weddingId: string;
  status: 'pending' | 'sent' | 'discarded';
  draft: ComposedNotification;
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  messageId: string | null;
}

/** A wedding's mode for automatic messages: `updatedAt` in ms since the epoch (null: never set, the default). */
export interface NotifySettings { mode: NotificationMode; updatedAt: number | null; updatedBy: string | null }

type Row = { id: string; wedding_id: string; status: PendingRow['status']; draft: string; created_at: number; decided_at: number | null; decided_by: string | null; message_id: string | null };
/** A stored row as a pending message; both backends (PostgreSQL's bigints arrive as strings). */
export const toPending = (r: Row): PendingRow => ({
  id: r.id, weddingId: r.wedding_id, status: r.status, draft: JSON.parse(r.draft) as ComposedNotification,
  createdAt: Number(r.created_at), decidedAt: r.decided_at === null ? null : Number(r.decided_at), decidedBy: r.decided_by, messageId: r.message_id,
});

/**
 * Each wedding's notification mode, and the automatic messages waiting for a planner
 * (`comms_notify_settings`, `comms_pending`). Kept on the server rather than in the document: the
 * mode decides what the server sends on the wedding's behalf, so only planners and admins change it,
 * through the API, while every peer that opens a document may write its `meta`.
 *
 * The asynchronous contract both backends keep (NotificationStore on SQLite,
 * PostgresNotificationStore). Times are ms since the epoch, UTC. What a document change writes
 * (a pending message composed in it, a planner's decision sent with it) goes through CommsWrites.
 */
export interface NotificationRecords {
  settings(weddingId: string): Promise<NotifySettings>;
  mode(weddingId: string): Promise<NotificationMode>;
  setMode(weddingId: string, mode: NotificationMode, by: string, now: number): Promise<void>;
  /** Adds a composed message as pending; one with its id already stored is left as it is. */
  addPending(weddingId: string, draft: ComposedNotification, now: number): Promise<void>;
  get(weddingId: string, id: string): Promise<PendingRow | undefined>;
  /** The wedding's pending messages, oldest first (then by id, by code unit). */
  listPending(weddingId: string): Promise<PendingRow[]>;
  countPending(weddingId: string): Promise<number>;
  /** Records a planner's decision; false when it was already decided (or there is no such message). */
  decide(weddingId: string, id: string, status: 'sent' | 'discarded', by: string, now: number, messageId: string | null): Promise<boolean>;
  /** Forgets decided rows older than `before`; what was sent stays in the document's log. */
  forgetDecided(before: number): Promise<void>;
}

/** Notification modes and pending messages on the embedded SQLite database (synchronous: called inside a change's group). */
export class NotificationStore {
  private readonly modeGet;
  private readonly modeSet;
  private readonly pendingAdd;
  private readonly pendingGet;
  private readonly pendingList;
  private readonly pendingDecide;
  private readonly pendingCount;
  private readonly pendingForget;

  constructor(db: Db) {
    this.modeGet = db.prepare('SELECT mode, updated_at, updated_by FROM comms_notify_settings WHERE wedding_id = ?');
    this.modeSet = db.prepare(`INSERT INTO comms_notify_settings (wedding_id, mode, updated_at, updated_by) VALUES (?, ?, ?, ?)
      ON CONFLICT (wedding_id) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at, updated_by = excluded.updated_by`);
    this.pendingAdd = db.prepare(`INSERT OR IGNORE INTO comms_pending (id, wedding_id, status, draft, created_at) VALUES (?, ?, 'pending', ?, ?)`);
    this.pendingGet = db.prepare('SELECT * FROM comms_pending WHERE wedding_id = ? AND id = ?');
    this.pendingList = db.prepare(`SELECT * FROM comms_pending WHERE wedding_id = ? AND status = 'pending' ORDER BY created_at, id`);
    this.pendingDecide = db.prepare(`UPDATE comms_pending SET status = ?, decided_at = ?, decided_by = ?, message_id = ? WHERE wedding_id = ? AND id = ? AND status = 'pending'`);
    this.pendingCount = db.prepare(`SELECT count(*) FROM comms_pending WHERE wedding_id = ? AND status = 'pending'`).pluck();
    this.pendingForget = db.prepare(`DELETE FROM comms_pending WHERE status != 'pending' AND decided_at < ?`);
  }

  settings(weddingId: string): NotifySettings {
    const row = this.modeGet.get(weddingId) as { mode: NotificationMode; updated_at: number; updated_by: string } | undefined;
    return row ? { mode: row.mode, updatedAt: row.updated_at, updatedBy: row.updated_by } : { mode: DEFAULT_NOTIFICATION_MODE, updatedAt: null, updatedBy: null };
  }

  mode(weddingId: string): NotificationMode {
    return this.settings(weddingId).mode;
  }

  setMode(weddingId: string, mode: NotificationMode, by: string, now: number): void {
    this.modeSet.run(weddingId, mode, now, by);
  }

  /** Adds a composed message as pending; a job that runs again after a crash adds nothing new. */
  addPending(weddingId: string, draft: ComposedNotification, now: number): void {
    this.pendingAdd.run(draft.id, weddingId, JSON.stringify(draft), now);
  }

  get(weddingId: string, id: string): PendingRow | undefined {
    const row = this.pendingGet.get(weddingId, id) as Row | undefined;
    return row && toPending(row);
  }

  listPending(weddingId: string): PendingRow[] {
    return (this.pendingList.all(weddingId) as Row[]).map(toPending);
  }

  countPending(weddingId: string): number {
    return this.pendingCount.get(weddingId) as number;
  }

  /** Records a planner's decision; false when it was already decided. */
  decide(weddingId: string, id: string, status: 'sent' | 'discarded', by: string, now: number, messageId: string | null): boolean {
    return this.pendingDecide.run(status, now, by, messageId, weddingId, id).changes === 1;
  }

  /** Forgets decided rows older than `before` (ms); what was sent stays in the document's log. */
  forgetDecided(before: number): void {
    this.pendingForget.run(before);
  }
}

/** The asynchronous contract over the SQLite store. */
export const sqliteNotificationRecords = (store: NotificationStore): NotificationRecords =>
  resolving(store, ['settings', 'mode', 'setMode', 'addPending', 'get', 'listPending', 'countPending', 'decide', 'forgetDecided']);
