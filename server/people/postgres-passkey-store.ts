import type pg from 'pg';
import { passkeyOf, type Passkey, type PasskeyStore } from './passkey-store.ts';

/**
 * Passkeys on PostgreSQL (schema/migrations/postgres/009_sign_in.sql), so a passkey registered
 * through one instance signs in through any: the same contract as SqlitePasskeyStore. A credential
 * id is registered once (its primary key; a second registration, on any instance, gets null).
 * Times are ms since the epoch, UTC (bigint columns, read back as numbers). Statements reject with
 * the pg error.
 */
export class PostgresPasskeyStore implements PasskeyStore {
  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now) {}

  async add(key: Omit<Passkey, 'createdAt' | 'lastUsedAt'>): Promise<Passkey | null> {
    const createdAt = this.now();
    const done = await this.pool.query(`INSERT INTO passkeys (id, person_id, public_key, counter, transports, device_type, backed_up, name, created_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
    [key.id, key.personId, Buffer.from(key.publicKey), key.counter, JSON.stringify(key.transports), key.deviceType, key.backedUp, key.name, createdAt]);
    return done.rowCount ? { ...key, createdAt, lastUsedAt: null } : null;
  }

  async get(id: string): Promise<Passkey | null> {
    const { rows } = await this.pool.query('SELECT * FROM passkeys WHERE id = $1', [id]);
    return rows[0] ? passkeyOf(rows[0] as Record<string, unknown>) : null;
  }

  async listFor(personId: string): Promise<Passkey[]> {
    // COLLATE "C": ties on created_at fall back to the id's bytes, as SQLite's BINARY collation orders them.
    const { rows } = await this.pool.query('SELECT * FROM passkeys WHERE person_id = $1 ORDER BY created_at, id COLLATE "C"', [personId]);
    return rows.map((r) => passkeyOf(r as Record<string, unknown>));
  }

  async used(id: string, counter: number, backedUp: boolean): Promise<void> {
    await this.pool.query('UPDATE passkeys SET counter = $1, backed_up = $2, last_used_at = $3 WHERE id = $4', [counter, backedUp, this.now(), id]);
  }

  async remove(personId: string, id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM passkeys WHERE id = $1 AND person_id = $2', [id, personId])).rowCount ?? 0) > 0;
  }

  /** Two instances spending one challenge at once: the primary key lets one INSERT in, the other gets false. */
  async spendChallenge(challenge: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    await this.pool.query('DELETE FROM passkey_challenges_spent WHERE expires_at <= $1', [now]);
    const done = await this.pool.query('INSERT INTO passkey_challenges_spent (challenge, expires_at) VALUES ($1, $2) ON CONFLICT (challenge) DO NOTHING', [challenge, now + ttlMs]);
    return (done.rowCount ?? 0) > 0;
  }
}
