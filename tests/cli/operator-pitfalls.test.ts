import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, spawnServer } from '../helpers/child-server.ts';
import { tempDir } from '../helpers/test-server.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

// What an operator trying the docs stumbled on (a fresh-eyes trial, 2026-12-05): the restore drill
// on a default install (keys as files in DATA_DIR), and CLI commands run against a cluster.

const run = promisify(execFile);

async function wedsync(env: Record<string, string>, args: string[]) {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: '', CREDENTIALS_KEY: '', AUTH_SECRET: '', ...env }, timeout: 60_000 })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

const SOME_CLUSTER = 'postgres://wedsync:pw@127.0.0.1:1/wedsync';

describe.skipIf(onPostgresBackend)('the restore drill on a default install (keys kept as files in DATA_DIR)', { timeout: 180_000 }, () => {
  it('a backup without --with-keys says which key files to keep; the restored server refuses to start without them rather than make new ones, and starts with every edit once they are back', async () => {
    const dataDir = tempDir('wedsync-default-');
    const env = { AUTH_SECRET: '', CREDENTIALS_KEY: '' };
    const server = await spawnServer(dataDir, env);
    const token = (await wedsync({ DATA_DIR: dataDir }, ['token', '--role', 'planner', '--wedding', 'w1'])).stdout.trim();
    const admin = (await wedsync({ DATA_DIR: dataDir }, ['token', '--role', 'admin'])).stdout.trim();
    const added = await fetch(`${server.httpUrl}/api/integrations/wedding/w1/timeline-sync`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ timeline: [{ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00Z', end: '2027-06-12T15:00:00Z' }] }),
    });
    expect(added.status).toBe(200);
    expect(fs.readdirSync(dataDir)).toEqual(expect.arrayContaining(['auth-secret', 'credentials-key']));

    const out = path.join(tempDir('wedsync-backup-'), 'b');
    const backup = await wedsync({ DATA_DIR: dataDir }, ['backup', '--out', out]);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`; not included, copy them from ${dataDir} and keep them safe separately (or use --with-keys): auth-secret, credentials-key\n`);
    await server.kill('SIGTERM');

    // Restored where the drill says, with neither key back yet: two warnings, one per key.
    const restored = path.join(tempDir('wedsync-restored-'), 'data');
    const restore = await wedsync({ DATA_DIR: restored }, ['restore', '--from', out]);
    expect(restore.code).toBe(0);
    expect(restore.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^wedsync: warning: no credentials key in the backup, .* copy the original credentials-key into /),
      expect.stringMatching(/^wedsync: warning: no auth secret in the backup, .* copy the original auth-secret into .*, or every token signed before \(peers', adapters', the command line's\) is refused$/),
    ]);

    // Started anyway: refused with the key that is missing named, and no new key made in its place.
    const refused = await wedsync({ DATA_DIR: restored, PORT: '0', HOST: '127.0.0.1' }, ['serve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n').at(-1)).toBe(`wedsync: ${path.join(restored, 'credentials-key')} is missing, and this database holds secrets sealed under a key: put that key file back (a backup made without --with-keys leaves it out) or set CREDENTIALS_KEY`);
    // Neither key is made in its place (a secret made now would be read as the original next time).
    expect(fs.readdirSync(restored).filter((f) => f === 'credentials-key' || f === 'auth-secret')).toEqual([]);

    // The drill's next step: the key files go back, and the server serves the wedding to a token made before.
    for (const key of ['auth-secret', 'credentials-key']) fs.copyFileSync(path.join(dataDir, key), path.join(restored, key));
    const again = await spawnServer(restored, env);
    const exported = await fetch(`${again.httpUrl}/api/admin/weddings/w1/export`, { headers: { authorization: `Bearer ${admin}` } });
    expect(exported.status).toBe(200);
    expect(Object.keys((await exported.json() as { content: { timeline: Record<string, unknown> } }).content.timeline)).toEqual(['ceremony']);
  });
});

describe('CLI commands on a cluster (DATABASE_URL set)', { timeout: 60_000 }, () => {
  it('backup and restore refuse: the data is in PostgreSQL, not in DATA_DIR', async () => {
    const dataDir = tempDir('wedsync-instance-');
    const backup = await wedsync({ DATA_DIR: dataDir, DATABASE_URL: SOME_CLUSTER }, ['backup', '--out', path.join(tempDir(), 'b')]);
    expect(backup).toMatchObject({ code: 1, stdout: '', stderr: `wedsync: DATABASE_URL is set: the data is in PostgreSQL, not in ${dataDir}; back it up with pg_dump or your PostgreSQL backups (docs/deployment.md, "Backups on PostgreSQL")\n` });
    const restore = await wedsync({ DATA_DIR: dataDir, DATABASE_URL: SOME_CLUSTER }, ['restore', '--from', tempDir()]);
    expect(restore).toMatchObject({ code: 1, stderr: expect.stringMatching(/^wedsync: DATABASE_URL is set: the data is in PostgreSQL, .*; restore it from your PostgreSQL backup/) });
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('token and the admin commands need the cluster\'s AUTH_SECRET: none is made in DATA_DIR, and a missing secret is not called an unreachable server', async () => {
    const dataDir = tempDir('wedsync-instance-');
    const token = await wedsync({ DATA_DIR: dataDir, DATABASE_URL: SOME_CLUSTER }, ['token', '--role', 'admin']);
    expect(token).toMatchObject({ code: 2, stdout: '', stderr: "wedsync: DATABASE_URL is set but AUTH_SECRET is not: a cluster's instances sign tokens with AUTH_SECRET; set the same one for this command\n" });
    expect(fs.readdirSync(dataDir)).toEqual([]);
    const exported = await wedsync({ DATA_DIR: dataDir, DATABASE_URL: SOME_CLUSTER }, ['export', '--wedding', 'w1']);
    expect(exported).toMatchObject({ code: 2, stderr: expect.stringMatching(/^wedsync: DATABASE_URL is set but AUTH_SECRET is not/) });
    // One node, no secret yet (the server never started here): said so, not "cannot reach the server".
    const single = await wedsync({ DATA_DIR: dataDir }, ['export', '--wedding', 'w1']);
    expect(single).toMatchObject({ code: 1, stderr: `wedsync: no AUTH_SECRET set and no ${path.join(dataDir, 'auth-secret')}; start the server once or set AUTH_SECRET\n` });
  });
});
