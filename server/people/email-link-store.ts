import crypto from 'node:crypto';
import type { Db } from '../storage/database.ts';

/** How long an e-mailed sign-in link stays valid, in ms: 15 minutes. */
export const EMAIL_LINK_TTL_MS = 15 * 60_000;

/** Why a link does not sign in (`/?signin_error=<code>`). */
export const EMAIL_LINK_ERRORS = ['link_invalid', 'link_used', 'link_expired'] as const;
export type EmailLinkError = (typeof EMAIL_LINK_ERRORS)[number];

/** A link adding `email` to person `personId`, and why it cannot be used now (null when it can). */
export interface EmailLinkAddition { personId: string; email: string; refusal: EmailLinkError | null }

/** Any link read without using it up: its address, the person it adds the address to (null for a sign-in link), and why it cannot be used now (null when it can). */
export interface EmailLinkPeek { email: string; personId: string | null; refusal: EmailLinkError | null }

/** A redeemed link: its address, where to land, and the person it adds the address to (null for a sign-in link). */
export type EmailLinkRedemption = { ok: true; email: string; redirect: string; personId: string | null } | { ok: false; code: EmailLinkError };

/** What a link is issued for: an address, the app path to land on, and (to add the address to a person with none) that person. */
export interface EmailLinkRequest { email: string; redirect: string; ip?: string | null; personId?: string }

/**
 * Passwordless sign-in links (schema/migrations/017_sign_in.sql `email_link_tokens`). The token in
 * the link is `<id>.<secret>` (secret: 32 random bytes, base64url); only the secret's SHA-256 is
 * stored, so a copy of the database signs nobody in. A link is redeemed at most once: the row is
 * marked used by the same statement that checks it is unused and unexpired.
 */
export interface EmailLinkStore {
  /** Records a link for `email` and returns the token to put in it. */
  issue(input: EmailLinkRequest): Promise<{ token: string; expiresAt: number }>;
  /**
   * What a link adding an address (POST /api/me/email) would add, and to whom, read without using
   * it up, with why it can no longer be used (`refusal`); null for a sign-in link, or a token that
   * is not a link this store issued.
   */
  addition(token: string | undefined | null): Promise<EmailLinkAddition | null>;
  /**
   * Any link this store issued, read without using it up (the sign-in callback asks before a link
   * would replace a session that has no way back in); null for a token that is not one.
   */
  peek(token: string | undefined | null): Promise<EmailLinkPeek | null>;
  /** Marks the link used and returns its address and redirect, or why it cannot be used. */
  redeem(token: string | undefined | null): Promise<EmailLinkRedemption>;
  /** Deletes links that expired more than a day ago; returns how many. */
  prune(): Promise<number>;
}

/** SHA-256 of a link's secret part: what both backends store. */
export const linkSecretHash = (secret: string): Buffer => crypto.createHash('sha256').update(secret).digest();
const TOKEN = /^(eml_[A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{43})$/;

/** A new link's id and secret (token `<id>.<secret>`). */
export function newLinkToken(): { id: string; secret: string; token: string } {
  const id = `eml_${crypto.randomBytes(15).toString('base64url')}`;
  const secret = crypto.randomBytes(32).toString('base64url');
  return { id, secret, token: `${id}.${secret}` };
}

/** A token's id and secret, or null when it is not shaped like one. */
export function linkTokenParts(token: string | undefined | null): { id: string; secret: string } | null {
  const m = token ? TOKEN.exec(token) : null;
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/** A stored link as both backends read it, before the conditional mark. */
export interface StoredLink { email: string; secretHash: Buffer; redirect: string; expiresAt: number; usedAt: number | null }

/** Why a stored link cannot be redeemed at `at` with `secret`, or null when it can (the mark still has to win). */
export function linkRefusal(row: StoredLink | undefined, secret: string, at: number): EmailLinkError | null {
  if (!row || !crypto.timingSafeEqual(row.secretHash, linkSecretHash(secret))) return 'link_invalid';
  if (row.usedAt !== null) return 'link_used';
  if (row.expiresAt <= at) return 'link_expired';
  return null;
}

/** What a stored link is, or null when its secret is wrong. */
export function peekOf(row: StoredLink, personId: string | null, secret: string, at: number): EmailLinkPeek | null {
  const refusal = linkRefusal(row, secret, at);
  return refusal === 'link_invalid' ? null : { email: row.email, personId, refusal };
}

/** The addition a link makes, or null when it is a sign-in link (or not a link). */
export function additionOf(peek: EmailLinkPeek | null): EmailLinkAddition | null {
  return peek?.personId ? { personId: peek.personId, email: peek.email, refusal: peek.refusal } : null;
}

/** Links that expired more than this long ago are pruned, ms: one day. */
export const EMAIL_LINK_KEEP_MS = 86_400_000;

/** E-mail links on the embedded SQLite database. */
export class SqliteEmailLinkStore implements EmailLinkStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now, private readonly ttlMs = EMAIL_LINK_TTL_MS) {}

  async issue(input: EmailLinkRequest): Promise<{ token: string; expiresAt: number }> {
    const { id, secret, token } = newLinkToken();
    const at = this.now();
    const expiresAt = at + this.ttlMs;
    this.db.prepare('INSERT INTO email_link_tokens (id, email, secret_hash, redirect, ip, created_at, expires_at, person_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.email.trim().toLowerCase(), linkSecretHash(secret), input.redirect, input.ip ?? null, at, expiresAt, input.personId ?? null);
    return { token, expiresAt };
  }

  async addition(token: string | undefined | null): Promise<EmailLinkAddition | null> {
    return additionOf(await this.peek(token));
  }

  async peek(token: string | undefined | null): Promise<EmailLinkPeek | null> {
    const parts = linkTokenParts(token);
    const row = parts && this.db.prepare('SELECT email, secret_hash, redirect, expires_at, used_at, person_id FROM email_link_tokens WHERE id = ?').get(parts.id) as
      { email: string; secret_hash: Buffer; redirect: string; expires_at: number; used_at: number | null; person_id: string | null } | undefined;
    return parts && row ? peekOf({ email: row.email, secretHash: row.secret_hash, redirect: row.redirect, expiresAt: row.expires_at, usedAt: row.used_at }, row.person_id, parts.secret, this.now()) : null;
  }

  async redeem(token: string | undefined | null): Promise<EmailLinkRedemption> {
    const parts = linkTokenParts(token);
    if (!parts) return { ok: false, code: 'link_invalid' };
    const row = this.db.prepare('SELECT email, secret_hash, redirect, expires_at, used_at, person_id FROM email_link_tokens WHERE id = ?').get(parts.id) as
      { email: string; secret_hash: Buffer; redirect: string; expires_at: number; used_at: number | null; person_id: string | null } | undefined;
    const at = this.now();
    const refusal = linkRefusal(row && { email: row.email, secretHash: row.secret_hash, redirect: row.redirect, expiresAt: row.expires_at, usedAt: row.used_at }, parts.secret, at);
    if (refusal) return { ok: false, code: refusal };
    // Check and mark in one statement: two clicks racing each other sign in once.
    const marked = this.db.prepare('UPDATE email_link_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?').run(at, parts.id, at).changes;
    if (marked === 0) return { ok: false, code: 'link_used' };
    return { ok: true, email: row!.email, redirect: row!.redirect, personId: row!.person_id };
  }

  async prune(): Promise<number> {
    return this.db.prepare('DELETE FROM email_link_tokens WHERE expires_at < ?').run(this.now() - EMAIL_LINK_KEEP_MS).changes;
  }
}
