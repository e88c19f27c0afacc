import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { PostgresOAuthFlowStore } from '../../server/connections/postgres-oauth-flow-store.ts';
import pg from 'pg';
import { CollabInstances, RUNNING_LOCK } from '../../server/storage/postgres/collab-instances.ts';
import { waitFor } from '../helpers/wait.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { openPostgresKeyEncryptionKey, postgresServerKey } from '../../server/storage/postgres/server-keys.ts';
import { CLI } from '../helpers/child-server.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15 (key rotation had no PostgreSQL form): `wedsync keys rotate` with DATABASE_URL
// re-encrypts every sealed value of the shared database under the new key, in one transaction,
// refusing while an instance runs or when the current key is wrong, and changing nothing then.

const run = promisify(execFile);
/** Instance ids whose claims' advisory lock keys fall on both signs of the 64-bit key (checked below). */
const INSTANCE_IDS = ['idle-inst', 'inst-b', 'inst-c', 'inst-d', 'inst-e', 'inst-f'];
async function wedsync(args: string[], env: Record<string, string>) {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: tempDir('keys-pg-'), CREDENTIALS_KEY: '', CREDENTIALS_KEY_NEW: '', ...env } })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

describe('wedsync keys rotate on PostgreSQL', () => {
  const db = usePostgresDatabase();
  beforeAll(async () => { await applyPostgresMigrations(db().admin); });

  it('re-encrypts connections, their configuration secrets, OAuth flows and server keys under the new key; refuses while an instance runs or with the wrong key, changing nothing', async () => {
    const { admin, url } = db();
    const [a, b, c] = [crypto.randomBytes(32), crypto.randomBytes(32), crypto.randomBytes(32)].map((k) => k.toString('base64'));
    const cipherA = createCredentialCipher(Buffer.from(a!, 'base64'));
    const cipherB = createCredentialCipher(Buffer.from(b!, 'base64'));
    await openPostgresKeyEncryptionKey(admin, a);
    const ackKey = await postgresServerKey(admin, cipherA, 'ack_links');
    const made = await new PostgresIntegrationStore(admin, cipherA).createStandalone({
      id: 'int_keys', weddingId: 'w1', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process',
      credentials: { apiKey: 'sk_live_secret' }, webhookSecret: 'whsec_secret', capabilities: ['push'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
      configuration: { url: 'https://hooks.example.com/catch?token=hidden-token', direction: 'outbound' }, configurationSecrets: [{ path: ['url'], kind: 'url' }],
    });
    const now = Date.now();
    await new PostgresOAuthFlowStore(admin).add({
      state: 'st_1', provider: 'google', system: 'google-calendar', codeVerifier: cipherA.encrypt('verifier-1', 'oauth_flow:st_1'), principal: '{}', connectBody: '{}',
      redirectUri: 'http://hub.example/cb', createdAt: now, expiresAt: now + 600_000,
    }, now);
    const sealedNow = async () => (await admin.query("SELECT credentials_enc, webhook_secret_enc, configuration FROM connections WHERE id = 'int_keys'")).rows[0];
    const before = await sealedNow();

    // Usage: with DATABASE_URL the new key is given, never generated into one instance's DATA_DIR.
    const generated = await wedsync(['keys', 'rotate', '--generate'], { DATABASE_URL: url, CREDENTIALS_KEY: a! });
    expect(generated.code).toBe(2);
    expect(generated.stderr).toMatch(/^wedsync: --generate writes a key file/);

    // The wrong current key: refused in one line, nothing changed.
    const wrong = await wedsync(['keys', 'rotate'], { DATABASE_URL: url, CREDENTIALS_KEY: c!, CREDENTIALS_KEY_NEW: b! });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toEqual([expect.stringContaining('does not open the secrets in this database')]);
    expect(await sealedNow()).toEqual(before);

    // A value the current key does not open (sealed under another key), found part way through:
    // the whole rotation is rolled back, the values before it included.
    const cipherC = createCredentialCipher(Buffer.from(c!, 'base64'));
    await new PostgresIntegrationStore(admin, cipherC).createStandalone({
      id: 'int_zz_foreign', weddingId: 'w2', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process',
      credentials: { apiKey: 'other' }, webhookSecret: 'whsec_other', capabilities: ['push'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
      configuration: {}, configurationSecrets: [],
    });
    const keysBefore = (await admin.query('SELECT name, key FROM server_keys ORDER BY name')).rows;
    const partial = await wedsync(['keys', 'rotate'], { DATABASE_URL: url, CREDENTIALS_KEY: a!, CREDENTIALS_KEY_NEW: b! });
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/^wedsync: the current key does not open the credentials of connection int_zz_foreign .*nothing was changed\n$/);
    expect(await sealedNow()).toEqual(before);
    expect((await admin.query('SELECT name, key FROM server_keys ORDER BY name')).rows).toEqual(keysBefore);
    await admin.query("DELETE FROM connections WHERE id = 'int_zz_foreign'");

    // An instance holding a document lease is running: refused, nothing changed.
    await admin.query("INSERT INTO document_leases (name, owner, epoch, expires_at) VALUES ('wedding:w1', 'inst-1', 1, clock_timestamp() + interval '1 minute')");
    const busy = await wedsync(['keys', 'rotate'], { DATABASE_URL: url, CREDENTIALS_KEY: a!, CREDENTIALS_KEY_NEW: b! });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/^wedsync: instance inst-1 is running .*nothing was changed\n$/);
    expect(await sealedNow()).toEqual(before);
    await admin.query("DELETE FROM document_leases WHERE name = 'wedding:w1'");

    // An instance that serves no wedding (no lease) but runs: it holds its INSTANCE_ID claim. Refused;
    // once it stopped (its claim ends with its connection, as at kill -9), its stale row is no bar.
    // Ids whose hashes fall on both signs of the advisory lock's 64-bit key.
    const signs = (await admin.query<{ negative: boolean }>("SELECT hashtextextended('wedsync-instance:' || id, 0) < 0 AS negative FROM unnest($1::text[]) AS id", [INSTANCE_IDS])).rows.map((r) => r.negative);
    expect(new Set(signs)).toEqual(new Set([true, false]));
    for (const id of INSTANCE_IDS) {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      const instances = new CollabInstances(pool);
      await instances.register(id, `http://127.0.0.1:1/${id}`);
      const idle = await wedsync(['keys', 'rotate'], { DATABASE_URL: url, CREDENTIALS_KEY: a!, CREDENTIALS_KEY_NEW: b! });
      expect(idle.code, id).toBe(1);
      expect(idle.stderr).toBe(`wedsync: instance ${id} is running (it holds its INSTANCE_ID): stop every instance first; nothing was changed\n`);
      expect(await sealedNow()).toEqual(before);
      instances.close();
      await pool.end();
    }
    expect((await admin.query('SELECT count(*)::int AS n FROM collab_instances')).rows[0]).toEqual({ n: INSTANCE_IDS.length });

    // An instance starting (its INSTANCE_ID claimed before it reads any key, not registered yet) and
    // one stopping (unregistered, its deliveries still finishing): both hold the running lock.
    const running = /^wedsync: an instance is running \(starting or stopping: it holds the instances' running lock\): stop every instance first; nothing was changed\n$/;
    const starting = new pg.Pool({ connectionString: url, max: 2 });
    const startingInstances = new CollabInstances(starting);
    await startingInstances.claim('inst-starting');
    const duringStart = await wedsync(['keys', 'rotate'], { DATABASE_URL: url, CREDENTIALS_KEY: a!, CREDENTIALS_KEY_NEW: b! });
    expect(duringStart.code).toBe(1);
    expect(duringStart.stderr).toMatch(running);
    await startingInstances.register('inst-starting', 'http://127.0.0.1:1/starting');
    await startingInstances.unregister('inst-starting');
    // Unregistered, the INSTANCE_ID is free for another process at once; the running lock is not.
    const other = await admin.connect();
    expect((await other.query("SELECT pg_try_advisory_lock(hashtextextended('wedsync-instance:inst-starting', 0)) AS got")).rows[0]).toEqual({ got: true });
    await other.query('SELECT pg_advisory_unlock_all()');
    other.release();
    const duringStop = await wedsync(['keys', 'rotate'], { DATABASE_URL: url, CREDENTIALS_KEY: a!, CREDENTIALS_KEY_NEW: b! });
    expect(duringStop.code).toBe(1);
    expect(duringStop.stderr).toMatch(running);
    expect(await sealedNow()).toEqual(before);
    startingInstances.close();
    await starting.end();

    // An instance starting while a rotation holds the running lock waits for its COMMIT.
    const rotation = await admin.connect();
    const late = new pg.Pool({ connectionString: url, max: 2 });
    const lateInstances = new CollabInstances(late);
    try {
      await rotation.query('BEGIN');
      await rotation.query(`SELECT pg_advisory_xact_lock(${RUNNING_LOCK})`);
      let claimed = false;
      const claiming = lateInstances.claim('inst-late').then(() => { claimed = true; });
      await waitFor(async () => (await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows[0].n === 1, 'the starting instance waiting for the lock');
      expect(claimed).toBe(false);
      await rotation.query('COMMIT');
      await claiming;
      expect(lateInstances.claimHeld).toBe(true);
    } finally {
      // Never left holding the lock (a failed assertion above): the claim would wait for ever.
      await rotation.query('ROLLBACK').catch(() => undefined);
      rotation.release();
      lateInstances.close();
      await late.end();
    }

    const rotated = await wedsync(['keys', 'rotate'], { DATABASE_URL: url, CREDENTIALS_KEY: a!, CREDENTIALS_KEY_NEW: b! });
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    expect(rotated.stdout).toMatch(/^re-encrypted 1 integration\(s\) \(1 configuration secret\(s\)\) and 2 server key\(s\) under the new key; start every instance with CREDENTIALS_KEY set to the new key\n$/);
    // Everything opens with the new key, and as before.
    expect(await new PostgresIntegrationStore(admin, cipherB).get(made.id)).toMatchObject({
      credentials: { apiKey: 'sk_live_secret' }, webhookSecret: 'whsec_secret', configuration: { url: 'https://hooks.example.com/catch?token=hidden-token' },
    });
    expect((await postgresServerKey(admin, cipherB, 'ack_links')).equals(ackKey)).toBe(true);
    await expect(openPostgresKeyEncryptionKey(admin, b)).resolves.toBeDefined();
    const flow = (await admin.query("SELECT code_verifier FROM oauth_flows WHERE state = 'st_1'")).rows[0] as { code_verifier: string };
    expect(cipherB.decrypt(flow.code_verifier, 'oauth_flow:st_1')).toBe('verifier-1');
    // Nothing opens with the old one any more.
    await expect(openPostgresKeyEncryptionKey(admin, a)).rejects.toThrow(/does not open/);
    const after = await sealedNow() as { credentials_enc: string };
    expect(() => cipherA.decrypt(after.credentials_enc, made.id)).toThrow();
    expect(() => cipherA.decrypt(flow.code_verifier, 'oauth_flow:st_1')).toThrow();
  });
});
