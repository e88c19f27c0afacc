import crypto from 'node:crypto';
import type pg from 'pg';
import { createCredentialCipher, decodeKey, type CredentialCipher } from '../../bridge/credential-cipher.ts';
import { CHECK_KEY, KeyError } from '../key-encryption-key.ts';
import { newSealedServerKey, openSealedServerKey, serverKeyBinding } from '../server-keys.ts';
import { ClaimCheckError } from './collab-instances.ts';

/**
 * Server keys on PostgreSQL (schema/migrations/postgres/017_server_keys.sql): the same sealed keys
 * as `serverKey` on SQLite, shared by every instance, so an acknowledgement link signed by one
 * instance verifies on another. Instances asking for a new key at once agree on one: each offers a
 * sealed key (`ON CONFLICT DO NOTHING`), and all read back the one stored.
 *
 * @returns the 32-byte key named `name`, created on first use
 * @throws the cipher's error when `cipher` is not the key the stored one was sealed with; the pg error on storage trouble
 */
export async function postgresServerKey(pool: pg.Pool, cipher: CredentialCipher, name: string): Promise<Buffer> {
  return openSealedServerKey(cipher, name, await sealedServerKey(pool, cipher, name));
}

/** The stored, sealed form of key `name`, stored first (sealed with `cipher`) when there is none. Rejects with the pg error only. */
async function sealedServerKey(pool: pg.Pool, cipher: CredentialCipher, name: string): Promise<Buffer> {
  await pool.query('INSERT INTO server_keys (name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
    [name, newSealedServerKey(cipher, name), new Date().toISOString()]);
  const { rows } = await pool.query<{ key: Buffer }>('SELECT key FROM server_keys WHERE name = $1', [name]);
  return rows[0]!.key;
}

/**
 * The key-encryption key's cipher for an instance on PostgreSQL, checked against the database.
 * Every instance sharing the database must seal and open with the same key, so it must come from
 * CREDENTIALS_KEY: a key file generated in each instance's own DATA_DIR would differ between them.
 *
 * @throws KeyError when CREDENTIALS_KEY is unset, or does not open this database's secrets (another
 *   instance, or an earlier start, sealed them under a different key); the pg error on storage trouble
 */
export async function openPostgresKeyEncryptionKey(pool: pg.Pool, configured: string | undefined): Promise<CredentialCipher> {
  if (!configured) throw new KeyError('CREDENTIALS_KEY must be set with DATABASE_URL: every instance sharing the database needs the same key-encryption key');
  const cipher = createCredentialCipher(decodeKey(configured, 'CREDENTIALS_KEY'));
  const sealed = await sealedServerKey(pool, cipher, CHECK_KEY);
  try {
    openSealedServerKey(cipher, CHECK_KEY, sealed);
  } catch {
    throw new KeyError('the key-encryption key from CREDENTIALS_KEY does not open the secrets in this database (another instance, or an earlier start, sealed them under another key)');
  }
  return cipher;
}

/**
 * Checks, on a connection holding the instances' running lock (collab-instances.ts checkEachClaim),
 * that `cipher` still opens this database's secrets: `keys rotate` may have run while this instance's
 * claim was lost with its connection (it held no running lock then), and an instance going on with
 * the old key would seal values the rest of the cluster cannot open.
 *
 * @throws ClaimCheckError when the stored check value no longer opens with `cipher`; the pg error on storage trouble
 */
export async function checkKeyUnchanged(client: pg.ClientBase, cipher: CredentialCipher): Promise<void> {
  const { rows } = await client.query<{ key: Buffer }>('SELECT key FROM server_keys WHERE name = $1', [CHECK_KEY]);
  try {
    openSealedServerKey(cipher, CHECK_KEY, rows[0]!.key);
  } catch {
    throw new ClaimCheckError('the key-encryption key was rotated while this instance was cut off from the database: restart it with the new CREDENTIALS_KEY');
  }
}

/** The row holding what AUTH_SECRET must be (sealed like a server key, so key rotation re-seals it too). */
export const AUTH_SECRET_CHECK = 'auth-secret-check';

/**
 * Checks AUTH_SECRET against the cluster's: the first instance stores an HMAC of a fixed text under
 * it (sealed with the key-encryption key; the secret itself is never stored), every later one must
 * match it. Instances with different secrets would each refuse the others' tokens at random behind
 * the balancer (operator trial: one started, reported ready and answered 401 to the cluster's admin).
 *
 * @throws KeyError when AUTH_SECRET differs from the one the cluster started with; the pg error on storage trouble
 */
export async function checkPostgresAuthSecret(pool: pg.Pool, cipher: CredentialCipher, authSecret: string): Promise<void> {
  const mine = crypto.createHmac('sha256', authSecret).update('wedsync: the cluster\'s AUTH_SECRET').digest();
  const sealed = Buffer.from(cipher.encrypt(mine.toString('base64'), serverKeyBinding(AUTH_SECRET_CHECK)));
  await pool.query('INSERT INTO server_keys (name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [AUTH_SECRET_CHECK, sealed, new Date().toISOString()]);
  const { rows } = await pool.query<{ key: Buffer }>('SELECT key FROM server_keys WHERE name = $1', [AUTH_SECRET_CHECK]);
  const theirs = openSealedServerKey(cipher, AUTH_SECRET_CHECK, rows[0]!.key);
  if (theirs.length !== mine.length || !crypto.timingSafeEqual(theirs, mine)) {
    throw new KeyError('AUTH_SECRET is not the one this cluster started with: every instance sharing the database needs the same AUTH_SECRET');
  }
}
