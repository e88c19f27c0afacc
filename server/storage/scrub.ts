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
    truncateWal(db);
    return result;
  } finally {
    db.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
  }
}

/**
 * Copies the WAL into the database file and empties it (a TRUNCATE checkpoint), so the old frames
 * are gone from disk. The checkpoint worker (wal-checkpointer.ts) may hold the checkpoint lock for a
 * moment, and then SQLite answers busy at once instead of waiting: retried every 2 ms for up to
 * `timeoutMs`. Returns false if the WAL could still not be emptied (as before: best effort).
 */
export function truncateWal(db: Db, timeoutMs = 2000): boolean {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (!row || row.busy === 0) return true;
    if (Date.now() > deadline) return false;
    Atomics.wait(pause, 0, 0, 2);
  }
}
