import crypto from 'node:crypto';
import type { CredentialCipher } from '../bridge/credential-cipher.ts';
import type { Db } from './database.ts';
import { scrubbed } from './scrub.ts';

/** A key as earlier versions stored it: 32 raw bytes, in plain text. */
const PLAIN_KEY_BYTES = 32;

/**
 * Keys the server makes for itself (e.g. the HMAC key of acknowledgement links), kept in
 * `server_keys` sealed with the key-encryption key (CREDENTIALS_KEY, AES-256-GCM, bound to the
 * key's name), so a copy of the database alone does not let anyone forge what they sign.
 * A plain key left by an earlier version is sealed in place the first time it is read.
 *
 * @returns the 32-byte key named `name`, created on first use.
 */
export function serverKey(db: Db, cipher: CredentialCipher, name: string): Buffer {
  const bound = `server_keys:${name}`;
  const fresh = crypto.randomBytes(PLAIN_KEY_BYTES);
  db.prepare('INSERT OR IGNORE INTO server_keys (name, key, created_at) VALUES (?, ?, ?)')
    .run(name, Buffer.from(cipher.encrypt(fresh.toString('base64'), bound)), new Date().toISOString());
  const stored = db.prepare('SELECT key FROM server_keys WHERE name = ?').pluck().get(name) as Buffer;
  if (stored.length === PLAIN_KEY_BYTES) {
    const seal = () => db.prepare('UPDATE server_keys SET key = ? WHERE name = ?').run(Buffer.from(cipher.encrypt(stored.toString('base64'), bound)), name);
    // Scrubbed, so the plain key does not stay readable in free pages or the WAL.
    if (db.inTransaction) seal(); else scrubbed(db, seal);
    return stored;
  }
  return Buffer.from(cipher.decrypt(stored.toString('utf8'), bound), 'base64');
}
