import crypto from 'node:crypto';
import type { FeedSummary } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import { storableText } from '../storage/storable-text.ts';

export type FeedRow = FeedSummary;

type Row = Record<string, unknown>;

/** A stored row as a feed; both backends. */
export const feedOf = (r: Row): FeedRow => ({
  feedId: r.id as string, weddingId: r.wedding_id as string, vendorId: (r.vendor_id as string | null) ?? null, label: (r.label as string | null) ?? null,
  createdAt: r.created_at as string, createdBy: r.created_by as string, revokedAt: (r.revoked_at as string | null) ?? null,
  lastFetchedAt: (r.last_fetched_at as string | null) ?? null,
});

/** The secret in a feed URL: 192 random bits. Only its SHA-256 is stored, so a database leak leaks no URL. */
export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export interface NewFeed { weddingId: string; vendorId: string | null; label: string | null; createdBy: string; at: string }

/**
 * A new feed's row and the token for its URL (`wsf_` + 192 random bits, base64url). The label and
 * creator are stored as both backends can hold them (U+0000 and lone surrogates as U+FFFD).
 */
export function newFeedRow(f: NewFeed): { row: Record<string, string | null>; token: string } {
  const token = `wsf_${crypto.randomBytes(24).toString('base64url')}`;
  const id = `feed_${crypto.randomBytes(9).toString('base64url')}`;
  return { token, row: { id, wedding_id: f.weddingId, vendor_id: f.vendorId, token_hash: hashToken(token), label: f.label === null ? null : storableText(f.label), created_at: f.at, created_by: storableText(f.createdBy) } };
}

/**
 * ICS feed tokens: made, listed, looked up by token, revoked (schema/migrations/005_calendar.sql;
 * on PostgreSQL schema/migrations/postgres/014_calendar_feeds.sql). Two backends keep this
 * contract: SqliteFeedStore (here) and PostgresFeedStore, so a feed made through one instance is
 * served by all. Times are ISO 8601 UTC strings as given (`at`).
 */
export interface FeedStore {
  create(f: NewFeed): Promise<{ feed: FeedRow; token: string }>;
  get(id: string): Promise<FeedRow | undefined>;
  /** The live feed a token opens; undefined for unknown and revoked tokens alike. */
  byToken(token: string): Promise<FeedRow | undefined>;
  /** A wedding's feeds, revoked ones too, oldest first (ties by id, by code point). */
  list(weddingId: string): Promise<FeedRow[]>;
  /** Revokes a live feed; false when there is none with this id, or it was revoked already. */
  revoke(id: string, at: string): Promise<boolean>;
  /** Records a subscriber's fetch. */
  fetched(id: string, at: string): Promise<void>;
}

/** Feeds on the embedded SQLite database. */
export class SqliteFeedStore implements FeedStore {
  private readonly insert;
  private readonly byId;
  private readonly byHash;
  private readonly forWedding;
  private readonly revokeRow;
  private readonly touch;

  constructor(db: Db) {
    this.insert = db.prepare(`INSERT INTO calendar_feeds (id, wedding_id, vendor_id, token_hash, label, created_at, created_by)
      VALUES (@id, @wedding_id, @vendor_id, @token_hash, @label, @created_at, @created_by)`);
    this.byId = db.prepare('SELECT * FROM calendar_feeds WHERE id = ?');
    this.byHash = db.prepare('SELECT * FROM calendar_feeds WHERE token_hash = ? AND revoked_at IS NULL');
    this.forWedding = db.prepare('SELECT * FROM calendar_feeds WHERE wedding_id = ? ORDER BY created_at, id');
    this.revokeRow = db.prepare('UPDATE calendar_feeds SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.touch = db.prepare('UPDATE calendar_feeds SET last_fetched_at = ? WHERE id = ?');
  }

  async create(f: NewFeed): Promise<{ feed: FeedRow; token: string }> {
    const { row, token } = newFeedRow(f);
    this.insert.run(row);
    return { feed: feedOf({ ...row, revoked_at: null, last_fetched_at: null }), token };
  }

  async get(id: string): Promise<FeedRow | undefined> {
    const r = this.byId.get(id) as Row | undefined;
    return r ? feedOf(r) : undefined;
  }

  async byToken(token: string): Promise<FeedRow | undefined> {
    const r = this.byHash.get(hashToken(token)) as Row | undefined;
    return r ? feedOf(r) : undefined;
  }

  async list(weddingId: string): Promise<FeedRow[]> {
    return (this.forWedding.all(weddingId) as Row[]).map(feedOf);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    return this.revokeRow.run(at, id).changes > 0;
  }

  async fetched(id: string, at: string): Promise<void> {
    this.touch.run(at, id);
  }
}
