import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createCredentialCipher, decodeKey, type CredentialCipher } from '../bridge/credential-cipher.ts';
import type { Config } from '../config.ts';
import type { Db } from '../storage/database.ts';
import { KEY_FILE, NEXT_KEY_FILE, openKeyEncryptionKey } from '../storage/key-encryption-key.ts';
import { rotateKeyEncryptionKey } from '../storage/key-rotation.ts';
import { WedSyncError } from '../errors.ts';
import { rotatePostgresKeyEncryptionKey } from '../storage/postgres/key-rotation.ts';
import { applyPostgresMigrations } from '../storage/postgres/migrations.ts';
import { isPostgresUrl, openPostgresPool } from '../storage/postgres/pool.ts';
import { openPostgresKeyEncryptionKey } from '../storage/postgres/server-keys.ts';
import { CliError, type CliOptions } from './main.ts';

const DATABASE_FILE = 'wedsync.sqlite';

/**
 * `wedsync keys rotate`: re-encrypts every stored secret under a new key-encryption key, with the
 * server stopped (the database is opened exclusively; a running server makes this fail, unchanged).
 *
 * - Key in DATA_DIR/credentials-key (the default): `--generate` makes the new key, or
 *   `--new-key-file FILE` / CREDENTIALS_KEY_NEW supplies it. It is written to credentials-key.next
 *   before the re-encryption commits and moved over credentials-key after; a server started in
 *   between finds the database under the `.next` key and finishes the move (key-encryption-key.ts).
 * - Key in CREDENTIALS_KEY: the new key comes from CREDENTIALS_KEY_NEW or `--new-key-file`; start
 *   the server with CREDENTIALS_KEY set to it afterwards.
 *
 * - DATABASE_URL set (PostgreSQL): every instance stopped, the current key in CREDENTIALS_KEY and the
 *   new one in CREDENTIALS_KEY_NEW or `--new-key-file`; start every instance with CREDENTIALS_KEY set
 *   to it afterwards (postgresKeysRotate).
 *
 * @returns the one line to print on success
 * @throws CliError (exit 2) for usage errors, KeyError (exit 1) when the current key is wrong
 */
export function keysCommand(config: Config, sub: string | undefined, o: CliOptions): string | Promise<string> {
  if (sub !== 'rotate') throw new CliError('keys needs a subcommand: rotate', 2);
  if (config.DATABASE_URL) return postgresKeysRotate(config, config.DATABASE_URL, o);
  const dataDir = config.dataDir;
  const database = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(database)) {
    throw new CliError(`no database in ${dataDir} (set DATA_DIR to the server's data directory)`, 2);
  }
  const keyFile = path.join(dataDir, KEY_FILE);
  const inEnv = config.CREDENTIALS_KEY !== undefined;
  if (!inEnv && !fs.existsSync(keyFile)) {
    throw new CliError(`no current key: CREDENTIALS_KEY is not set and ${keyFile} does not exist`, 2);
  }

  const given = [
    config.CREDENTIALS_KEY_NEW !== undefined && 'CREDENTIALS_KEY_NEW',
    o['new-key-file'] !== undefined && '--new-key-file',
    o.generate === true && '--generate',
  ].filter(Boolean);
  if (given.length === 0) throw new CliError('no new key: set CREDENTIALS_KEY_NEW, or pass --new-key-file FILE or --generate', 2);
  if (given.length > 1) throw new CliError(`give the new key one way (got ${given.join(' and ')})`, 2);
  if (o.generate && inEnv) {
    throw new CliError('--generate writes DATA_DIR/credentials-key, but the current key comes from CREDENTIALS_KEY: '
      + 'make one (openssl rand -base64 32) and pass it as CREDENTIALS_KEY_NEW', 2);
  }
  const newKey = readNewKey(config, o);

  const db = openExclusive(database);
  const nextFile = path.join(dataDir, NEXT_KEY_FILE);
  let wroteNext = false;
  try {
    // Takes the exclusive lock now (and keeps it: locking_mode EXCLUSIVE) or finds the server running.
    inUse(() => db.exec('BEGIN EXCLUSIVE; COMMIT'));
    const from = openKeyEncryptionKey(db, config.CREDENTIALS_KEY, dataDir);
    // The current key opens the database, so a `.next` still here is from a run that never committed.
    if (!inEnv) fs.rmSync(nextFile, { force: true });
    const to = createCredentialCipher(newKey);
    if (sameKey(from, to)) throw new CliError('the new key is the current key', 2);
    if (!inEnv) {
      writePrivate(nextFile, newKey.toString('base64') + '\n');
      wroteNext = true;
    }
    const report = inUse(() => rotateKeyEncryptionKey(db, from, to));
    db.close();
    if (!inEnv) {
      fs.renameSync(nextFile, keyFile);
      wroteNext = false;
      syncDir(dataDir);
    }
    const what = `re-encrypted ${report.integrations} integration(s) (${report.configurationSecrets} configuration secret(s))`
      + ` and ${report.serverKeys} server key(s) under the new key`;
    return inEnv ? `${what}; start the server with CREDENTIALS_KEY set to the new key` : `${what}; it is now in ${keyFile}`;
  } finally {
    if (db.open) db.close();
    if (wroteNext) fs.rmSync(nextFile, { force: true });
  }
}

