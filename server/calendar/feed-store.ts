import crypto from 'node:crypto';
import type { FeedSummary } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';

export type FeedRow = FeedSummary;

interface Row {
  id: string; wedding_id: string; vendor_id: string | null; token_hash: string; label: string | null; created_at: string; created_by: string;
  revoked_at: string | null; last_fetched_at: string | null;
}

const toFeed = (r: Row): FeedRow => ({
  feedId: r.id, weddingId: r.wedding_id, vendorId: r.vendor_id, label: r.label, createdAt: r.created_at, createdBy: r.created_by,
  revokedAt: r.revoked_at, lastFetchedAt: r.last_fetched_at,
});

/** The secret in a feed URL: 192 random bits. Only its SHA-256 is stored, so a database leak leaks no URL. */
export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** ICS feed tokens: made, listed, looked up by token, revoked. */
export class FeedStore {
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

  create(f: { weddingId: string; vendorId: string | null; label: string | null; createdBy: string; at: string }): { feed: FeedRow; token: string } {
    const token = `wsf_${crypto.randomBytes(24).toString('base64url')}`;
    const id = `feed_${crypto.randomBytes(9).toString('base64url')}`;
    this.insert.run({ id, wedding_id: f.weddingId, vendor_id: f.vendorId, token_hash: hashToken(token), label: f.label, created_at: f.at, created_by: f.createdBy });
    return { feed: this.get(id)!, token };
  }

  get(id: string): FeedRow | undefined {
    const r = this.byId.get(id) as Row | undefined;
    return r ? toFeed(r) : undefined;
  }

  /** The live feed a token opens; undefined for unknown and revoked tokens alike. */
  byToken(token: string): FeedRow | undefined {
    const r = this.byHash.get(hashToken(token)) as Row | undefined;
    return r ? toFeed(r) : undefined;
  }

  list(weddingId: string): FeedRow[] {
    return (this.forWedding.all(weddingId) as Row[]).map(toFeed);
  }

  revoke(id: string, at: string): boolean {
    return this.revokeRow.run(at, id).changes > 0;
  }

  fetched(id: string, at: string): void {
    this.touch.run(at, id);
  }
}
