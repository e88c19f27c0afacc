import { beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { resealRows } from '../../server/storage/key-rotation.ts';
import { ClaimCheckError, CollabInstances, RUNNING_LOCK, type ClaimEvent } from '../../server/storage/postgres/collab-instances.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { rotatePostgresKeyEncryptionKey } from '../../server/storage/postgres/key-rotation.ts';
import { checkKeyUnchanged, openPostgresKeyEncryptionKey } from '../../server/storage/postgres/server-keys.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * An INSTANCE_ID is one running process's (operator trial: a second process started with an id in
 * use overwrote the first's address, cut its wedding off with 1013 loops, and on stopping deleted the
 * first's registration).
 */
describe('INSTANCE_ID: one running process at a time', () => {
  const db = usePostgresDatabase();

  it('a second process with an id in use is refused at start with the reason, and the first stays registered; once the first stops the id is free', async () => {
    const env = { DATABASE_URL: db().url, INSTANCE_ID: 'saturday-1', CREDENTIALS_KEY: Buffer.alloc(32, 9).toString('base64') };
    const first = await startTestServer({ env });
    const registered = async () => (await db().admin.query<{ id: string; url: string }>('SELECT id, url FROM collab_instances ORDER BY id')).rows;
    const before = await registered();
    expect(before.map((r) => r.id)).toEqual(['saturday-1']);
    await expect(startTestServer({ env })).rejects.toThrow('INSTANCE_ID saturday-1 is in use by another running instance on this database: give each instance its own INSTANCE_ID');
    expect(await registered()).toEqual(before);
    // Another id starts beside it.
    const other = await startTestServer({ env: { ...env, INSTANCE_ID: 'saturday-2' } });
    expect((await registered()).map((r) => r.id)).toEqual(['saturday-1', 'saturday-2']);
    await other.close();
    await first.close();
    expect(await registered()).toEqual([]);
    const again = await startTestServer({ env });
    expect((await registered()).map((r) => r.id)).toEqual(['saturday-1']);
    await again.close();
  });

  it('a claim lost with its connection (the database ended it) is claimed again by itself; meanwhile the instance reports not ready, and afterwards a second process with the id is still refused', async () => {
    const env = { DATABASE_URL: db().url, INSTANCE_ID: 'sunday-1', CREDENTIALS_KEY: Buffer.alloc(32, 9).toString('base64') };
    const first = await startTestServer({ env });
    const advisoryHolders = async () => (await db().admin.query<{ pid: number }>("SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows.map((r) => r.pid);
    const [holder] = await advisoryHolders();
    expect(holder).toBeDefined();
    const ready = async () => {
      const res = await first.fetch('/readyz');
      return { status: res.status, serving: ((await res.json()) as { checks: { serving: { ok: boolean; detail?: string } } }).checks.serving };
    };
    expect(await ready()).toEqual({ status: 200, serving: { ok: true } });
    await db().admin.query('SELECT pg_terminate_backend($1)', [holder]);
    const lost = await waitFor(async () => { const r = await ready(); return r.status === 503 ? r : null; }, 'the instance not ready while its claim is lost', 5_000, 20);
    expect(lost.serving.detail).toContain('lost its claim on its INSTANCE_ID');
    await waitFor(async () => (await ready()).status === 200, 'the claim taken again and the instance ready', 10_000);
    const again = await advisoryHolders();
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(holder);
    // The new claim connection holds the instances' running lock again too (keys rotate refuses).
    const running = await db().admin.query<{ pid: number }>(`SELECT pid FROM pg_locks l, (SELECT hashtextextended('wedsync-running', 0) AS k) h
      WHERE l.locktype = 'advisory' AND l.granted AND l.mode = 'ShareLock' AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ((h.k >> 32) & 4294967295)::oid AND l.objid = (h.k & 4294967295)::oid`);
    expect(running.rows.map((r) => r.pid)).toEqual([again[0]]);
    await expect(startTestServer({ env })).rejects.toThrow('INSTANCE_ID sunday-1 is in use by another running instance');
    await first.close();
  });

  it('a claim lost and taken meanwhile by another process: the instance stops itself rather than serve under a shared id', async () => {
    const env = { DATABASE_URL: db().url, INSTANCE_ID: 'monday-1', CREDENTIALS_KEY: Buffer.alloc(32, 9).toString('base64') };
    const first = await startTestServer({ env });
    const [holder] = (await db().admin.query<{ pid: number }>("SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows.map((r) => r.pid);
    // Another process takes the id in the second before the first claims it again.
    const other = await db().admin.connect();
    try {
      await db().admin.query('SELECT pg_terminate_backend($1)', [holder]);
      await waitFor(async () => (await other.query<{ got: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('wedsync-instance:monday-1', 0)) AS got")).rows[0]!.got, 'the id taken by the other process', 2_000, 20);
      const reason = await Promise.race([first.server.fatal, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
      expect(reason).toBe('INSTANCE_ID monday-1 is in use by another running instance on this database: give each instance its own INSTANCE_ID');
      await expect(fetch(`${first.httpUrl}/readyz`)).rejects.toThrow();
    } finally {
      await other.query('SELECT pg_advisory_unlock_all()');
      other.release();
    }
  });

  it('an instance whose AUTH_SECRET is not the cluster’s is refused at start (operator trial: it reported ready and answered 401 to the cluster’s tokens)', async () => {
    const base = { DATABASE_URL: db().url, CREDENTIALS_KEY: Buffer.alloc(32, 9).toString('base64') };
    const first = await startTestServer({ env: { ...base, INSTANCE_ID: 'secret-1', AUTH_SECRET: 'a'.repeat(48) } });
    await expect(startTestServer({ env: { ...base, INSTANCE_ID: 'secret-2', AUTH_SECRET: 'b'.repeat(48) } }))
      .rejects.toThrow('AUTH_SECRET is not the one this cluster started with: every instance sharing the database needs the same AUTH_SECRET');
    const same = await startTestServer({ env: { ...base, INSTANCE_ID: 'secret-3', AUTH_SECRET: 'a'.repeat(48) } });
    await same.close();
    await first.close();
  });

  it('a claim lost between start-up and listening is held again when claim() returns (it never returns without the id), whether the re-claim was due or under way', async () => {
    for (const when of ['due', 'under way'] as const) {
      const pool = openPostgresPool(db().url, { max: 3 });
      // A re-claim 50 ms after the loss ('under way' waits for it to start), or after 10 s ('due').
      const instances = new CollabInstances(pool, when === 'due' ? { first: 10_000, max: 10_000 } : { first: 50, max: 50 });
      try {
        await instances.claim(`tuesday-${when}`);
        const [holder] = (await db().admin.query<{ pid: number }>("SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows.map((r) => r.pid);
        await db().admin.query('SELECT pg_terminate_backend($1)', [holder]);
        await waitFor(() => !instances.claimHeld, 'the claim lost', 5_000, 10);
        if (when === 'under way') await new Promise((r) => setTimeout(r, 50)); // NOTE: lets the 50 ms timer fire; either outcome must hold
        await instances.claim(`tuesday-${when}`);
        expect(instances.claimHeld, when).toBe(true);
        const other = await db().admin.connect();
        expect((await other.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got', [`wedsync-instance:tuesday-${when}`])).rows[0], when).toEqual({ got: false });
        other.release();
      } finally {
        instances.close();
        await pool.end();
      }
    }
  });
});

describe('INSTANCE_ID: a key rotated while the claim was lost (the instance held no running lock then)', () => {
  const db = usePostgresDatabase();

  it('a key rotation run while the claim was lost (the instance held no running lock then): on claiming again the instance stops itself rather than go on sealing with the old key', async () => {
    const [a, b] = [Buffer.alloc(32, 3), Buffer.alloc(32, 4)];
    const env = { DATABASE_URL: db().url, INSTANCE_ID: 'thursday-1', CREDENTIALS_KEY: a.toString('base64') };
    const first = await startTestServer({ env });
    const [holder] = (await db().admin.query<{ pid: number }>("SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows.map((r) => r.pid);
    // What `keys rotate` does to the server keys, in a transaction holding the running lock, taken
    // in the second after the claim's connection dropped (the re-claim then waits for its COMMIT).
    const rotation = await db().admin.connect();
    try {
      await db().admin.query('SELECT pg_terminate_backend($1)', [holder]);
      await rotation.query('BEGIN');
      await rotation.query(`SELECT pg_advisory_xact_lock(${RUNNING_LOCK})`);
      const keys = (await rotation.query<{ name: string; key: Buffer }>('SELECT name, key FROM server_keys')).rows;
      const { rows } = resealRows({ accounts: [], flows: [], keys }, createCredentialCipher(a), createCredentialCipher(b));
      for (const k of rows.keys) await rotation.query('UPDATE server_keys SET key = $1 WHERE name = $2', [k.key, k.name]);
      await rotation.query('COMMIT');
    } finally {
      await rotation.query('ROLLBACK').catch(() => undefined);
      rotation.release();
    }
    const reason = await Promise.race([first.server.fatal, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
    expect(reason).toBe('the key-encryption key was rotated while this instance was cut off from the database: restart it with the new CREDENTIALS_KEY');
    await expect(fetch(`${first.httpUrl}/readyz`)).rejects.toThrow();
    // Started again with the new key, it serves.
    const again = await startTestServer({ env: { ...env, CREDENTIALS_KEY: b.toString('base64') } });
    expect((await again.fetch('/readyz')).status).toBe(200);
    await again.close();
  });
});

describe('INSTANCE_ID: the claim check', () => {
  const db = usePostgresDatabase();
  beforeAll(async () => { await applyPostgresMigrations(db().admin); });

  it('the claim check runs on every claim after the first: the real rotation between a loss and the next claim is found, whether the re-claim is due or timed', async () => {
    const [a, b] = [createCredentialCipher(Buffer.alloc(32, 5)), createCredentialCipher(Buffer.alloc(32, 6))];
    await openPostgresKeyEncryptionKey(db().admin, Buffer.alloc(32, 5).toString('base64'));
    for (const when of ['claim()', 'timer'] as const) {
      const pool = openPostgresPool(db().url, { max: 3 });
      // The timer's re-claim 2 s after the loss: the rotation (a few queries) is done by then.
      const instances = new CollabInstances(pool, when === 'timer' ? { first: 2_000, max: 2_000 } : { first: 60_000, max: 60_000 });
      const events: ClaimEvent['kind'][] = [];
      instances.onClaim((e) => events.push(e.kind));
      const [from, to] = when === 'claim()' ? [a, b] : [b, a];
      try {
        await instances.claim(`friday-${when}`);
        instances.checkEachClaim((client) => checkKeyUnchanged(client, from));
        const [holder] = (await db().admin.query<{ pid: number }>("SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows.map((r) => r.pid);
        await db().admin.query('SELECT pg_terminate_backend($1)', [holder]);
        await waitFor(() => !instances.claimHeld, 'the claim lost', 5_000, 10);
        await waitFor(() => rotatePostgresKeyEncryptionKey(db().admin, from, to).then(() => true, () => false), 'the rotation, once the lost claim is gone on the database too', 1_500, 20);
        if (when === 'claim()') {
          await expect(instances.claim(`friday-${when}`)).rejects.toThrow(ClaimCheckError);
        } else {
          await waitFor(() => events.includes('changed'), 'the re-claim finding the new key', 10_000);
        }
        expect(instances.claimHeld, when).toBe(false);
        expect(events, when).not.toContain('claimed');
      } finally {
        instances.close();
        await pool.end();
      }
    }
  });
});
