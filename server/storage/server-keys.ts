import crypto from 'node:crypto';
import type { CredentialCipher } from '../bridge/credential-cipher.ts';
import type { Db } from './database.ts';
import { scrubbed } from './scrub.ts';

/** A key as earlier versions stored it: 32 raw bytes, in plain text. */
const PLAIN_KEY_BYTES = 32;

/** What binds a sealed server key to its name (AES-GCM associated data). */
export const serverKeyBinding = (name: string) => `server_keys:${name}`;

/** A new 32-byte server key and its sealed form, as stored (the sealed text's UTF-8 bytes). */
export function newSealedServerKey(cipher: CredentialCipher, name: string): Buffer {
  return Buffer.from(cipher.encrypt(crypto.randomBytes(PLAIN_KEY_BYTES).toString('base64'), serverKeyBinding(name)));
}

/** The 32-byte key from its stored, sealed form. Throws when `cipher` is not the key it was sealed with. */
export function openSealedServerKey(cipher: CredentialCipher, name: string, stored: Buffer): Buffer {
  return Buffer.from(cipher.decrypt(stored.toString('utf8'), serverKeyBinding(name)), 'base64');
}

/**
 * Keys the server makes for itself (e.g. the HMAC key of acknowledgement links), kept in
 * `server_keys` sealed with the key-encryption key (CREDENTIALS_KEY, AES-256-GCM, bound to the
 * key's name), so a copy of the database alone does not let anyone forge what they sign.
 * A plain key left by an earlier version is sealed in place the first time it is read.
 *
 * @returns the 32-byte key named `name`, created on first use.
 */
export function serverKey(db: Db, cipher: CredentialCipher, name: string): Buffer {
  const bound = serverKeyBinding(name);
  db.prepare('INSERT OR IGNORE INTO server_keys (name, key, created_at) VALUES (?, ?, ?)')
    .run(name, newSealedServerKey(cipher, name), new Date().toISOString());
  const stored = db.prepare('SELECT key FROM server_keys WHERE name = ?').pluck().get(name) as Buffer;
  if (stored.length === PLAIN_KEY_BYTES) {
    const seal = () => db.prepare('UPDATE server_keys SET key = ? WHERE name = ?').run(Buffer.from(cipher.encrypt(stored.toString('base64'), bound)), name);
    // Scrubbed, so the plain key does not stay readable in free pages or the WAL.
    if (db.inTransaction) seal(); else scrubbed(db, seal);
    return stored;
  }
  return openSealedServerKey(cipher, name, stored);
}
