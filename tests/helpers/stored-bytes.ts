import fs from 'node:fs';
import path from 'node:path';
import type { TestServer } from './test-server.ts';
import { recordUse } from './backend-uses.ts';
import { onPostgresBackend, serverSql } from './test-backend.ts';

/** One place a test server's storage holds bytes: a file, or a column of a row. */
export interface StoredBytes {
  /** `wedsync.sqlite-wal`, or `table.column` on PostgreSQL. */
  where: string;
  bytes: Buffer;
}

/**
 * Everything a test server's storage holds, as bytes, for scans that prove something is gone (an
 * erased person) or never written (a secret). SQLite: the database file, its WAL and its
 * shared-memory index, byte for byte (free pages included). PostgreSQL: every column of every row
 * of every table of the server's database, binary ones (document states, update logs, snapshots)
 * byte for byte and the rest as text; dead row versions wait for VACUUM there, as free pages do in
 * SQLite, so the rows are what is read. Works after the server closed (its database is kept until
 * its data directory is removed).
 */
export async function storedBytes(t: Pick<TestServer, 'server' | 'dataDir'>): Promise<StoredBytes[]> {
  recordUse('follows-backend');
  const out: StoredBytes[] = [];
  if (!onPostgresBackend) {
    for (const name of ['wedsync.sqlite', 'wedsync.sqlite-wal', 'wedsync.sqlite-shm']) {
      const file = path.join(t.dataDir, name);
      if (fs.existsSync(file)) out.push({ where: name, bytes: fs.readFileSync(file) });
    }
    return out;
  }
  const sql = serverSql(t.server);
  const tables = await sql.values<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
  for (const table of tables) {
    for (const row of await sql.rows(`SELECT * FROM "${table}"`)) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        out.push({ where: `${table}.${column}`, bytes: Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) });
      }
    }
  }
  return out;
}
