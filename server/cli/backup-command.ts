import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import { listMigrations } from '../storage/database.ts';
import { CliError, type CliIO, type CliOptions } from './main.ts';

const DATABASE_FILE = 'wedsync.sqlite';
const MANIFEST_FILE = 'backup.json';
/** The key files a data directory may hold (server/auth/secret.ts, server/bridge/credential-cipher.ts). */
const KEY_FILES = ['auth-secret', 'credentials-key'] as const;
const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;

/** What `backup.json` records, so that `restore` can check the copy before it trusts it. */
export interface BackupManifest {
  format: 1;
  /** ISO 8601, UTC: when the copy's read transaction began (nothing committed after it is in it). */
  createdAt: string;
  database: { file: typeof DATABASE_FILE; bytes: number; sha256: string };
  /** Highest schema migration applied in the copy. */
  schemaVersion: number;
  /** Wedding documents in the copy (rows of `documents` plus documents that only have log rows). */
  documents: number;
  /**
   * Per key: `included` (copied beside the database), `not-included` (a file in DATA_DIR, left out:
   * no `--with-keys`), `environment` (AUTH_SECRET / CREDENTIALS_KEY: keep it in your secret store),
   * `absent` (none yet).
   */
  keys: Record<(typeof KEY_FILES)[number], 'included' | 'not-included' | 'environment' | 'absent'>;
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function integrity(file: string): { schemaVersion: number; documents: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new CliError(`${file} fails SQLite's integrity check: ${String(check)}`);
    return {
      schemaVersion: (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0,
      documents: db.prepare('SELECT count(*) FROM (SELECT name FROM documents UNION SELECT name FROM document_updates)').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

const ENV_NAME = { 'auth-secret': 'AUTH_SECRET', 'credentials-key': 'CREDENTIALS_KEY' } as const;

/** A cluster keeps nothing of its own in DATA_DIR (each instance's small SQLite file holds no wedding): its data is the PostgreSQL database. */
function refuseOnPostgres(config: Config, instead: string): void {
  if (config.DATABASE_URL) throw new CliError(`DATABASE_URL is set: the data is in PostgreSQL, not in ${config.dataDir}; ${instead}`);
}

function keySource(config: Config, key: (typeof KEY_FILES)[number]): 'file' | 'environment' | 'absent' {
  const fromEnv = key === 'auth-secret' ? config.AUTH_SECRET : config.CREDENTIALS_KEY;
  if (fromEnv) return 'environment';
  return fs.existsSync(path.join(config.dataDir, key)) ? 'file' : 'absent';
}

/**
 * `wedsync backup --out DIR [--with-keys]`: an online, consistent copy of the data directory's
 * database, taken while the server runs (SQLite `VACUUM INTO`: one read transaction, so the copy holds
 * exactly what was committed when it began, and every acknowledged edit up to then), checked with
 * `PRAGMA integrity_check`, with a `backup.json` manifest (sizes, SHA-256, schema version).
 *
 * The database alone does not open the stored credentials: they are sealed with the key-encryption
 * key. `--with-keys` copies DATA_DIR's key files beside it (then guard the backup like the keys);
 * without it, back the keys up separately (docs/deployment.md, "Backups").
 *
 * @returns the one line to print on success
 * @throws CliError (exit 2) for usage errors; (exit 1) with DATABASE_URL (a cluster's data is in
 *   PostgreSQL: pg_dump), when DIR is not empty, there is no database,
 *   or the copy fails its integrity check
 */
export function backupCommand(config: Config, o: CliOptions): string {
  if (!o.out) throw new CliError('backup needs --out DIR (an empty or new directory)', 2);
  refuseOnPostgres(config, 'back it up with pg_dump or your PostgreSQL backups (docs/deployment.md, "Backups on PostgreSQL")');
  const source = path.join(config.dataDir, DATABASE_FILE);
  if (!fs.existsSync(source)) throw new CliError(`no database in ${config.dataDir} (set DATA_DIR to the server's data directory)`);
  const out = path.resolve(o.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new CliError(`${out} is not empty: back up into a new directory`);
  fs.mkdirSync(out, { recursive: true, mode: PRIVATE_DIR });
  fs.chmodSync(out, PRIVATE_DIR);

  const target = path.join(out, DATABASE_FILE);
  const createdAt = new Date().toISOString();
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
  fs.chmodSync(target, PRIVATE_FILE);
  const { schemaVersion, documents } = integrity(target);

  const keys = {} as BackupManifest['keys'];
  for (const key of KEY_FILES) {
    const from = keySource(config, key);
    if (from === 'file' && o['with-keys']) {
      fs.copyFileSync(path.join(config.dataDir, key), path.join(out, key));
      fs.chmodSync(path.join(out, key), PRIVATE_FILE);
      keys[key] = 'included';
    } else keys[key] = from === 'file' ? 'not-included' : from;
  }
  const manifest: BackupManifest = {
    format: 1, createdAt, schemaVersion, documents, keys,
    database: { file: DATABASE_FILE, bytes: fs.statSync(target).size, sha256: sha256(target) },
  };
  fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: PRIVATE_FILE });
  const files = KEY_FILES.filter((k) => keys[k] === 'not-included');
  const environment = KEY_FILES.filter((k) => keys[k] === 'environment').map((k) => ENV_NAME[k]);
  return `backed up ${documents} document(s), ${manifest.database.bytes} bytes, schema ${schemaVersion}, to ${out}`
    + (files.length ? `; not included, copy them from ${config.dataDir} and keep them safe separately (or use --with-keys): ${files.join(', ')}` : '')
    + (environment.length ? `; from the environment, keep them in your secret store: ${environment.join(', ')}` : '');
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function readManifest(dir: string): BackupManifest {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new CliError(`${dir} holds no ${MANIFEST_FILE}: not a wedsync backup`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
  const shaped = manifest !== null && typeof manifest === 'object' && manifest.format === 1 && manifest.database?.file === DATABASE_FILE
    && typeof manifest.database.sha256 === 'string' && manifest.keys !== null && typeof manifest.keys === 'object';
  if (!shaped) throw new CliError(`${file} is not a format this version reads`);
  return manifest;
}

/**
 * `wedsync restore --from DIR`: puts a backup made by `wedsync backup` into DATA_DIR, which must not
 * hold a database yet (restore into a new directory, then point the server at it; the server applies
 * any newer migrations when it starts). The copy is checked against the manifest's SHA-256 and
 * SQLite's integrity check before anything is written; key files in the backup are restored with it.
 * A backup newer than this version's schema is refused.
 *
 * @returns the one line to print on success
 * @throws CliError (exit 2) for usage errors; (exit 1) with DATABASE_URL, when DATA_DIR holds a database, the backup is
 *   damaged or newer than this version, or a key in DATA_DIR differs from the backup's
 */
export function restoreCommand(config: Config, o: CliOptions, io: CliIO): string {
  if (!o.from) throw new CliError('restore needs --from DIR (a directory made by wedsync backup)', 2);
  refuseOnPostgres(config, 'restore it from your PostgreSQL backup (docs/deployment.md, "Backups on PostgreSQL")');
  const from = path.resolve(o.from);
  const manifest = readManifest(from);
  const copy = path.join(from, DATABASE_FILE);
  if (!fs.existsSync(copy)) throw new CliError(`${copy} is missing`);
  if (sha256(copy) !== manifest.database.sha256) throw new CliError(`${copy} does not match its manifest's SHA-256: the backup is damaged`);
  const { schemaVersion, documents } = integrity(copy);
  const known = Math.max(0, ...listMigrations().map((m) => m.version));
  if (schemaVersion > known) throw new CliError(`the backup's schema (${schemaVersion}) is newer than this version's (${known}): restore with a newer wedsync`);

  const dataDir = config.dataDir;
  const target = path.join(dataDir, DATABASE_FILE);
  if (fs.existsSync(target)) throw new CliError(`${dataDir} already holds a database: stop the server and restore into an empty DATA_DIR`);
  for (const key of KEY_FILES) {
    if (manifest.keys[key] !== 'included') continue;
    const theirs = path.join(from, key);
    // A key the manifest lists must be there: a partly copied backup is refused before anything is written.
    if (!readable(theirs)) throw new CliError(`${theirs} is missing or unreadable, though ${MANIFEST_FILE} includes it: the backup is incomplete`);
    const mine = path.join(dataDir, key);
    if (fs.existsSync(mine) && !fs.readFileSync(mine).equals(fs.readFileSync(theirs))) {
      throw new CliError(`${mine} differs from the backup's ${key}: move it aside first`);
    }
  }

  // What this restore creates, removed again if it cannot finish: nothing is left half done.
  const created: string[] = [];
  try {
    // The first directory mkdir made (DATA_DIR or a parent of it), removed with what it holds.
    const made = fs.mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
    if (made) created.push(made);
    const partial = `${target}.restoring`;
    created.push(partial);
    fs.copyFileSync(copy, partial);
    fs.chmodSync(partial, PRIVATE_FILE);
    for (const key of KEY_FILES) {
      if (manifest.keys[key] !== 'included') continue;
      const mine = path.join(dataDir, key);
      if (!fs.existsSync(mine)) created.push(mine);
      fs.copyFileSync(path.join(from, key), mine);
      fs.chmodSync(mine, PRIVATE_FILE);
    }
    // Last: a database in DATA_DIR means the restore finished.
    fs.renameSync(partial, target);
  } catch (error) {
    for (const made of created.reverse()) fs.rmSync(made, { force: true, recursive: true });
    throw new CliError(`the restore could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing of it was left in ${dataDir}`);
  }
  const missing = KEY_FILES.filter((k) => manifest.keys[k] !== 'included' && keySource(config, k) === 'absent');
  // The server would make new ones: a new key opens none of the stored credentials (it refuses to
  // start, server/storage/key-encryption-key.ts), a new secret refuses every token and session issued before.
  // Where the backed-up server had the key decides what to put back: its file, or its variable.
  const putBack = (k: (typeof KEY_FILES)[number]) => (manifest.keys[k] === 'environment'
    ? `start the server with the same ${ENV_NAME[k]} as the backed-up one`
    : `copy the original ${k} into ${dataDir} (or set ${ENV_NAME[k]})`);
  if (missing.includes('credentials-key')) {
    io.err(`wedsync: warning: no credentials key in the backup, ${dataDir} or CREDENTIALS_KEY: before starting the server, ${putBack('credentials-key')}, or stored credentials cannot be opened (the server refuses to start)`);
  }
  if (missing.includes('auth-secret')) {
    io.err(`wedsync: warning: no auth secret in the backup, ${dataDir} or AUTH_SECRET: before starting the server, ${putBack('auth-secret')}, or every token signed before (peers', adapters', the command line's) is refused`);
  }
  return `restored ${documents} document(s), schema ${schemaVersion}, backed up ${manifest.createdAt}, into ${dataDir}`;
}
