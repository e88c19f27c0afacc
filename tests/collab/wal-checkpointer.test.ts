import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { WalCheckpointer } from '../../server/storage/wal-checkpointer.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

function openWal(): Database.Database {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-checkpointer-'));
  dirs.push(dir);
  const db = new Database(path.join(dir, 'db.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (v BLOB NOT NULL)');
  return db;
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('WAL checkpoints on a worker thread', () => {
  it('copies committed pages into the database file while the server connection never checkpoints', async () => {
    const db = openWal();
    const errors: Error[] = [];
    const checkpointer = new WalCheckpointer(db, { intervalMs: 20, onError: (e) => errors.push(e) });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const mainFile = () => fs.statSync(db.name).size;
    const before = mainFile();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    // 2,000 pages: past SQLite's own threshold, which this connection no longer acts on.
    for (let i = 0; i < 200; i++) db.transaction(() => { for (let j = 0; j < 10; j++) insert.run(Buffer.alloc(4000, i)); })();
    await until(() => mainFile() > before + 4_000_000, 'the worker to checkpoint the WAL into the database file');
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2000);
    expect(errors).toEqual([]);
    expect(checkpointer.running).toBe(true);
    await checkpointer.close();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });

  it('hands checkpoints back to the server connection when the worker cannot run', async () => {
    const db = openWal();
    const errors: Error[] = [];
    const checkpointer = new WalCheckpointer(db, { intervalMs: 20, onError: (e) => errors.push(e) });
    // The worker's database vanishes under it: its connection cannot open or checkpoint.
    fs.rmSync(path.dirname(db.name), { recursive: true, force: true });
    await until(() => errors.length > 0, 'the worker to fail');
    expect(checkpointer.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });
});
