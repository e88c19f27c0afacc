import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import { SESSION_IDLE_MS, liveSession, newSession, parseSessionCookie, secretHash, sessionOf, type Session, type SessionStore } from './session-store.ts';

/** The channel revocations are announced on (LISTEN/NOTIFY), so every instance closes the sockets of a revoked session. */
export const SESSIONS_REVOKED_CHANNEL = 'wedsync_sessions_revoked';
/** Ids per notification: NOTIFY payloads must stay under 8000 bytes, and an id is 24 characters. */
const IDS_PER_NOTIFY = 200;
/** How long to wait before listening again after the listening connection was lost, ms. */
const RELISTEN_MS = 1000;

/** bigints come back from pg as text: cast to numbers in SQL. */
const COLUMNS = `id, person_id, secret_hash, csrf_token, method, user_agent, ip, created_at::double precision AS created_at,
  last_seen_at::double precision AS last_seen_at, expires_at::double precision AS expires_at, revoked_at::double precision AS revoked_at`;

/**
 * Browser sessions on PostgreSQL (schema/migrations/postgres/008_sessions.sql), shared by every
 * instance: the same contract as SqliteSessionStore (a cookie `<session id>.<secret>`, only the
 * secret's SHA-256 stored, a sliding expiry written at most once a minute).
 *
 * Revocations reach every instance: a revocation commits with a `NOTIFY` on
 * SESSIONS_REVOKED_CHANNEL (sent only if the transaction commits), and each store LISTENs on its
 * own connection and announces the ids on `onRevoked`, so open sockets of a session revoked
 * through one instance are closed on all of them. A store announces its own revocations at once and
 * skips their notification. A lost listening connection is replaced (every RELISTEN_MS until it
 * works), and the revocations made meanwhile are then read from the table and announced.
 *
 * Statements reject with the pg error. Call `listen()` once before use, `close()` at shutdown.
 */
export class PostgresSessionStore implements SessionStore {
  private readonly events = new EventEmitter();
  /** Tells this store's notifications from other instances'. */
  private readonly origin = crypto.randomUUID();
  private listener: pg.PoolClient | null = null;
  /** The listen in progress or done (at most one listening connection). */
  private listening: Promise<void> | null = null;
  private relisten: NodeJS.Timeout | null = null;
  /** When (this store's clock, ms) the listening connection was last lost: revocations since then are read on re-listening. */
  private lostAt: number | null = null;
  private closed = false;

  /**
   * @param now ms since the epoch @param idleMs how long a session lives unused, ms
   * @param logger where a lost listening connection and a failing revocation listener are reported
   */
  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now, private readonly idleMs = SESSION_IDLE_MS,
    private readonly logger?: Pick<Logger, 'warn' | 'error'>) {}

  /**
   * Starts listening for other instances' revocations; resolves once listening. Calling it again
   * while listening (or while a listen runs) returns the same promise. If the connection is lost
   * later, the store listens again by itself (every RELISTEN_MS until it succeeds) and then
   * announces the revocations made meanwhile, read from the table.
   */
  listen(): Promise<void> {
    this.listening ??= this.startListening().catch((error: unknown) => { this.listening = null; throw error; });
    return this.listening;
  }

  private async startListening(): Promise<void> {
    const client = await this.pool.connect();
    if (this.closed) { client.release(); return; }
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.detach(client);
      this.listening = null;
      this.lostAt ??= this.now();
      this.logger?.warn({ err: error }, 'lost the connection listening for session revocations; listening again');
      this.scheduleRelisten();
    };
    client.on('notification', (n) => {
      if (this.closed || n.channel !== SESSIONS_REVOKED_CHANNEL || !n.payload) return;
      let ids: string[];
      try {
        const payload = JSON.parse(n.payload) as { from?: unknown; ids?: unknown };
        if (payload.from === this.origin || !Array.isArray(payload.ids)) return;
        ids = payload.ids.filter((id): id is string => typeof id === 'string');
      } catch {
        return; // Not ours: anyone who may NOTIFY could send it.
      }
      this.announce(ids);
    });
    client.on('error', lost);
    client.on('end', lost);
    this.listener = client;
    try {
      await client.query(`LISTEN ${SESSIONS_REVOKED_CHANNEL}`);
    } catch (error) {
      if (this.listener === client) this.detach(client);
      throw error;
    }
    void this.catchUp();
  }

  /**
   * Announces the sessions revoked since the listening connection was lost (less a minute for other
   * instances' clocks), missed while not listening. A failed read is tried again after RELISTEN_MS.
   */
  private async catchUp(): Promise<void> {
    const since = this.lostAt;
    if (since === null || this.closed) return;
    try {
      const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM sessions WHERE revoked_at >= $1', [since - 60_000]);
      if (this.lostAt === since) this.lostAt = null;
      this.announce(rows.map((r) => r.id));
    } catch (error) {
      this.logger?.warn({ err: error }, 'could not read the sessions revoked while not listening; trying again');
      setTimeout(() => void this.catchUp(), RELISTEN_MS).unref();
    }
  }

  /** Emits `revoked` for `ids`; a listener that throws is reported, not thrown into the database driver. */
  private announce(ids: string[]): void {
    if (ids.length === 0) return;
    try {
      this.events.emit('revoked', ids);
    } catch (error) {
      this.logger?.error({ err: error }, 'a session revocation listener threw');
    }
  }

  /** Gives the listening connection back, destroyed (it may be broken, or still listening), with our handlers off it. */
  private detach(client: pg.PoolClient): void {
    this.listener = null;
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    // An 'error' after this must not be thrown as an unhandled event.
    client.removeAllListeners('error');
    client.on('error', () => {});
    client.release(true);
  }

  /** Listens again after RELISTEN_MS, and again after each failure, until closed. */
  private scheduleRelisten(): void {
    if (this.closed || this.relisten) return;
    this.relisten = setTimeout(() => {
      this.relisten = null;
      this.listen().catch(() => this.scheduleRelisten());
    }, RELISTEN_MS);
    this.relisten.unref();
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
      `SELECT ${COLUMNS} FROM sessions WHERE person_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC, id`, [personId, this.now()]);
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
      for (let i = 0; i < revoked.length; i += IDS_PER_NOTIFY) {
        await client.query('SELECT pg_notify($1, $2)', [SESSIONS_REVOKED_CHANNEL, JSON.stringify({ from: this.origin, ids: revoked.slice(i, i + IDS_PER_NOTIFY) })]);
      }
      return revoked;
    });
    this.announce(ids);
    return ids;
  }

  onRevoked(listener: (sessionIds: string[]) => void): () => void {
    this.events.on('revoked', listener);
    return () => this.events.off('revoked', listener);
  }

  /** Stops listening (the connection is closed, not returned to the pool). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.relisten) clearTimeout(this.relisten);
    await this.listening?.catch(() => undefined);
    if (this.listener) this.detach(this.listener);
  }
}
