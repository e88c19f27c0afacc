import type { JoinedWritesHost } from '../collab/joined-changes.ts';
import type pg from 'pg';
import type { CredentialCipher } from '../bridge/credential-cipher.ts';
import { PostgresOutboxStore } from '../bridge/postgres-outbox-store.ts';
import type { Logger } from '../logger.ts';
import { postgresServerKey } from '../storage/postgres/server-keys.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import type { CommsStorage } from './comms-storage.ts';
import { PostgresEscalationWatch } from './postgres-escalation-watch.ts';
import { postgresCommsChanges, type PostgresCommsParts } from './postgres-comms-writes.ts';
import { PostgresJobQueue } from './postgres-job-queue.ts';
import { PostgresLastSeen } from './postgres-last-seen.ts';
import { PostgresNotificationStore } from './postgres-notification-store.ts';
import { PostgresSendLedger } from './postgres-send-ledger.ts';
import { postgresPeopleOnWedding } from './wedding-people.ts';

export interface PostgresCommsStorageOptions {
  /** The pool comms' statements run on (openPostgresPool; the caller ends it after close()). */
  pool: pg.Pool;
  /** This instance's INSTANCE_ID: the holder of its comms job claims (per wedding). */
  instanceId: string;
  /** The key-encryption key's cipher (openPostgresKeyEncryptionKey), for the acknowledgement links' signing key. */
  cipher: CredentialCipher;
  /** DurablePersistence on PostgreSQL: what a document change writes is a joined write of it. */
  persistence: JoinedWritesHost;
  /** The comms clock (ms since the epoch): the bridge's. */
  now: () => number;
  logger: Logger;
  /** How long a wedding's job claim lasts unless renewed (ms). @default 15000 */
  claimTtlMs?: number;
  /** The acknowledgement links' key, read before (postgresServerKey 'ack-links'); read here when absent. */
  ackKey?: Buffer;
}

/**
 * The communication bridge's storage on PostgreSQL, shared by every instance of a cluster (issue
 * 15): the jobs are claimed per wedding by whichever instance is free (PostgresJobQueue), the sends
 * a message plans are outbox rows of the bridge's shared outbox (PostgresOutboxStore) added in the
 * transaction of the message's append, and everything a document change writes (the watch,
 * last-seen values, jobs, pending messages) is a joined write of it (PostgresCommsWrites), made by
 * the document's owner. Resolves once the acknowledgement links' key is read (or created: instances
 * creating it at once agree on one). Rejects with the pg error, or the cipher's when `cipher` is
 * not the key the stored one was sealed with.
 */
export async function postgresCommsStorage(options: PostgresCommsStorageOptions): Promise<CommsStorage> {
  return postgresCommsStorageWith({ ...options, ackKey: options.ackKey ?? await postgresServerKey(options.pool, options.cipher, ACK_LINKS_KEY) });
}

/** The server key the acknowledgement links are signed with. */
export const ACK_LINKS_KEY = 'ack-links';

/** postgresCommsStorage with the acknowledgement links' key already read (a server assembly that cannot wait). */
export function postgresCommsStorageWith(options: PostgresCommsStorageOptions & { ackKey: Buffer }): CommsStorage {
  const { pool, now } = options;
  const jobs = new PostgresJobQueue({ pool, instanceId: options.instanceId, now, logger: options.logger, claimTtlMs: options.claimTtlMs });
  const watch = new PostgresEscalationWatch(pool);
  const notifications = new PostgresNotificationStore(pool);
  const lastSeen = new PostgresLastSeen(pool);
  // The outbox's own claims are the bridge's (postgresBridgeStorage): comms only adds rows.
  const outbox = new PostgresOutboxStore(pool, { instanceId: options.instanceId });
  const parts: PostgresCommsParts = { lastSeen, notifications, jobs, watch, outbox, now };
  const { ackKey } = options;
  let open = true;
  return {
    jobs, watch, notifications, lastSeen,
    sends: new PostgresSendLedger(pool),
    notificationsInChange: null,
    ackKey,
    async weddingPeople(weddingId) {
      const people = await postgresPeopleOnWedding(pool, weddingId);
      return () => people;
    },
    weddingPeopleNow: () => null,
    async personEmail(personId) {
      const { rows } = await pool.query<{ email: string | null }>('SELECT email FROM people WHERE id = $1', [personId]);
      return rows[0]?.email ?? null;
    },
    async pendingJobs(weddingId) {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::integer AS n FROM comms_jobs WHERE wedding_id = $1 AND status = 'pending'`, [weddingId]);
      return rows[0]!.n;
    },
    async cleanup(before) {
      await inTransaction(pool, async (c) => {
        await c.query(`DELETE FROM comms_jobs WHERE status IN ('done', 'cancelled') AND done_at < $1`, [before]);
        await c.query(`DELETE FROM comms_sends WHERE status = 'sent' AND sent_at < $1`, [before]);
        await c.query(`DELETE FROM comms_watch WHERE status = 'done' AND next_check_at < $1`, [before]);
        await c.query(`DELETE FROM comms_pending WHERE status <> 'pending' AND decided_at < $1`, [before]);
      });
    },
    changes: (docs) => postgresCommsChanges({ parts, pool, persistence: options.persistence, withDocument: (weddingId, fn) => docs.withDocument(weddingId, fn) }),
    get open() { return open; },
    async close() {
      open = false;
      await jobs.close();
    },
  };
}
