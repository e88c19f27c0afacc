import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { CHECK_KEY, KeyError } from '../../server/storage/key-encryption-key.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { openPostgresKeyEncryptionKey, postgresServerKey } from '../../server/storage/postgres/server-keys.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';

// Issue 15: several instances share one database. What one instance signs with a server key (an
// acknowledgement link) must verify on another, and an instance started with another
// CREDENTIALS_KEY must refuse to start rather than seal secrets nobody else can open.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });
const instance = () => {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  return pool;
};
const key = crypto.randomBytes(32).toString('base64');

describe('server keys on PostgreSQL', () => {
  it('instances asking for a new key at once agree on one, stored sealed and bound to its name', async () => {
    const cipher = createCredentialCipher(Buffer.from(key, 'base64'));
    const name = `ack-links-${crypto.randomBytes(3).toString('hex')}`;
    const [a, b] = [instance(), instance()];
    const keys = await Promise.all(Array.from({ length: 6 }, (_, i) => postgresServerKey(i % 2 ? a : b, cipher, name)));
    expect(keys[0]).toHaveLength(32);
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
    const stored = (await db().admin.query<{ key: Buffer }>('SELECT key FROM server_keys WHERE name = $1', [name])).rows[0]!.key;
    expect(stored.includes(keys[0]!)).toBe(false);
    expect(stored.toString('utf8')).not.toContain(keys[0]!.toString('base64'));
    // Sealed for its own name: a copy under another name does not open.
    await db().admin.query('INSERT INTO server_keys (name, key, created_at) VALUES ($1, $2, $3)', [`${name}-copy`, stored, new Date().toISOString()]);
    await expect(postgresServerKey(a, cipher, `${name}-copy`)).rejects.toThrow();
  });

  it('an instance opens the database with the CREDENTIALS_KEY the others use, and refuses another key or none', async () => {
    const [a, b] = [instance(), instance()];
    const opened = await openPostgresKeyEncryptionKey(a, key);
    expect(opened.decrypt(opened.encrypt('secret', 'x'), 'x')).toBe('secret');
    await expect(openPostgresKeyEncryptionKey(b, key)).resolves.toBeDefined();
    await expect(openPostgresKeyEncryptionKey(b, crypto.randomBytes(32).toString('base64'))).rejects.toThrow(KeyError);
    await expect(openPostgresKeyEncryptionKey(b, undefined)).rejects.toThrow(/CREDENTIALS_KEY must be set/);
    expect((await db().admin.query('SELECT count(*)::int AS n FROM server_keys WHERE name = $1', [CHECK_KEY])).rows[0].n).toBe(1);
  });

  it('a database that cannot be reached is a storage error, not a wrong key', async () => {
    const unreachable = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1, connectionTimeoutMillis: 2_000 });
    pools.push(unreachable);
    const error = await openPostgresKeyEncryptionKey(unreachable, key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(KeyError);
  });
});
