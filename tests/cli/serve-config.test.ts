import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { connectWedding } from '../../client/sdk/node.ts';
import { CLI, spawnServer } from '../helpers/child-server.ts';
import { addEvent, eventIds } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);

/** `wedsync serve` with `env`, expected to exit: its code and output. */
async function serveExits(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, 'serve'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, timeout: 60_000 })
    .then((x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

describe('wedsync serve: DATABASE_URL', () => {
  const db = usePostgresDatabase();

  // Issue 15: any number of `npm start` processes given one DATABASE_URL form a cluster.
  it('two serve processes on one DATABASE_URL serve the same wedding: an edit through either reaches a client of the other', async () => {
    const key = crypto.randomBytes(32).toString('base64');
    const env = (id: string) => ({ DATABASE_URL: db().url, CREDENTIALS_KEY: key, INSTANCE_ID: id, LOG_LEVEL: 'warn' });
    const [a, b] = await Promise.all([spawnServer(tempDir(), env('serve-a')), spawnServer(tempDir(), env('serve-b'))]);
    await waitFor(() => /Data +PostgreSQL \(DATABASE_URL\), instance serve-a/.test(a.output()), 'the banner naming the backend and instance');
    for (const server of [a, b]) expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200);
    const token = await testToken('planner', ['w1']);
    const connect = async (url: string) => {
      const c = await connectWedding({ url, weddingId: 'w1', token, WebSocketPolyfill: WebSocket });
      registerTeardown(() => c.destroy());
      return c;
    };
    const onA = await connect(a.wsUrl);
    const onB = await connect(b.wsUrl);
    addEvent(onA, 'from-a');
    addEvent(onB, 'from-b');
    await waitFor(() => eventIds(onA).length === 2 && eventIds(onB).length === 2, 'both edits on both clients');
    expect(eventIds(onB)).toEqual(['from-a', 'from-b']);
    // Stopped and started again, one instance serves both edits from the shared database.
    for (const server of [a, b]) await server.kill('SIGTERM');
    const c = await spawnServer(tempDir(), env('serve-c'));
    const late = await connect(c.wsUrl);
    await waitFor(() => eventIds(late).length === 2, 'both edits after a restart');
  }, 120_000);

  it('refuses a DATABASE_URL it cannot use, and a cluster set-up that would split: exit ≠ 0, one line, nothing served', async () => {
    const key = crypto.randomBytes(32).toString('base64');
    const cases: Array<{ env: Record<string, string>; code: number; line: RegExp; dirEmpty?: boolean }> = [
      { env: { DATABASE_URL: 'not a url' }, code: 2, line: /^wedsync: DATABASE_URL must be empty \(SQLite\) or start with postgres:\/\/ or postgresql:\/\/$/, dirEmpty: true },
      // A secret generated into each instance's DATA_DIR would differ: tokens of one refused by the other.
      { env: { DATABASE_URL: db().url, CREDENTIALS_KEY: key, AUTH_SECRET: '' }, code: 2, line: /^wedsync: AUTH_SECRET must be set with DATABASE_URL/, dirEmpty: true },
      { env: { DATABASE_URL: db().url, CREDENTIALS_KEY: key, DEMO: '1' }, code: 2, line: /^wedsync: DEMO runs on one node with SQLite/, dirEmpty: true },
      { env: { DATABASE_URL: db().url, CREDENTIALS_KEY: '' }, code: 1, line: /^wedsync: CREDENTIALS_KEY must be set with DATABASE_URL/ },
      { env: { DATABASE_URL: 'postgres://nobody:secret-pw@127.0.0.1:1/none', CREDENTIALS_KEY: key }, code: 1, line: /^wedsync: could not open the PostgreSQL database 127\.0\.0\.1:1\/none: .*ECONNREFUSED/ },
    ];
    for (const c of cases) {
      const dir = tempDir();
      const r = await serveExits({ DATA_DIR: dir, AUTH_SECRET: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz', ...c.env });
      expect(r.code, JSON.stringify(c.env)).toBe(c.code);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
      expect(lines, r.stderr).toEqual([expect.stringMatching(c.line)]);
      expect(r.stderr).not.toContain('secret-pw');
      if (c.dirEmpty) expect(fs.readdirSync(dir)).toEqual([]);
    }
  }, 180_000);
});
