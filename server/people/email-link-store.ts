import crypto from 'node:crypto';
import type { Db } from '../storage/database.ts';

/** How long an e-mailed sign-in link stays valid, in ms: 15 minutes. */
export const EMAIL_LINK_TTL_MS = 15 * 60_000;

/** Why a link does not sign in (`/?signin_error=<code>`). */
export const EMAIL_LINK_ERRORS = ['link_invalid', 'link_used', 'link_expired'] as const;
export type EmailLinkError = (typeof EMAIL_LINK_ERRORS)[number];

export type EmailLinkRedemption = { ok: true; email: string; redirect: string } | { ok: false; code: EmailLinkError };

/**
 * Passwordless sign-in links (schema/migrations/017_sign_in.sql `email_link_tokens`). The token in
 * the link is `<id>.<secret>` (secret: 32 random bytes, base64url); only the secret's SHA-256 is
 * stored, so a copy of the database signs nobody in. A link is redeemed at most once: the row is
 * marked used by the same statement that checks it is unused and unexpired.
 */
export interface EmailLinkStore {
  /** Records a link for `email` and returns the token to put in it. */
  issue(input: { email: string; redirect: string; ip?: string | null }): Promise<{ token: string; expiresAt: number }>;
  /** Marks the link used and returns its address and redirect, or why it cannot be used. */
  redeem(token: string | undefined | null): Promise<EmailLinkRedemption>;
  /** Deletes links that expired more than a day ago; returns how many. */
  prune(): Promise<number>;
}

const hash = (secret: string): Buffer => crypto.createHash('sha256').update(secret).digest();
const TOKEN = /^(eml_[A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{43})$/;

export class SqliteEmailLinkStore implements EmailLinkStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now, private readonly ttlMs = EMAIL_LINK_TTL_MS) {}

  async issue(input: { email: string; redirect: string; ip?: string | null }): Promise<{ token: string; expiresAt: number }> {
    const id = `eml_${crypto.randomBytes(15).toString('base64url')}`;
    const secret = crypto.randomBytes(32).toString('base64url');
    const at = this.now();
    const expiresAt = at + this.ttlMs;
    this.db.prepare('INSERT INTO email_link_tokens (id, email, secret_hash, redirect, ip, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.email.trim().toLowerCase(), hash(secret), input.redirect, input.ip ?? null, at, expiresAt);
    return { token: `${id}.${secret}`, expiresAt };
  }

  async redeem(token: string | undefined | null): Promise<EmailLinkRedemption> {
    const m = token ? TOKEN.exec(token) : null;
    if (!m) return { ok: false, code: 'link_invalid' };
    const row = this.db.prepare('SELECT email, secret_hash, redirect, expires_at, used_at FROM email_link_tokens WHERE id = ?').get(m[1]) as
      { email: string; secret_hash: Buffer; redirect: string; expires_at: number; used_at: number | null } | undefined;
    if (!row || !crypto.timingSafeEqual(row.secret_hash, hash(m[2]!))) return { ok: false, code: 'link_invalid' };
    if (row.used_at !== null) return { ok: false, code: 'link_used' };
    const at = this.now();
    if (row.expires_at <= at) return { ok: false, code: 'link_expired' };
    // Check and mark in one statement: two clicks racing each other sign in once.
    const marked = this.db.prepare('UPDATE email_link_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?').run(at, m[1], at).changes;
    if (marked === 0) return { ok: false, code: 'link_used' };
    return { ok: true, email: row.email, redirect: row.redirect };
  }

  async prune(): Promise<number> {
    return this.db.prepare('DELETE FROM email_link_tokens WHERE expires_at < ?').run(this.now() - 86_400_000).changes;
  }
}
