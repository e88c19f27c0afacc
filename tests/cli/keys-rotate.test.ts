import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createCredentialCipher, type CredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { isSealed } from '../../server/bridge/configuration-secrets.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { createWedSyncServer } from '../../server/wedsync-server.ts';
import { startReceiver } from '../bridge/helpers.ts';
import { CLI } from '../helpers/child-server.ts';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);

async function wedsync(dataDir: string, args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, CREDENTIALS_KEY: '', CREDENTIALS_KEY_NEW: '', ...env } })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

const keyIn = (dataDir: string) => Buffer.from(fs.readFileSync(path.join(dataDir, 'credentials-key'), 'utf8').trim(), 'base64');

/** Every value sealed with the KEK, as stored: [what, ciphertext, what it is bound to]. */
function sealedValues(dataDir: string): [string, string, string][] {
  const db = new Database(path.join(dataDir, 'wedsync.sqlite'), { readonly: true });
  try {
    const out: [string, string, string][] = [];
    // Connections hold the accounts' secrets (issue 12); their bindings (integrations rows) hold none ('').
    for (const [table, prefix] of [['connections', ''], ['integrations', 'binding ']] as const) {
      for (const r of db.prepare(`SELECT id, credentials_enc, webhook_secret_enc, configuration FROM ${table}`).all() as Record<string, string>[]) {
        if (r.credentials_enc) out.push([`${prefix}${r.id} credentials`, r.credentials_enc, r.id!]);
        if (r.webhook_secret_enc) out.push([`${prefix}${r.id} webhook secret`, r.webhook_secret_enc, r.id!]);
        for (const [field, value] of Object.entries(JSON.parse(r.configuration!) as Record<string, unknown>)) {
          if (isSealed(value)) out.push([`${prefix}${r.id} configuration.${field}`, value.$sealed, `${r.id}:configuration:${JSON.stringify([field])}`]);
        }
      }
    }
    for (const k of db.prepare('SELECT name, key FROM server_keys').all() as { name: string; key: Buffer }[]) out.push([`server key ${k.name}`, k.key.toString('utf8'), `server_keys:${k.name}`]);
    return out;
  } finally {
    db.close();
  }
}

const opens = (cipher: CredentialCipher, [, sealed, bound]: [string, string, string]) => {
  try {
    return cipher.decrypt(sealed, bound);
  } catch {
    return null;
  }
};

