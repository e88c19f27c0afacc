import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ensurePrivateDir, ensurePrivateFile, narrowIfPresent } from './private-files.ts';

export type Db = Database.Database;

const MIGRATIONS_DIR = fileURLToPath(new URL('../../schema/migrations/', import.meta.url));

export interface OpenOptions {
  /** `normal` survives a killed process (WAL); `full` also survives power loss. */
  synchronous: 'normal' | 'full';
}

/**
 * Opens (creating if needed) the SQLite database in `dataDir`, in WAL mode, with every migration applied.
 * The directory is kept 0700 and the database files 0600 (see private-files.ts).
 */
export function openDatabase(dataDir: string, options: OpenOptions): Db {
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, 'wedsync.sqlite');
  ensurePrivateFile(file);
  // Databases written by earlier versions may have companions created 0644.
  for (const companion of ['-wal', '-shm', '-journal']) narrowIfPresent(file + companion);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // Deleted and overwritten content is zeroed instead of left in free pages and cells, so an erased
  // person (server/privacy/) is not readable in the file afterwards. Cost measured in docs/privacy.md.
  db.pragma('secure_delete = ON');
  applyMigrations(db);
  return db;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs.readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/** Applies each migration not yet recorded, each in its own transaction, in version order. */
export function applyMigrations(db: Db, migrations = listMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
    done.push(m.version);
  }
  return done;
}

/** True when every migration on disk is recorded as applied. */
export function migrationsCurrent(db: Db, migrations = listMigrations()): boolean {
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  return migrations.every((m) => applied.has(m.version));
}
