import type pg from 'pg';
import type { CredentialCipher } from '../../bridge/credential-cipher.ts';
import { WedSyncError } from '../../errors.ts';
import { resealRows, type RotationReport, type SealedRows } from '../key-rotation.ts';
import { RUNNING_LOCK } from './collab-instances.ts';
import { inTransaction } from './pool.ts';

/** The tables holding values sealed with the key-encryption key. */
const SEALED_TABLES = 'connections, integrations, oauth_flows, server_keys';

/**
 * A registered instance whose process runs: it holds the session advisory lock claiming its
 * INSTANCE_ID (collab-instances.ts `claim`, key hashtextextended('wedsync-instance:<id>', 0)) while
 * it is registered, whether it serves a wedding or not, and the database drops it with the process. A
 * bigint advisory lock shows in pg_locks as classid (high half) and objid (low half), objsubid 1.
 */
const RUNNING_INSTANCE = `SELECT i.id FROM collab_instances i
  WHERE EXISTS (SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('wedsync-instance:' || i.id, 0))
  ORDER BY i.id LIMIT 1`;

/**
 * Re-encrypts everything sealed with the key-encryption key under `to` on PostgreSQL: the same
 * values as on SQLite (key-rotation.ts resealRows), in one transaction that locks the sealed tables
 * against every other session (ACCESS EXCLUSIVE), so either all of it is under the new key or
 * nothing changed. Every instance must be stopped first (they hold the old key in memory). As a
 * guard, an instance registered and holding its INSTANCE_ID claim (named in the refusal), an
 * unexpired document lease (an instance frozen or cut off from the database may hold one still),
 * or the instances' shared running lock (held from before an instance reads any key until its
 * pools close: starting and stopping instances too; taken exclusively here until COMMIT, so none
 * starts meanwhile) means one is running, and the rotation is refused (an instance whose claim's
 * connection dropped holds none until it claims again; it then finds the new key and stops:
 * server-keys.ts checkKeyUnchanged); it is checked before the tables are locked
 * (so a running instance's sessions are not queued behind the lock) and again after. The lock is
 * waited for 5 s at most. The old ciphertexts stay in dead row versions until VACUUM reclaims them
 * (docs/operations.md, "Rotating the key").
 *
 * @throws KeyError naming the first value `from` does not open (nothing changed);
 *   WedSyncError `storage_unavailable` (503) while an instance holds its INSTANCE_ID, a document lease
 *   or the instances' running lock, or when the
 *   tables stay locked by other sessions for 5 s
 */
export async function rotatePostgresKeyEncryptionKey(pool: pg.Pool, from: CredentialCipher, to: CredentialCipher): Promise<RotationReport> {
  const refuseWhileRunning = async (client: pg.ClientBase | pg.Pool) => {
    const claimed = await client.query<{ id: string }>(RUNNING_INSTANCE);
    if (claimed.rows[0]) {
      throw new WedSyncError('storage_unavailable', `instance ${claimed.rows[0].id} is running (it holds its INSTANCE_ID): stop every instance first; nothing was changed`);
    }
    const live = await client.query<{ owner: string | null }>('SELECT owner FROM document_leases WHERE expires_at > clock_timestamp() AND owner IS NOT NULL LIMIT 1');
    if (live.rows[0]) {
      throw new WedSyncError('storage_unavailable', `instance ${live.rows[0].owner} is running (it holds a document lease): stop every instance first; nothing was changed`);
    }
    // Any instance from before it reads a key until its pools close (starting, or stopping, too).
    // Inside the transaction the lock is kept until COMMIT: no instance starts meanwhile.
    const { rows: [free] } = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(${RUNNING_LOCK}) AS got`);
    if (!free?.got) {
      throw new WedSyncError('storage_unavailable', 'an instance is running (starting or stopping: it holds the instances\' running lock): stop every instance first; nothing was changed');
    }
  };
  await refuseWhileRunning(pool);
  return inTransaction(pool, async (client) => {
    await client.query("SET LOCAL lock_timeout = '5s'");
    try {
      await client.query(`LOCK TABLE ${SEALED_TABLES} IN ACCESS EXCLUSIVE MODE`);
    } catch (error) {
      if ((error as { code?: string }).code !== '55P03') throw error;
      throw new WedSyncError('storage_unavailable', 'the tables holding secrets stayed in use for 5 s: stop every instance first; nothing was changed');
    }
    await refuseWhileRunning(client);
    const accounts: SealedRows['accounts'] = [];
    for (const table of ['connections', 'integrations'] as const) {
      const { rows } = await client.query<Omit<SealedRows['accounts'][number], 'table'>>(`SELECT id, credentials_enc, webhook_secret_enc, configuration FROM ${table} ORDER BY id`);
      accounts.push(...rows.map((r) => ({ table, ...r })));
    }
    const flows = (await client.query<SealedRows['flows'][number]>('SELECT state, code_verifier FROM oauth_flows WHERE used_at IS NULL')).rows;
    const keys = (await client.query<SealedRows['keys'][number]>('SELECT name, key FROM server_keys')).rows;
    const { rows, report } = resealRows({ accounts, flows, keys }, from, to);
    for (const r of rows.accounts) {
      await client.query(`UPDATE ${r.table} SET credentials_enc = $1, webhook_secret_enc = $2, configuration = $3 WHERE id = $4`, [r.credentials_enc, r.webhook_secret_enc, r.configuration, r.id]);
    }
    for (const f of rows.flows) await client.query('UPDATE oauth_flows SET code_verifier = $1 WHERE state = $2', [f.code_verifier, f.state]);
    for (const k of rows.keys) await client.query('UPDATE server_keys SET key = $1 WHERE name = $2', [k.key, k.name]);
    return report;
  });
}
