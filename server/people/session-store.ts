import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Db } from '../storage/database.ts';
import { newId } from './people-rows.ts';

/** One browser session (schema/migrations/015_people.sql `sessions`). Times in ms since the epoch, UTC. */
export interface Session {
  id: string;
  personId: string;
  /** Sent back by the browser in `X-CSRF-Token` on every cookie-authenticated write. */
  csrfToken: string;
  /** How the person signed in: `email_link`, `oidc:google`, `oidc:microsoft`, `invitation`, `passkey`. */
  method: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** How long a session lives without being used (sliding), in ms: 30 days. */
export const SESSION_IDLE_MS = 30 * 86_400_000;
/** `last_seen_at` is written at most this often per session, in ms. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Browser sessions. The cookie value is `<session id>.<secret>` (secret: 32 random bytes,
 * base64url); only the secret's SHA-256 is stored, so a copy of the database opens no session.
 * Revocations are announced on `revoked` (listeners get the session ids) so open sockets can be closed.
 */
export interface SessionStore {
  create(input: { personId: string; method: string; userAgent?: string | null; ip?: string | null }): Promise<{ session: Session; cookieValue: string }>;
  /** The live session a cookie value names, or null (unknown, wrong secret, expired or revoked). Slides the expiry. */
  authenticate(cookieValue: string | undefined | null): Promise<Session | null>;
  get(id: string): Promise<Session | null>;
  /** True when the session exists, is not revoked and not expired. */
  isActive(id: string): Promise<boolean>;
  listFor(personId: string): Promise<Session[]>;
  /** Revokes one session of a person; false when it is not theirs or already revoked. */
  revoke(personId: string, sessionId: string): Promise<boolean>;
  /** Revokes every live session of a person except `exceptId`; returns the revoked ids. */
  revokeAll(personId: string, exceptId?: string): Promise<string[]>;
  onRevoked(listener: (sessionIds: string[]) => void): () => void;
}

type Row = Record<string, unknown>;
/** A `sessions` row (either backend; numbers as numbers) as a Session. */
export const sessionOf = (r: Row): Session => ({
  id: r.id as string, personId: r.person_id as string, csrfToken: r.csrf_token as string, method: r.method as string,
  userAgent: (r.user_agent as string | null) ?? null, ip: (r.ip as string | null) ?? null, createdAt: r.created_at as number,
  lastSeenAt: r.last_seen_at as number, expiresAt: r.expires_at as number, revokedAt: (r.revoked_at as number | null) ?? null,
});
/** SHA-256 of a cookie's secret part: all that is stored of it. */
export const secretHash = (secret: string): Buffer => crypto.createHash('sha256').update(secret).digest();

/** A new session for `input` at `at` (ms), live for `idleMs`, and the secret its cookie carries. */
export function newSession(input: { personId: string; method: string; userAgent?: string | null; ip?: string | null }, at: number, idleMs: number): { session: Session; secret: string } {
  return {
    secret: crypto.randomBytes(32).toString('base64url'),
    session: {
      id: newId('ses'), personId: input.personId, csrfToken: crypto.randomBytes(24).toString('base64url'), method: input.method,
      userAgent: input.userAgent?.slice(0, 300) ?? null, ip: input.ip ?? null, createdAt: at, lastSeenAt: at, expiresAt: at + idleMs, revokedAt: null,
    },
  };
}

/** The session id and secret a cookie value names, or null when it is not shaped like one. */
export function parseSessionCookie(cookieValue: string | undefined | null): { id: string; secret: string } | null {
  const m = cookieValue ? /^(ses_[A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{43})$/.exec(cookieValue) : null;
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/**
 * The live session `row` is for the cookie's `secret` at `at` (ms), or null (wrong secret, expired,
 * revoked); `touched` says its expiry slid (last_seen_at and expires_at are to be written).
 */
export function liveSession(row: Row | undefined, secret: string, at: number, idleMs: number): { session: Session; touched: boolean } | null {
  if (!row || !crypto.timingSafeEqual(row.secret_hash as Buffer, secretHash(secret))) return null;
  const session = sessionOf(row);
  if (session.revokedAt !== null || session.expiresAt <= at) return null;
  if (at - session.lastSeenAt < TOUCH_EVERY_MS) return { session, touched: false };
  session.lastSeenAt = at;
  session.expiresAt = at + idleMs;
  return { session, touched: true };
}

/**
 * A session's sign-out token, `<session id>.<base64url SHA-256 of a label and the CSRF token>`: it
 * can revoke that one session (POST /api/auth/sign-out/deferred) and do nothing else. A device that
 * signs out offline keeps it until the server is reachable (docs/auth.md "Signing out offline"),
 * instead of the cookie and CSRF token, which together open everything. Derived, not stored: the
 * CSRF token is 24 random bytes, so the hash can neither be guessed nor turned back into it.
 */
export function signOutTokenOf(session: Pick<Session, 'id' | 'csrfToken'>): string {
  return `${session.id}.${crypto.createHash('sha256').update(`wedsync sign-out\n${session.csrfToken}`).digest('base64url')}`;
}

/** The session id a sign-out token names, or null when it is not shaped like one. */
export function sessionIdOfSignOutToken(token: string): string | null {
  return /^(ses_[A-Za-z0-9_-]{20})\.[A-Za-z0-9_-]{43}$/.exec(token)?.[1] ?? null;
}

/** True when `token` is `session`'s sign-out token (compared in constant time). */
export function isSignOutTokenOf(session: Pick<Session, 'id' | 'csrfToken'>, token: string): boolean {
  const expected = Buffer.from(signOutTokenOf(session));
  const sent = Buffer.from(token);
  return sent.length === expected.length && crypto.timingSafeEqual(sent, expected);
}

export class SqliteSessionStore implements SessionStore {
  private readonly events = new EventEmitter();

  constructor(private readonly db: Db, private readonly now: () => number = Date.now, private readonly idleMs = SESSION_IDLE_MS) {}

  async create(input: { personId: string; method: string; userAgent?: string | null; ip?: string | null }): Promise<{ session: Session; cookieValue: string }> {
    const { session, secret } = newSession(input, this.now(), this.idleMs);
    this.db.prepare(`INSERT INTO sessions (id, person_id, secret_hash, csrf_token, method, user_agent, ip, created_at, last_seen_at, expires_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(session.id, session.personId, secretHash(secret), session.csrfToken, session.method, session.userAgent, session.ip, session.createdAt, session.lastSeenAt, session.expiresAt);
    return { session, cookieValue: `${session.id}.${secret}` };
  }

  async authenticate(cookieValue: string | undefined | null): Promise<Session | null> {
    const cookie = parseSessionCookie(cookieValue);
    if (!cookie) return null;
    const live = liveSession(this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(cookie.id) as Row | undefined, cookie.secret, this.now(), this.idleMs);
    if (live?.touched) this.db.prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?').run(live.session.lastSeenAt, live.session.expiresAt, live.session.id);
    return live?.session ?? null;
  }

  async get(id: string): Promise<Session | null> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? sessionOf(row) : null;
  }

  async isActive(id: string): Promise<boolean> {
    const row = this.db.prepare('SELECT revoked_at, expires_at FROM sessions WHERE id = ?').get(id) as { revoked_at: number | null; expires_at: number } | undefined;
    return !!row && row.revoked_at === null && row.expires_at > this.now();
  }

  async listFor(personId: string): Promise<Session[]> {
    const rows = this.db.prepare('SELECT * FROM sessions WHERE person_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY last_seen_at DESC, created_at DESC, id').all(personId, this.now()) as Row[];
    return rows.map(sessionOf);
  }

  async revoke(personId: string, sessionId: string): Promise<boolean> {
    const done = this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND person_id = ? AND revoked_at IS NULL').run(this.now(), sessionId, personId).changes > 0;
    if (done) this.events.emit('revoked', [sessionId]);
    return done;
  }

  async revokeAll(personId: string, exceptId?: string): Promise<string[]> {
    const ids = this.db.prepare('SELECT id FROM sessions WHERE person_id = ? AND revoked_at IS NULL AND id IS NOT ?').pluck().all(personId, exceptId ?? null) as string[];
    if (ids.length === 0) return [];
    const at = this.now();
    const stmt = this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ?');
    this.db.transaction(() => { for (const id of ids) stmt.run(at, id); })();
    this.events.emit('revoked', ids);
    return ids;
  }

  onRevoked(listener: (sessionIds: string[]) => void): () => void {
    this.events.on('revoked', listener);
    return () => this.events.off('revoked', listener);
  }
}
