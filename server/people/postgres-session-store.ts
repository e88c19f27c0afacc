import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import { RevocationChannel } from '../storage/postgres/revocation-channel.ts';
import { SESSION_IDLE_MS, liveSession, newSession, parseSessionCookie, secretHash, sessionOf, type Session, type SessionStore } from './session-store.ts';

/** The channel revocations are announced on (LISTEN/NOTIFY), so every instance closes the sockets of a revoked session. */
export const SESSIONS_REVOKED_CHANNEL = 'wedsync_sessions_revoked';

/** bigints come back from pg as text: cast to numbers in SQL. */
const COLUMNS = `id, person_id, secret_hash, csrf_token, method, user_agent, ip, created_at::double precision AS created_at,
  last_seen_at::double precision AS last_seen_at, expires_at::double precision AS expires_at, revoked_at::double precision AS revoked_at`;

/**
 * Browser sessions on PostgreSQL (schema/migrations/postgres/008_sessions.sql), shared by every
 * instance: the same contract as SqliteSessionStore (a cookie `<session id>.<secret>`, only the
 * secret's SHA-256 stored, a sliding expiry written at most once a minute).
 *
 * Revocations reach every instance through a RevocationChannel on SESSIONS_REVOKED_CHANNEL: a
 * revocation commits with its `NOTIFY`, each store LISTENs on its own connection and announces the
 * ids on `onRevoked`, so open sockets of a session revoked through one instance are closed on all of
 * them; a lost listening connection is replaced and the revocations made meanwhile are announced.
 *
 * Statements reject with the pg error. Call `listen()` once before use, `close()` at shutdown.
 */
export class PostgresSessionStore implements SessionStore {
  private readonly channel: RevocationChannel;

  /**
   * @param now ms since the epoch @param idleMs how long a session lives unused, ms
   * @param logger where a lost listening connection and a failing revocation listener are reported
   */
  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now, private readonly idleMs = SESSION_IDLE_MS,
    logger?: Pick<Logger, 'warn' | 'error'>) {
    this.channel = new RevocationChannel(pool, {
      channel: SESSIONS_REVOKED_CHANNEL, what: 'session', now, logger,
      revokedSince: async (since) => (await pool.query<{ id: string }>('SELECT id FROM sessions WHERE revoked_at >= $1', [since])).rows.map((r) => r.id),
    });
  }

  /** Starts listening for other instances' revocations (RevocationChannel.listen). */
  listen(): Promise<void> {
    return this.channel.listen();
  }

  async create(input: { personId: string; method: string; userAgent?: string | null; ip?: string | null }): Promise<{ session: Session; cookieValue: string }> {
    const { session, secret } = newSession(input, this.now(), this.idleMs);
    await this.pool.query(
      `INSERT INTO sessions (id, person_id, secret_hash, csrf_token, method, user_agent, ip, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [session.id, session.personId, secretHash(secret), session.csrfToken, session.method, session.userAgent, session.ip, session.createdAt, session.lastSeenAt, session.expiresAt]);
    return { session, cookieValue: `${session.id}.${secret}` };
  }

  async authenticate(cookieValue: string | undefined | null): Promise<Session | null> {
    const cookie = parseSessionCookie(cookieValue);
    if (!cookie) return null;
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM sessions WHERE id = $1`, [cookie.id]);
    const live = liveSession(rows[0], cookie.secret, this.now(), this.idleMs);
    if (!live) return null;
    if (!live.touched) return live.session;
    // A revocation that raced this read wins (the session is refused), and an instance whose clock
    // is behind never moves last_seen_at back.
    const { rowCount } = await this.pool.query('UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3 AND revoked_at IS NULL AND last_seen_at < $1',
      [live.session.lastSeenAt, live.session.expiresAt, live.session.id]);
    if ((rowCount ?? 0) > 0) return live.session;
    return (await this.isActive(live.session.id)) ? this.get(live.session.id) : null;
  }

  async get(id: string): Promise<Session | null> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM sessions WHERE id = $1`, [id]);
    return rows[0] ? sessionOf(rows[0]) : null;
  }

  async isActive(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2', [id, this.now()]);
    return (rowCount ?? 0) > 0;
  }

  async listFor(personId: string): Promise<Session[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM sessions WHERE person_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC, id COLLATE "C"`, [personId, this.now()]);
    return rows.map(sessionOf);
  }

  async revoke(personId: string, sessionId: string): Promise<boolean> {
    const ids = await this.revokeWhere('id = $2 AND person_id = $3', [sessionId, personId]);
    return ids.length > 0;
  }

  async revokeAll(personId: string, exceptId?: string): Promise<string[]> {
    return this.revokeWhere('person_id = $2 AND id IS DISTINCT FROM $3', [personId, exceptId ?? null]);
  }

  /** Revokes the live sessions matching `where` ($1 is the time), announcing them with the commit. */
  private async revokeWhere(where: string, params: unknown[]): Promise<string[]> {
    const ids = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(`UPDATE sessions SET revoked_at = $1 WHERE ${where} AND revoked_at IS NULL RETURNING id`, [this.now(), ...params]);
      const revoked = rows.map((r) => r.id);
      await this.channel.notify(client, revoked);
      return revoked;
    });
    this.channel.announce(ids);
    return ids;
  }

  onRevoked(listener: (sessionIds: string[]) => void): () => void {
    return this.channel.onRevoked(listener);
  }

  /** Stops listening (the connection is closed, not returned to the pool). */
  async close(): Promise<void> {
    await this.channel.close();
  }
}
