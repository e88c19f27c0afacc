import type pg from 'pg';
import type { EventVersion, EventVersions } from './event-versions.ts';

/**
 * Event versions on PostgreSQL (schema/migrations/postgres/014_calendar_feeds.sql): the same
 * contract as SqliteEventVersions, for instances that render one wedding's feeds at once.
 *
 * One upsert raises every event whose hash changed (`sequence + 1` on the stored row, so it is
 * never lost to a concurrent reader's stale copy) and leaves unchanged ones alone. Rows are locked
 * in event-id order, so two instances' upserts cannot deadlock. When two instances bring the same
 * new content, the second finds the hash already stored (PostgreSQL re-checks the conflict's
 * `WHERE` on the row the first committed) and raises nothing: the SEQUENCE goes up once. The
 * events it did not write are then read by a second statement, whose snapshot includes that commit.
 */
export class PostgresEventVersions implements EventVersions {
  constructor(private readonly pool: pg.Pool) {}

  async resolve(weddingId: string, events: { id: string; hash: string }[], nowMs: number): Promise<Map<string, EventVersion>> {
    const given = new Map(events.map((e) => [e.id, e.hash]));
    const out = new Map<string, EventVersion>();
    if (given.size === 0) return out;
    const version = (r: Record<string, unknown>): EventVersion => ({ sequence: Number(r.sequence), modifiedAt: Number(r.modified_at) });
    const written = await this.pool.query(`INSERT INTO calendar_event_versions (wedding_id, event_id, sequence, content_hash, modified_at)
      SELECT $1, g.event_id, 0, g.content_hash, $4 FROM unnest($2::text[], $3::text[]) AS g(event_id, content_hash) ORDER BY g.event_id COLLATE "C"
      ON CONFLICT (wedding_id, event_id) DO UPDATE
        SET sequence = calendar_event_versions.sequence + 1, content_hash = excluded.content_hash, modified_at = excluded.modified_at
        WHERE calendar_event_versions.content_hash <> excluded.content_hash
      RETURNING event_id, sequence, modified_at`, [weddingId, [...given.keys()], [...given.values()], nowMs]);
    for (const r of written.rows as Record<string, unknown>[]) out.set(r.event_id as string, version(r));
    const unchanged = [...given.keys()].filter((id) => !out.has(id));
    if (unchanged.length > 0) {
      const read = await this.pool.query('SELECT event_id, sequence, modified_at FROM calendar_event_versions WHERE wedding_id = $1 AND event_id = ANY($2::text[])',
        [weddingId, unchanged]);
      for (const r of read.rows as Record<string, unknown>[]) out.set(r.event_id as string, version(r));
    }
    return out;
  }
}
