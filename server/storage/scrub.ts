import type { Db } from './database.ts';

/**
 * Runs `write` in one transaction so that the bytes it replaces do not linger on disk: SQLite leaves
 * deleted and overwritten content in free space and in the WAL until they are reused, so a secret
 * taken out of a row (sealed, or re-sealed under a new key) would still be readable in the file.
 * `secure_delete` zeroes what the transaction frees; the TRUNCATE checkpoint then copies the new
 * pages into the database file and empties the WAL, old frames included.
 *
 * Costly (a checkpoint, zeroed pages), so only for the rare rewrites of secrets.
 */
export function scrubbed<T>(db: Db, write: () => T, options: { exclusive?: boolean } = {}): T {
  const before = db.pragma('secure_delete', { simple: true }) as number;
  db.pragma('secure_delete = ON');
  try {
    const transaction = db.transaction(write);
    const result = options.exclusive ? transaction.exclusive() : transaction();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return result;
  } finally {
    db.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
  }
}
