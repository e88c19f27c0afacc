import type { Db } from '../storage/database.ts';

/** An event's published SEQUENCE and the ms (since the epoch, UTC) its published content last changed. */
export interface EventVersion { sequence: number; modifiedAt: number }

/**
 * The SEQUENCE each timeline event is published with (RFC 5545 §3.8.7.4): raised whenever what a
 * feed publishes about the event changes, so a subscribed calendar replaces its copy. Two backends
 * keep this contract: SqliteEventVersions (here) and PostgresEventVersions, where instances
 * rendering one feed at once raise a changed event's SEQUENCE once between them.
 */
export interface EventVersions {
  /** Each event's sequence and last modification, raising (to `nowMs`) those whose content hash changed; a new event starts at 0. */
  resolve(weddingId: string, events: { id: string; hash: string }[], nowMs: number): Promise<Map<string, EventVersion>>;
}

/** Event versions on the embedded SQLite database (one process: read and raise in one transaction). */
export class SqliteEventVersions implements EventVersions {
  private readonly read;
  private readonly write;

  constructor(private readonly db: Db) {
    this.read = db.prepare('SELECT event_id, sequence, content_hash, modified_at FROM calendar_event_versions WHERE wedding_id = ?');
    this.write = db.prepare(`INSERT INTO calendar_event_versions (wedding_id, event_id, sequence, content_hash, modified_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (wedding_id, event_id) DO UPDATE SET sequence = excluded.sequence, content_hash = excluded.content_hash, modified_at = excluded.modified_at`);
  }

  async resolve(weddingId: string, events: { id: string; hash: string }[], nowMs: number): Promise<Map<string, EventVersion>> {
    const out = new Map<string, EventVersion>();
    this.db.transaction(() => {
      const known = new Map((this.read.all(weddingId) as { event_id: string; sequence: number; content_hash: string; modified_at: number }[]).map((r) => [r.event_id, r]));
      for (const e of events) {
        const k = known.get(e.id);
        if (k && k.content_hash === e.hash) {
          out.set(e.id, { sequence: k.sequence, modifiedAt: k.modified_at });
          continue;
        }
        const next = { sequence: k ? k.sequence + 1 : 0, modifiedAt: nowMs };
        this.write.run(weddingId, e.id, next.sequence, e.hash, nowMs);
        out.set(e.id, next);
      }
    })();
    return out;
  }
}
