import type { Db } from '../storage/database.ts';

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
  id: r.id, integrationId: r.integration_id, weddingId: r.wedding_id, eventId: r.event_id, kind: r.kind, payload: r.payload,
  receivedAt: r.received_at, status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error,
});

/** Received webhooks and pulled pages, durable before they are acknowledged. */
export class InboxStore {
  private readonly insertRow;
  private readonly weddingsDue;
  private readonly headOf;
  private readonly markApplied;
  private readonly markRetry;
  private readonly markParked;
  private readonly counts;
  private readonly one;

  constructor(db: Db) {
    this.insertRow = db.prepare(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at)
      VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (integration_id, event_id) DO NOTHING`);
    this.weddingsDue = db.prepare(`SELECT wedding_id, min(next_attempt_at) AS due FROM inbox WHERE status = 'pending' GROUP BY wedding_id`);
    // Rows in order for one wedding; the worker stops at the first one not yet due, so order holds.
    this.headOf = db.prepare(`SELECT * FROM inbox WHERE wedding_id = ? AND status = 'pending' ORDER BY id LIMIT ?`);
    this.markApplied = db.prepare(`UPDATE inbox SET status = 'applied', applied_at = ?, attempts = attempts + 1, result = ?, last_error = NULL WHERE id = ?`);
    this.markRetry = db.prepare(`UPDATE inbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`);
    this.markParked = db.prepare(`UPDATE inbox SET status = 'parked', attempts = attempts + 1, last_error = ? WHERE id = ?`);
    this.counts = db.prepare(`SELECT status, count(*) AS n FROM inbox WHERE integration_id = ? AND status IN ('pending', 'parked') GROUP BY status`);
    this.one = db.prepare('SELECT * FROM inbox WHERE id = ?');
  }

  /** Stores the event; returns its row id, or null when (integration, eventId) was already stored. */
  add(e: { integrationId: string; weddingId: string; eventId: string; kind: InboxRow['kind']; payload: string; receivedAt: number }): number | null {
    const r = this.insertRow.run(e.integrationId, e.weddingId, e.eventId, e.kind, e.payload, e.receivedAt, e.receivedAt);
    return r.changes === 0 ? null : Number(r.lastInsertRowid);
  }

  weddingsWithPending(): { weddingId: string; due: number }[] {
    return (this.weddingsDue.all() as { wedding_id: string; due: number }[]).map((r) => ({ weddingId: r.wedding_id, due: r.due }));
  }

  head(weddingId: string, limit: number): InboxRow[] {
    return (this.headOf.all(weddingId, limit) as Row[]).map(toRow);
  }

  get(id: number): InboxRow | undefined {
    const r = this.one.get(id) as Row | undefined;
    return r ? toRow(r) : undefined;
  }

  applied(id: number, result: unknown, now: number): void { this.markApplied.run(now, JSON.stringify(result), id); }
  retry(id: number, nextAttemptAt: number, error: string): void { this.markRetry.run(nextAttemptAt, error, id); }
  park(id: number, error: string): void { this.markParked.run(error, id); }

  countsFor(integrationId: string): { pending: number; parked: number } {
    const out = { pending: 0, parked: 0 };
    for (const r of this.counts.all(integrationId) as { status: 'pending' | 'parked'; n: number }[]) out[r.status] = r.n;
    return out;
  }
}