function dbBytes(dataDir: string): Buffer {
  return Buffer.concat(['wedsync.sqlite', 'wedsync.sqlite-wal'].map((f) => path.join(dataDir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

/** A wedding with a webhooks integration whose URL is a secret configuration field. */
async function seeded() {
  const t = await startTestServer();
  const receiver = await startReceiver();
  const planner = await t.token('planner', ['w1']);
  const res = await t.fetch('/api/integrations/vendor/connect', {
    method: 'POST', token: planner, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ weddingId: 'w1', system: 'webhooks', credentials: { webhookSecret: receiver.secret, headers: { authorization: 'Bearer sub-token' } }, configuration: { url: `${receiver.url}?zapier-secret=zs-1` } }),
  });
  expect(res.status).toBe(201);
  const { integrationId } = await res.json() as { integrationId: string };
  await t.close();
  return { dataDir: t.dataDir, receiver, integrationId };
}

async function pushWorks(t: TestServer, receiver: Awaited<ReturnType<typeof startReceiver>>, eventId: string): Promise<void> {
  const res = await t.fetch('/api/integrations/wedding/w1/timeline-sync', {
    method: 'POST', token: await t.token('planner', ['w1']), headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ timeline: [{ id: eventId, title: eventId, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00' }], waitMs: 5000 }),
  });
  expect(res.status).toBe(200);
  await waitFor(() => receiver.accepted().some((r) => r.body.data.id === eventId && r.headers.authorization === 'Bearer sub-token'), `push of ${eventId}`);
}

describe('wedsync keys rotate', () => {
  it('re-encrypts every secret under a new key in the data directory: the old key opens nothing, the new one everything, and the server restarts with it', async () => {
    const { dataDir, receiver, integrationId } = await seeded();
    const oldKey = keyIn(dataDir);
    const before = sealedValues(dataDir);
    expect(before.map(([what]) => what)).toEqual(expect.arrayContaining([`${integrationId} credentials`, `${integrationId} webhook secret`, `${integrationId} configuration.url`, 'server key ack-links', 'server key kek-check']));
    const oldCipher = createCredentialCipher(oldKey);
    const plain = before.map((v) => opens(oldCipher, v));
    expect(plain.every((p) => p !== null)).toBe(true);

    const r = await wedsync(dataDir, ['keys', 'rotate', '--generate']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    // The subscriber URL and the secret URL token the server made at connect.
    expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^re-encrypted 1 integration\(s\) \(2 configuration secret\(s\)\) and \d+ server key\(s\) under the new key; it is now in /)]);
    const newKey = keyIn(dataDir);
    expect(newKey.equals(oldKey)).toBe(false);
    expect(fs.statSync(path.join(dataDir, 'credentials-key')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dataDir, 'credentials-key.next'))).toBe(false);

    const after = sealedValues(dataDir);
    expect(after.map(([what]) => what)).toEqual(before.map(([what]) => what));
    expect(after.map((v) => opens(oldCipher, v))).toEqual(after.map(() => null));
    expect(after.map((v) => opens(createCredentialCipher(newKey), v))).toEqual(plain);
    // The replaced ciphertexts are gone from the file and the WAL, not just unreferenced.
    const bytes = dbBytes(dataDir);
    expect(before.filter(([, sealed]) => bytes.includes(sealed.split('.')[3]!)).map(([what]) => what)).toEqual([]);

    const t = await startTestServer({ dataDir });
    await pushWorks(t, receiver, 'after-rotation');
    expect((await t.server.bridge.store.get(integrationId))!.configuration.url).toBe(`${receiver.url}?zapier-secret=zs-1`);
  });

  it('with CREDENTIALS_KEY: takes the new key from CREDENTIALS_KEY_NEW, and the server then starts only with the new key', async () => {
    const { dataDir, receiver } = await seeded();
    const current = keyIn(dataDir).toString('base64');
    const next = crypto.randomBytes(32).toString('hex');
    const r = await wedsync(dataDir, ['keys', 'rotate'], { CREDENTIALS_KEY: current, CREDENTIALS_KEY_NEW: next });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/start the server with CREDENTIALS_KEY set to the new key\n$/);
    // The key file is the operator's business in this mode: untouched.
    expect(keyIn(dataDir).toString('base64')).toBe(current);

    const config = (key: string) => loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', CREDENTIALS_KEY: key });
    expect(() => createWedSyncServer(config(current), { authSecret: TEST_SECRET, logger: createLogger(config(current)) }))
      .toThrow(/the key-encryption key from CREDENTIALS_KEY does not open the secrets in this database/);
    const t = await startTestServer({ dataDir, env: { CREDENTIALS_KEY: next } });
    await pushWorks(t, receiver, 'env-key');
  });

  it('fails with one line and changes nothing: no new key, a wrong current key, the same key, a running server', async () => {
    const { dataDir } = await seeded();
    const before = sealedValues(dataDir);
    const keyBefore = keyIn(dataDir);
    const cases: [string[], Record<string, string>, number, RegExp][] = [
      [['keys', 'rotate'], {}, 2, /^wedsync: no new key: set CREDENTIALS_KEY_NEW, or pass --new-key-file FILE or --generate$/],
      [['keys', 'rotate', '--generate'], { CREDENTIALS_KEY_NEW: crypto.randomBytes(32).toString('base64') }, 2, /give the new key one way/],
      [['keys', 'rotate'], { CREDENTIALS_KEY: crypto.randomBytes(32).toString('base64'), CREDENTIALS_KEY_NEW: crypto.randomBytes(32).toString('base64') }, 1, /does not open the secrets in this database/],
      [['keys', 'rotate'], { CREDENTIALS_KEY_NEW: keyBefore.toString('base64') }, 2, /the new key is the current key/],
      [['keys', 'rotate', '--new-key-file', path.join(dataDir, 'missing')], {}, 2, /cannot read the new key/],
      [['keys', 'rotate'], { CREDENTIALS_KEY_NEW: 'too-short-to-be-a-key-but-32-chars!!' }, 2, /cannot read the new key: CREDENTIALS_KEY_NEW must hold 32 bytes/],
      [['keys', 'spin'], {}, 2, /keys needs a subcommand: rotate/],
    ];
    for (const [args, env, code, message] of cases) {
      const r = await wedsync(dataDir, args, env);
      expect({ args, env: Object.keys(env), code: r.code, stdout: r.stdout }).toEqual({ args, env: Object.keys(env), code, stdout: '' });
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    }
    const running = await startTestServer({ dataDir });
    const busy = await wedsync(dataDir, ['keys', 'rotate', '--generate']);
    expect(busy.code).toBe(1);
    expect(busy.stderr.trim().split('\n')).toEqual(['wedsync: the database is in use: stop the server (and any wedsync peer on this DATA_DIR) first; nothing was changed']);
    await running.close();

    expect(sealedValues(dataDir).map(([what, sealed]) => [what, sealed])).toEqual(expect.arrayContaining(before.map(([what, sealed]) => [what, sealed])));
    expect(keyIn(dataDir).equals(keyBefore)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'credentials-key.next'))).toBe(false);
    const empty = await wedsync(path.join(dataDir, 'nowhere'), ['keys', 'rotate', '--generate']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^wedsync: no database in /);
  }, 120_000); // nine CLI processes, each transforming the TypeScript it loads

  it('a rotation interrupted after its commit is finished by the next start: the database is under the .next key', async () => {
    const { dataDir, receiver } = await seeded();
    const oldKey = keyIn(dataDir).toString('base64');
    const next = crypto.randomBytes(32).toString('base64');
    // Commit done, key file not yet moved: what a crash between the two leaves behind.
    expect((await wedsync(dataDir, ['keys', 'rotate'], { CREDENTIALS_KEY: oldKey, CREDENTIALS_KEY_NEW: next })).code).toBe(0);
    fs.writeFileSync(path.join(dataDir, 'credentials-key.next'), next + '\n', { mode: 0o600 });
    const t = await startTestServer({ dataDir });
    expect(keyIn(dataDir).toString('base64')).toBe(next);
    expect(fs.existsSync(path.join(dataDir, 'credentials-key.next'))).toBe(false);
    await pushWorks(t, receiver, 'recovered');
  });
});
