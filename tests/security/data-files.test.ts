import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAuthSecret } from '../../server/auth/secret.ts';
import { startTestServer, tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('data files', () => {
  // SQLite only: on PostgreSQL DATA_DIR holds no database, WAL or key file.
  it.skipIf(onPostgresBackend)('are private to the server user: the data directory 0700, the database, its WAL and keys 0600', async () => {
    const dataDir = path.join(tempDir(), 'fresh', 'data');
    const t = await startTestServer({ dataDir });
    const planner = await t.connect('w1', await t.token('planner', ['w1']));
    await planner.whenSynced();
    planner.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' });
    await planner.whenAcknowledged();
    await waitFor(() => fs.existsSync(path.join(dataDir, 'wedsync.sqlite-wal')), 'the WAL file');

    expect(modeOf(dataDir)).toBe(0o700);
    const files = fs.readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['wedsync.sqlite', 'wedsync.sqlite-wal', 'wedsync.sqlite-shm', 'credentials-key']));
    for (const f of files) expect({ f, mode: modeOf(path.join(dataDir, f)) }).toEqual({ f, mode: 0o600 });
  });

  it('written by an earlier version with open permissions are narrowed on start', async () => {
    const dataDir = tempDir();
    fs.chmodSync(dataDir, 0o755);
    for (const f of ['wedsync.sqlite', 'wedsync.sqlite-wal']) fs.writeFileSync(path.join(dataDir, f), '', { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, 'wedsync.sqlite'), 0o644);
    await startTestServer({ dataDir });
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(path.join(dataDir, 'wedsync.sqlite'))).toBe(0o600);
    expect(modeOf(path.join(dataDir, 'wedsync.sqlite-wal'))).toBe(0o600);
  });

  it('never narrow a directory that holds other people\'s files too (DATA_DIR=/tmp must not lock everyone out)', async () => {
    const shared = tempDir();
    fs.chmodSync(shared, 0o1777);
    fs.writeFileSync(path.join(shared, 'someone-elses.txt'), 'x');
    await startTestServer({ dataDir: shared });
    expect(modeOf(shared)).toBe(0o1777 & 0o777);
    expect(modeOf(path.join(shared, 'wedsync.sqlite'))).toBe(0o600);
  });

  it('include a generated auth secret created 0600 in a 0700 directory', () => {
    const dataDir = path.join(tempDir(), 'secret-only');
    const resolved = resolveAuthSecret(undefined, dataDir);
    expect(resolved.source).toBe('generated');
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(resolved.file!)).toBe(0o600);
  });
});
