import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';
import { opaqueText, openedText } from '../storage/storable-text.ts';

export interface InboxRow {
  id: number;
  integrationId: string;
  weddingId: string;
  eventId: string;
  kind: 'webhook' | 'changes';
  payload: string;
  receivedAt: number;
  status: 'pending' | 'applied' | 'parked';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

interface Row { id: number; integration_id: string; wedding_id: string; event_id: string; kind: 'webhook' | 'changes'; payload: string; received_at: number; status: InboxRow['status']; attempts: number; next_attempt_at: number; last_error: string | null }
const toRow = (r: Row): InboxRow => ({
  id: r.id, integrationId: r.integration_id, weddingId: r.wedding_id, eventId: openedText(r.event_id), kind: r.kind, payload: r.payload,
  receivedAt: r.received_at, status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error,
});

/** What health reports read of the inbox, on either backend (sqliteInboxReads, PostgresInboxStore). */
export interface InboxReads {
  /** Pending and parked rows of the binding. */
  countsFor(integrationId: string): Promise<{ pending: number; parked: number }>;
  /** Parked rows of the binding whose error contains `words`. */
  parkedFor(integrationId: string, words: string): Promise<number>;
  /** The result an applied row recorded (JSON text), or null when the row is not applied or has none. */
  appliedResult(id: number): Promise<string | null>;
  /** The binding's newest parked row whose error does not contain `except` (a reason with words of its own): its id and error, or null. */
  newestParkedError(integrationId: string, except: string): Promise<{ id: number; error: string } | null>;
}

/** A row to add: a webhook's delivery or a page of changes (`receivedAt` ms since the epoch). */
export interface NewInboxRow {
  integrationId: string; weddingId: string; eventId: string; kind: InboxRow['kind']; payload: string; receivedAt: number;
  /**
   * Not stored (null, as a duplicate) when the binding's connection holds a receipt of this event id
   * (`connection_receipts`: routing received it before, when the connection served other weddings);
   * a parked row of it is still pending again. For a delivery routing's shortcut stores
   * (InboundRouter.onlyClaim), so a redelivery is never taken twice.
   */
  unlessReceived?: boolean;
}

/** Adding rows outside a transaction of the caller's, on either backend (sqliteInboxWrites, PostgresInboxStore). */
export interface InboxWrites {
  /** Resolves with the row id, or null when the binding already has a row of that event id. */
  add(row: NewInboxRow): Promise<number | null>;
}

/** InboxWrites over the SQLite store. */
export function sqliteInboxWrites(store: InboxStore): InboxWrites {
  return resolving(store, ['add'] as const);
}

/** InboxReads over the SQLite store. */
export function sqliteInboxReads(store: InboxStore): InboxReads {
  return resolving(store, ['countsFor', 'parkedFor', 'appliedResult', 'newestParkedError'] as const);
}

/** Received webhooks and pulled pages, durable before they are acknowledged. */
export class InboxStore {
  private readonly insertRow;
  private readonly insertUnlessReceived;
  private readonly repend;
  private readonly weddingsDue;
  private readonly headOf;
  private readonly markApplied;
  private readonly markRetry;
  private readonly markParked;
  private readonly counts;
  private readonly one;
  private readonly parkedWith;
  private readonly parkedRows;
  private readonly newestParked;
  private readonly markSuperseded;

