import type pg from 'pg';
import { feedOf, hashToken, newFeedRow, type FeedRow, type FeedStore, type NewFeed } from './feed-store.ts';

/**
 * ICS feeds on PostgreSQL (schema/migrations/postgres/014_calendar_feeds.sql), so a feed made
 * through one instance is served and revoked through any: the same contract as SqliteFeedStore.
 * Only the token's SHA-256 is stored. Statements reject with the pg error.
 */
export class PostgresFeedStore implements FeedStore {
  constructor(private readonly pool: pg.Pool) {}

  private async one(sql: string, params: unknown[]): Promise<FeedRow | undefined> {
    const row = (await this.pool.query(sql, params)).rows[0] as Record<string, unknown> | undefined;
    return row ? feedOf(row) : undefined;
  }

  async create(f: NewFeed): Promise<{ feed: FeedRow; token: string }> {
    const { row, token } = newFeedRow(f);
    await this.pool.query(`INSERT INTO calendar_feeds (id, wedding_id, vendor_id, token_hash, label, created_at, created_by)
      VALUES ($1, $2, $3, $4, $5, $6, $7)`, [row.id, row.wedding_id, row.vendor_id, row.token_hash, row.label, row.created_at, row.created_by]);
    return { feed: feedOf({ ...row, revoked_at: null, last_fetched_at: null }), token };
  }

  get(id: string): Promise<FeedRow | undefined> {
    return this.one('SELECT * FROM calendar_feeds WHERE id = $1', [id]);
  }

  byToken(token: string): Promise<FeedRow | undefined> {
    return this.one('SELECT * FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL', [hashToken(token)]);
  }

  async list(weddingId: string): Promise<FeedRow[]> {
    const { rows } = await this.pool.query('SELECT * FROM calendar_feeds WHERE wedding_id = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"', [weddingId]);
    return rows.map((r) => feedOf(r as Record<string, unknown>));
  }

  async revoke(id: string, at: string): Promise<boolean> {
    return ((await this.pool.query('UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id])).rowCount ?? 0) > 0;
  }

  async fetched(id: string, at: string): Promise<void> {
    await this.pool.query('UPDATE calendar_feeds SET last_fetched_at = $1 WHERE id = $2', [at, id]);
  }
}
