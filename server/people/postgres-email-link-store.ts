import type pg from 'pg';
import {
  EMAIL_LINK_KEEP_MS, EMAIL_LINK_TTL_MS, additionOf, linkRefusal, linkSecretHash, linkTokenParts, newLinkToken, peekOf,
  type EmailLinkAddition, type EmailLinkPeek, type EmailLinkRedemption, type EmailLinkRequest, type EmailLinkStore,
} from './email-link-store.ts';

/**
 * E-mailed sign-in links on PostgreSQL (schema/migrations/postgres/009_sign_in.sql), so a link
 * sent by one instance signs in on any: the same contract as SqliteEmailLinkStore. A link is
 * redeemed at most once across instances: the row is marked used by one conditional UPDATE, which
 * PostgreSQL re-checks on the locked row, so of two clicks racing through two instances one wins.
 * Times are ms since the epoch, UTC. Statements reject with the pg error.
 */
export class PostgresEmailLinkStore implements EmailLinkStore {
  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now, private readonly ttlMs = EMAIL_LINK_TTL_MS) {}

  async issue(input: EmailLinkRequest): Promise<{ token: string; expiresAt: number }> {
    const { id, secret, token } = newLinkToken();
    const at = this.now();
    const expiresAt = at + this.ttlMs;
    await this.pool.query('INSERT INTO email_link_tokens (id, email, secret_hash, redirect, ip, created_at, expires_at, person_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [id, input.email.trim().toLowerCase(), linkSecretHash(secret), input.redirect, input.ip ?? null, at, expiresAt, input.personId ?? null]);
    return { token, expiresAt };
  }

  async addition(token: string | undefined | null): Promise<EmailLinkAddition | null> {
    return additionOf(await this.peek(token));
  }

  async peek(token: string | undefined | null): Promise<EmailLinkPeek | null> {
    const parts = linkTokenParts(token);
    if (!parts) return null;
    const { rows: [row] } = await this.pool.query<{ email: string; secret_hash: Buffer; redirect: string; expires_at: number; used_at: number | null; person_id: string | null }>(
      `SELECT email, secret_hash, redirect, expires_at::double precision AS expires_at, used_at::double precision AS used_at, person_id
       FROM email_link_tokens WHERE id = $1`, [parts.id]);
    return row ? peekOf({ email: row.email, secretHash: row.secret_hash, redirect: row.redirect, expiresAt: row.expires_at, usedAt: row.used_at }, row.person_id, parts.secret, this.now()) : null;
  }

  async redeem(token: string | undefined | null): Promise<EmailLinkRedemption> {
    const parts = linkTokenParts(token);
    if (!parts) return { ok: false, code: 'link_invalid' };
    const { rows } = await this.pool.query<{ email: string; secret_hash: Buffer; redirect: string; expires_at: number; used_at: number | null; person_id: string | null }>(
      `SELECT email, secret_hash, redirect, expires_at::double precision AS expires_at, used_at::double precision AS used_at, person_id
       FROM email_link_tokens WHERE id = $1`, [parts.id]);
    const row = rows[0];
    const at = this.now();
    const refusal = linkRefusal(row && { email: row.email, secretHash: row.secret_hash, redirect: row.redirect, expiresAt: row.expires_at, usedAt: row.used_at }, parts.secret, at);
    if (refusal) return { ok: false, code: refusal };
    const marked = await this.pool.query('UPDATE email_link_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1', [at, parts.id]);
    if (marked.rowCount === 0) return { ok: false, code: 'link_used' };
    return { ok: true, email: row!.email, redirect: row!.redirect, personId: row!.person_id };
  }

  async prune(): Promise<number> {
    return (await this.pool.query('DELETE FROM email_link_tokens WHERE expires_at < $1', [this.now() - EMAIL_LINK_KEEP_MS])).rowCount ?? 0;
  }
}
