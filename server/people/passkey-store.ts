import type { Db } from '../storage/database.ts';
import { numberOrNull } from '../storage/row-values.ts';

/** One registered passkey (schema/migrations/019_passkeys.sql). Times in ms since the epoch, UTC. */
export interface Passkey {
  /** The WebAuthn credential id, base64url. */
  id: string;
  personId: string;
  /** The COSE public key. */
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

type Row = Record<string, unknown>;
/** A stored row as a Passkey; both backends' rows (SQLite's 0/1, PostgreSQL's boolean and bigint-as-double). */
export const passkeyOf = (r: Row): Passkey => ({
  id: r.id as string, personId: r.person_id as string, publicKey: new Uint8Array(r.public_key as Buffer), counter: Number(r.counter),
  transports: r.transports ? JSON.parse(r.transports as string) as string[] : [], deviceType: r.device_type as Passkey['deviceType'],
  backedUp: r.backed_up === 1 || r.backed_up === true, name: r.name as string, createdAt: Number(r.created_at),
  lastUsedAt: numberOrNull(r.last_used_at),
});

/**
 * A person's passkeys. A credential id is registered once, to one person. Both backends
 * (SqlitePasskeyStore here, PostgresPasskeyStore) keep this contract; times are ms since the epoch, UTC.
 */
export interface PasskeyStore {
  /** Registers a credential; null when its id is registered already (to anyone). */
  add(key: Omit<Passkey, 'createdAt' | 'lastUsedAt'>): Promise<Passkey | null>;
  get(id: string): Promise<Passkey | null>;
  /** A person's passkeys, oldest first. */
  listFor(personId: string): Promise<Passkey[]>;
  /** Records a sign-in: the authenticator's new counter and backup state. */
  used(id: string, counter: number, backedUp: boolean): Promise<void>;
  /** Removes one of a person's passkeys; false when it is not theirs. */
  remove(personId: string, id: string): Promise<boolean>;
  /**
   * Uses up a ceremony's challenge (base64url, as issued): true the first time, false when it was
   * spent before, here or (PostgreSQL) on any instance. It is remembered for `ttlMs` (ms), which must
   * cover the challenge's own lifetime; spent challenges past that are forgotten. W3C WebAuthn
   * Level 3 §13.4.3 (challenges used once).
   */
  spendChallenge(challenge: string, ttlMs: number): Promise<boolean>;
}

/** Passkeys on the embedded SQLite database. */
export class SqlitePasskeyStore implements PasskeyStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async add(key: Omit<Passkey, 'createdAt' | 'lastUsedAt'>): Promise<Passkey | null> {
    const createdAt = this.now();
    const done = this.db.prepare(`INSERT INTO passkeys (id, person_id, public_key, counter, transports, device_type, backed_up, name, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
      .run(key.id, key.personId, Buffer.from(key.publicKey), key.counter, JSON.stringify(key.transports), key.deviceType, key.backedUp ? 1 : 0, key.name, createdAt).changes > 0;
    return done ? { ...key, createdAt, lastUsedAt: null } : null;
  }

  async get(id: string): Promise<Passkey | null> {
    const row = this.db.prepare('SELECT * FROM passkeys WHERE id = ?').get(id) as Row | undefined;
    return row ? passkeyOf(row) : null;
  }

  async listFor(personId: string): Promise<Passkey[]> {
    return (this.db.prepare('SELECT * FROM passkeys WHERE person_id = ? ORDER BY created_at, id').all(personId) as Row[]).map(passkeyOf);
  }

  async used(id: string, counter: number, backedUp: boolean): Promise<void> {
    this.db.prepare('UPDATE passkeys SET counter = ?, backed_up = ?, last_used_at = ? WHERE id = ?').run(counter, backedUp ? 1 : 0, this.now(), id);
  }

  async remove(personId: string, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM passkeys WHERE id = ? AND person_id = ?').run(id, personId).changes > 0;
  }

  async spendChallenge(challenge: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM passkey_challenges_spent WHERE expires_at <= ?').run(now);
      return this.db.prepare('INSERT INTO passkey_challenges_spent (challenge, expires_at) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING')
        .run(challenge, now + ttlMs).changes > 0;
    })();
  }
}
