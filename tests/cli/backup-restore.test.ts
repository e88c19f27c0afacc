import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startReceiver } from '../bridge/helpers.ts';
import { CLI } from '../helpers/child-server.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

const run = promisify(execFile);

async function wedsync(dataDir: string, args: string[]) {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, CREDENTIALS_KEY: '', AUTH_SECRET: '' } })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function addEvent(t: TestServer, token: string, id: string): Promise<boolean> {
  const res = await t.fetch('/api/integrations/wedding/w1/timeline-sync', {
    ...json({ timeline: [{ id, title: id, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00' }], waitMs: 0 }), token,
  });
  return res.status === 200;
}

async function timelineIds(t: TestServer): Promise<string[]> {
  const res = await t.fetch('/api/admin/weddings/w1/export', { token: await t.token('admin', ['*']) });
  expect(res.status).toBe(200);
  const body = await res.json() as { content: { timeline: Record<string, unknown> } };
  return Object.keys(body.content.timeline);
}

// Each case runs the CLI as a child process several times (about 1–3 s each on a busy 2-core machine).
// SQLite only: `wedsync backup` copies DATA_DIR's database (PostgreSQL is backed up with its own tools: docs/deployment.md).
describe.skipIf(onPostgresBackend)('wedsync backup and restore (the restore drill of docs/deployment.md)', { timeout: 120_000 }, () => {
  it('copies a running server\'s database while edits land, and a server on the restored copy has every edit acknowledged before the backup began, with credentials that still open', async () => {
    const t = await startTestServer();
    const receiver = await startReceiver();
    const planner = await t.token('planner', ['w1']);
    const connect = await t.fetch('/api/integrations/vendor/connect', {
      ...json({ weddingId: 'w1', system: 'webhooks', credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url } }), token: planner,
    });
    expect(connect.status).toBe(201);

    // Edits keep landing while the backup runs.
    const acked: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) if (await addEvent(t, planner, `e${i}`)) acked.push(`e${i}`);
    })();
    await waitFor(() => acked.length >= 20, '20 acknowledged edits');
    const ackedBefore = [...acked];
    const out = path.join(tempDir('wedsync-backup-'), 'b1');
    const backup = await wedsync(t.dataDir, ['backup', '--out', out, '--with-keys']);
    const ackedDuring = acked.length;
    writing = false;
    await writer;
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(/^backed up \d+ document\(s\), \d+ bytes, schema \d+, to /);
    expect(ackedDuring).toBeGreaterThan(ackedBefore.length); // the server kept acknowledging during the copy
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'backup.json'), 'utf8')) as { keys: Record<string, string>; documents: number };
    // The test server signs with a secret it is given (as AUTH_SECRET would), so there is no auth-secret file.
    expect(manifest.keys).toEqual({ 'auth-secret': 'absent', 'credentials-key': 'included' });
    expect(manifest.documents).toBeGreaterThanOrEqual(1);
    for (const f of ['wedsync.sqlite', 'credentials-key', 'backup.json']) expect(fs.statSync(path.join(out, f)).mode & 0o777).toBe(0o600);
    await t.close();

    const restoredDir = path.join(tempDir('wedsync-restored-'), 'data');
    const restore = await wedsync(restoredDir, ['restore', '--from', out]);
    expect(restore.code).toBe(0);
    // The test servers are given their secret (as AUTH_SECRET would be): the CLI, run without it, says so.
    expect(restore.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^wedsync: warning: no auth secret in the backup, .* \(or set AUTH_SECRET\), or every token/)]);
    expect(restore.stdout).toMatch(/^restored \d+ document\(s\), schema \d+, backed up 20\d\d-/);

    const r = await startTestServer({ dataDir: restoredDir });
    try {
      const ids = await timelineIds(r);
      expect(ackedBefore.filter((id) => !ids.includes(id))).toEqual([]);
      // The restored server pushes with the restored (decrypted) webhook secret.
      const plannerAfter = await r.token('planner', ['w1']);
      expect(await addEvent(r, plannerAfter, 'after-restore')).toBe(true);
      await waitFor(() => receiver.accepted().some((x) => x.body.data.id === 'after-restore'), 'push after restore', 30_000).catch(async (error: Error) => {
        // What the restored server did with its pushes, to tell a slow backlog from a stuck one.
        const audit = await (await r.fetch('/api/integrations/wedding/w1/audit?limit=15', { token: plannerAfter })).json() as { entries?: unknown[] };
        throw new Error(`${error.message}; ${receiver.received.length} received; latest audit: ${JSON.stringify(audit).slice(0, 3000)}`);
      });
      // One webhook-id, one push: the restored server numbers its rows from where the backup stopped,
      // and a key made from the row number alone named pushes the original had already sent.
      const pushOf = new Map<string, string>();
      for (const x of receiver.received) {
        const data = JSON.stringify(x.body.data);
        if (!pushOf.has(x.id)) pushOf.set(x.id, data);
        expect(data, `the deliveries with webhook-id ${x.id}`).toBe(pushOf.get(x.id));
      }
    } finally {
      await r.close();
    }
  });

  it('refuses with one line and writes nothing: no --out, a non-empty target, a damaged copy, a data directory that already has a database', async () => {
    const t = await startTestServer();
    await addEvent(t, await t.token('planner', ['w1']), 'x');
    const out = path.join(tempDir('wedsync-backup-'), 'b');

    expect(await wedsync(t.dataDir, ['backup'])).toMatchObject({ code: 2, stderr: 'wedsync: backup needs --out DIR (an empty or new directory)\n' });
    const busy = tempDir('wedsync-busy-');
    fs.writeFileSync(path.join(busy, 'something'), 'x');
    expect(await wedsync(t.dataDir, ['backup', '--out', busy])).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not empty: back up into a new directory\n$/) });
    expect(await wedsync(tempDir('wedsync-nodb-'), ['backup', '--out', out])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^wedsync: no database in /) });

    // Without --with-keys the keys stay out, and the line says so.
    const ok = await wedsync(t.dataDir, ['backup', '--out', out]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/; not included, copy them from .* and keep them safe separately \(or use --with-keys\): credentials-key\n$/);
    expect(fs.existsSync(path.join(out, 'credentials-key'))).toBe(false);

    // Into the live data directory: refused, and the database is untouched.
    const before = fs.statSync(path.join(t.dataDir, 'wedsync.sqlite')).mtimeMs;
    expect(await wedsync(t.dataDir, ['restore', '--from', out])).toMatchObject({ code: 1, stderr: expect.stringMatching(/already holds a database: stop the server and restore into an empty DATA_DIR\n$/) });
    expect(fs.statSync(path.join(t.dataDir, 'wedsync.sqlite')).mtimeMs).toBe(before);
    await t.close();

    const fresh = path.join(tempDir('wedsync-restored-'), 'data');
    // No key anywhere: restored, with a warning that the credentials cannot be opened without the original key.
    const warned = await wedsync(fresh, ['restore', '--from', out]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^wedsync: warning: no credentials key in the backup/);

    // A flipped byte: refused before anything is written.
    const damaged = path.join(tempDir('wedsync-damaged-'), 'data');
    const file = path.join(out, 'wedsync.sqlite');
    const bytes = fs.readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
    fs.writeFileSync(file, bytes);
    expect(await wedsync(damaged, ['restore', '--from', out])).toMatchObject({ code: 1, stderr: expect.stringMatching(/does not match its manifest's SHA-256: the backup is damaged\n$/) });
    expect(fs.existsSync(path.join(damaged, 'wedsync.sqlite'))).toBe(false);
    expect(await wedsync(damaged, ['restore', '--from', tempDir('wedsync-empty-')])).toMatchObject({ code: 1, stderr: expect.stringMatching(/holds no backup\.json: not a wedsync backup\n$/) });
    expect(await wedsync(damaged, ['restore'])).toMatchObject({ code: 2 });
  });

  it('refuses a partly copied backup or a garbled manifest with one line, leaving nothing in DATA_DIR', async () => {
    const t = await startTestServer();
    await addEvent(t, await t.token('planner', ['w1']), 'x');
    const out = path.join(tempDir('wedsync-backup-'), 'b');
    expect((await wedsync(t.dataDir, ['backup', '--out', out, '--with-keys'])).code).toBe(0);
    await t.close();
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'backup.json'), 'utf8')) as { keys: Record<string, string> };
    expect(manifest.keys['credentials-key']).toBe('included');
    // The key file the manifest lists was not copied along.
    fs.rmSync(path.join(out, 'credentials-key'));
    const target = path.join(tempDir('wedsync-restored-'), 'data');
    expect(await wedsync(target, ['restore', '--from', out])).toMatchObject({ code: 1, stderr: expect.stringMatching(/credentials-key is missing or unreadable, though backup\.json includes it: the backup is incomplete\n$/) });
    expect(fs.existsSync(target)).toBe(false);
    // A manifest that is valid JSON but not a manifest: null, or one without its keys.
    for (const garbled of ['null', JSON.stringify({ ...manifest, keys: undefined }), '[]']) {
      fs.writeFileSync(path.join(out, 'backup.json'), garbled);
      const res = await wedsync(target, ['restore', '--from', out]);
      expect(res).toMatchObject({ code: 1, stderr: expect.stringMatching(/backup\.json is not a format this version reads\n$/) });
      expect(res.stderr.split('\n')).toHaveLength(2);
      expect(fs.existsSync(target)).toBe(false);
    }
  });
});