  constructor(private readonly db: Db) {
    // A parked row delivered again (sent or imported once more after its cause was fixed) is tried
    // again with what arrived now; a pending or applied one stays as it is.
    this.insertRow = db.prepare(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at)
      VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (integration_id, event_id) DO UPDATE SET
        status = 'pending', kind = excluded.kind, payload = excluded.payload, received_at = excluded.received_at,
        next_attempt_at = excluded.next_attempt_at, attempts = 0, last_error = NULL
      WHERE inbox.status = 'parked' RETURNING id`);
    this.insertUnlessReceived = db.prepare(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at)
      SELECT @integrationId, @weddingId, @eventId, @kind, @payload, @receivedAt, 'pending', @receivedAt WHERE NOT EXISTS (SELECT 1 FROM connection_receipts r
        JOIN integrations i ON i.connection_id = r.connection_id WHERE i.id = @integrationId AND r.event_id = @eventId) ON CONFLICT (integration_id, event_id) DO NOTHING RETURNING id`);
    this.repend = db.prepare(`UPDATE inbox SET status = 'pending', kind = ?, payload = ?, received_at = ?, next_attempt_at = ?, attempts = 0, last_error = NULL
      WHERE integration_id = ? AND event_id = ? AND status = 'parked' RETURNING id`);
    this.weddingsDue = db.prepare(`SELECT wedding_id, min(next_attempt_at) AS due FROM inbox WHERE status = 'pending' GROUP BY wedding_id`);
    // Rows in order for one wedding; the worker stops at the first one not yet due, so order holds.
    this.headOf = db.prepare(`SELECT * FROM inbox WHERE wedding_id = ? AND status = 'pending' ORDER BY id LIMIT ?`);
    this.markApplied = db.prepare(`UPDATE inbox SET status = 'applied', applied_at = ?, attempts = attempts + 1, result = ?, last_error = NULL WHERE id = ?`);
    this.markRetry = db.prepare(`UPDATE inbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`);
    this.markParked = db.prepare(`UPDATE inbox SET status = 'parked', attempts = attempts + 1, last_error = ? WHERE id = ?`);
    this.counts = db.prepare(`SELECT status, count(*) AS n FROM inbox WHERE integration_id = ? AND status IN ('pending', 'parked') GROUP BY status`);
    this.one = db.prepare('SELECT * FROM inbox WHERE id = ?');
    this.parkedWith = db.prepare(`SELECT count(*) FROM inbox WHERE integration_id = ? AND status = 'parked' AND instr(last_error, ?) > 0`).pluck();
    this.parkedRows = db.prepare(`SELECT * FROM inbox WHERE integration_id = ? AND status = 'parked' AND instr(last_error, ?) > 0 ORDER BY id LIMIT 100`);
    this.newestParked = db.prepare(`SELECT id, last_error AS error FROM inbox WHERE integration_id = ? AND status = 'parked' AND instr(last_error, ?) = 0 ORDER BY id DESC LIMIT 1`);
    this.markSuperseded = db.prepare(`UPDATE inbox SET status = 'applied', applied_at = ?, result = ? WHERE id = ? AND status = 'parked'`);
  }

  /**
   * Stores the event (its id exactly: opaqueText); returns its row id, or null when (integration,
   * eventId) was already stored and not parked. A parked row of the same event is pending again with the new payload (its id kept).
   */
  add(e: NewInboxRow): number | null {
    if (e.unlessReceived) {
      const eventId = opaqueText(e.eventId);
      const r = (this.insertUnlessReceived.get({ integrationId: e.integrationId, weddingId: e.weddingId, eventId, kind: e.kind, payload: e.payload, receivedAt: e.receivedAt })
        ?? this.repend.get(e.kind, e.payload, e.receivedAt, e.receivedAt, e.integrationId, eventId)) as { id: number } | undefined;
      return r ? r.id : null;
    }
    const r = this.insertRow.get(e.integrationId, e.weddingId, opaqueText(e.eventId), e.kind, e.payload, e.receivedAt, e.receivedAt) as { id: number } | undefined;
    return r ? r.id : null;
  }

  weddingsWithPending(): { weddingId: string; due: number }[] {
    return (this.weddingsDue.all() as { wedding_id: string; due: number }[]).map((r) => ({ weddingId: r.wedding_id, due: r.due }));
  }

  head(weddingId: string, limit: number): InboxRow[] {
    return (this.headOf.all(weddingId, limit) as Row[]).map(toRow);
  }

  appliedResult(id: number): string | null {
    return (this.db.prepare("SELECT result FROM inbox WHERE id = ? AND status = 'applied'").pluck().get(id) as string | null | undefined) ?? null;
  }

  get(id: number): InboxRow | undefined {
    const r = this.one.get(id) as Row | undefined;
    return r ? toRow(r) : undefined;
  }

  applied(id: number, result: unknown, now: number): void { this.markApplied.run(now, JSON.stringify(result), id); }
  retry(id: number, nextAttemptAt: number, error: string): void { this.markRetry.run(nextAttemptAt, error, id); }
  park(id: number, error: string): void { this.markParked.run(error, id); }

  /** Parked rows of the binding whose error contains `words` (inbound-applier.ts VENDOR_NEEDED). */
  parkedFor(integrationId: string, words: string): number {
    return this.parkedWith.get(integrationId, words) as number;
  }

  /** The binding's newest parked row whose error does not contain `except`: its id and error, or null. */
  newestParkedError(integrationId: string, except: string): { id: number; error: string } | null {
    return (this.newestParked.get(integrationId, except) as { id: number; error: string } | undefined) ?? null;
  }

  /** The oldest parked rows of the binding whose error contains `words` (at most 100). */
  parkedRowsWith(integrationId: string, words: string): InboxRow[] {
    return (this.parkedRows.all(integrationId, words) as Row[]).map(toRow);
  }

  /** A parked row whose records a later row brought (held-rows.ts): done, with `{ supersededBy }` as its result. */
  supersede(id: number, by: number, now: number): void { this.markSuperseded.run(now, JSON.stringify({ supersededBy: by }), id); }

  countsFor(integrationId: string): { pending: number; parked: number } {
    const out = { pending: 0, parked: 0 };
    for (const r of this.counts.all(integrationId) as { status: 'pending' | 'parked'; n: number }[]) out[r.status] = r.n;
    return out;
  }
}