/**
 * `wedsync keys rotate` with DATABASE_URL: the key comes from CREDENTIALS_KEY (a key file per
 * DATA_DIR would differ between instances), so the new one must be given, not generated.
 * @throws CliError (exit 2) for usage errors, (exit 1) while an instance is running; KeyError (exit 1) when the current key is wrong
 */
async function postgresKeysRotate(config: Config, url: string, o: CliOptions): Promise<string> {
  if (!isPostgresUrl(url)) throw new CliError('DATABASE_URL must be empty (SQLite) or start with postgres:// or postgresql://', 2);
  if (o.generate) throw new CliError('--generate writes a key file in DATA_DIR; with DATABASE_URL every instance needs the same key: make one (openssl rand -base64 32) and pass it as CREDENTIALS_KEY_NEW', 2);
  if (config.CREDENTIALS_KEY_NEW === undefined && o['new-key-file'] === undefined) throw new CliError('no new key: set CREDENTIALS_KEY_NEW, or pass --new-key-file FILE', 2);
  if (config.CREDENTIALS_KEY_NEW !== undefined && o['new-key-file'] !== undefined) throw new CliError('give the new key one way (got CREDENTIALS_KEY_NEW and --new-key-file)', 2);
  const to = createCredentialCipher(readNewKey(config, o));
  // Re-sealing runs inside the transaction holding the locks: more than the pool's default 5 s idle-in-transaction limit for a large database.
  const pool = openPostgresPool(url, { max: 1, idleInTransactionTimeoutMs: 600_000 });
  try {
    await applyPostgresMigrations(pool);
    const from = await openPostgresKeyEncryptionKey(pool, config.CREDENTIALS_KEY);
    if (sameKey(from, to)) throw new CliError('the new key is the current key', 2);
    const report = await rotatePostgresKeyEncryptionKey(pool, from, to).catch((error: unknown) => {
      throw error instanceof WedSyncError && error.code === 'storage_unavailable' ? new CliError(error.message) : error;
    });
    return `re-encrypted ${report.integrations} integration(s) (${report.configurationSecrets} configuration secret(s)) and ${report.serverKeys} server key(s)`
      + ' under the new key; start every instance with CREDENTIALS_KEY set to the new key';
  } finally {
    await pool.end();
  }
}

function readNewKey(config: Config, o: CliOptions): Buffer {
  try {
    if (o.generate) return crypto.randomBytes(32);
    const file = o['new-key-file'];
    if (file !== undefined) return decodeKey(fs.readFileSync(file, 'utf8').trim(), file);
    return decodeKey(config.CREDENTIALS_KEY_NEW!, 'CREDENTIALS_KEY_NEW');
  } catch (error) {
    throw new CliError(`cannot read the new key: ${(error as Error).message}`, 2);
  }
}

/**
 * The database in exclusive locking mode: every SQLite connection in WAL mode holds a shared lock on
 * the file while open, so a running server (or peer) makes the first write fail with SQLITE_BUSY.
 */
function openExclusive(file: string): Db {
  const db = new Database(file, { fileMustExist: true, timeout: 2000 });
  db.pragma('locking_mode = EXCLUSIVE');
  return db;
}

function inUse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new CliError('the database is in use: stop the server (and any wedsync peer on this DATA_DIR) first; nothing was changed');
    }
    throw error;
  }
}

function sameKey(a: CredentialCipher, b: CredentialCipher): boolean {
  try {
    b.decrypt(a.encrypt('probe', 'probe'), 'probe');
    return true;
  } catch {
    return false;
  }
}

function writePrivate(file: string, content: string): void {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
