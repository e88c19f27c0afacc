import fs from 'node:fs';
import path from 'node:path';
import { createCredentialCipher, decodeKey, resolveCredentialsKey, type CredentialCipher } from '../bridge/credential-cipher.ts';
import type { Db } from './database.ts';
import { serverKey } from './server-keys.ts';

/**
 * The key-encryption key (KEK) seals everything secret in the database: integration credentials and
 * webhook secrets, secret configuration values, server keys. It comes from CREDENTIALS_KEY, else
 * DATA_DIR/credentials-key (generated on first start). See docs/operations.md, "Keys".
 */

export const KEY_FILE = 'credentials-key';
/** Where `wedsync keys rotate --generate` keeps the new key until the database is re-encrypted under it. */
export const NEXT_KEY_FILE = 'credentials-key.next';

/** A sealed random value whose only job is to tell whether a key is this database's KEK. */
export const CHECK_KEY = 'kek-check';

export class KeyError extends Error {
  override readonly name = 'KeyError';
  readonly code = 'wrong_key';
}

/** True when `cipher` opens this database's secrets (or the database has none yet, and the check value is made under it). */
export function opensDatabase(db: Db, cipher: CredentialCipher): boolean {
  try {
    const hasCheck = db.prepare('SELECT 1 FROM server_keys WHERE name = ?').pluck().get(CHECK_KEY) !== undefined;
    if (!hasCheck) {
      // A database from before the check value: its first sealed values tell.
      const row = db.prepare('SELECT id, webhook_secret_enc FROM integrations LIMIT 1')
        .get() as { id: string; webhook_secret_enc: string } | undefined;
      if (row) cipher.decrypt(row.webhook_secret_enc, row.id);
      const key = db.prepare('SELECT name, key FROM server_keys WHERE length(key) <> 32 LIMIT 1')
        .get() as { name: string; key: Buffer } | undefined;
      if (key) cipher.decrypt(key.key.toString('utf8'), `server_keys:${key.name}`);
    }
    serverKey(db, cipher, CHECK_KEY);
    return true;
  } catch (error) {
    // Storage trouble (a locked or unreadable database) is not a wrong key.
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_')) throw error;
    return false;
  }
}

/**
 * Whether anything in the database was sealed under a key: the check value or a sealed server key
 * (a plain 32-byte one, stored so by older versions, is sealed at the next start, not a sign of a
 * key), a connection's or an integration's secrets.
 */
function holdsSealedValues(db: Db): boolean {
  return db.prepare('SELECT 1 FROM server_keys WHERE length(key) <> 32 LIMIT 1').pluck().get() !== undefined
    || db.prepare('SELECT 1 FROM integrations LIMIT 1').pluck().get() !== undefined
    || db.prepare('SELECT 1 FROM connections LIMIT 1').pluck().get() !== undefined;
}

/**
 * The KEK's cipher for the server, checked against the database: a wrong key fails here, with a
 * message saying where the key came from, rather than as undecryptable credentials later.
 *
 * A rotation interrupted after its commit leaves the new key in `credentials-key.next` while the
 * database is already under it; that key then opens the database and is moved into place.
 *
 * @throws KeyError when neither the configured key nor an interrupted rotation's key opens the
 *   database, or when no key is configured or kept in DATA_DIR but the database holds sealed values
 */
export function openKeyEncryptionKey(db: Db, configured: string | undefined, dataDir: string): CredentialCipher {
  const file = path.join(dataDir, KEY_FILE);
  const next = path.join(dataDir, NEXT_KEY_FILE);
  const fromNext = (): CredentialCipher | null => {
    if (configured || !fs.existsSync(next)) return null;
    const nextCipher = createCredentialCipher(decodeKey(fs.readFileSync(next, 'utf8').trim(), next));
    if (!opensDatabase(db, nextCipher)) return null;
    fs.renameSync(next, file);
    return nextCipher;
  };
  // A database that already holds sealed values (a restored backup, a copied data directory) and no
  // key: a key generated now would open none of them, so none is generated, and the message says
  // which key is missing rather than blaming one made a moment ago.
  if (!configured && !fs.existsSync(file) && holdsSealedValues(db)) {
    const rotated = fromNext();
    if (rotated) return rotated;
    throw new KeyError(`${file} is missing, and this database holds secrets sealed under a key: put that key file back`
      + ' (a backup made without --with-keys leaves it out) or set CREDENTIALS_KEY');
  }
  const cipher = createCredentialCipher(resolveCredentialsKey(configured, dataDir));
  if (opensDatabase(db, cipher)) return cipher;
  const rotated = fromNext();
  if (rotated) return rotated;
  const source = configured ? 'CREDENTIALS_KEY' : file;
  throw new KeyError(`the key-encryption key from ${source} does not open the secrets in this database`
    + ' (wrong key? after `wedsync keys rotate`, start with the new key)');
}
