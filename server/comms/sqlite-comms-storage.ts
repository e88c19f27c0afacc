import type { CredentialCipher } from '../bridge/credential-cipher.ts';
import { OutboxStore } from '../bridge/outbox-store.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../storage/database.ts';
import { serverKey } from '../storage/server-keys.ts';
import type { CommsStorage } from './comms-storage.ts';
import { SqliteCommsWrites, sqliteCommsChanges } from './comms-writes.ts';
import { EscalationWatch, sqliteWatchRecords } from './escalation-watch.ts';
import { JobQueue, sqliteCommsJobs } from './job-queue.ts';
import { LastSeen, sqliteLastSeenRecords } from './last-seen.ts';
import { NotificationStore, sqliteNotificationRecords } from './notification-store.ts';
import { SqliteSendLedger } from './send-ledger.ts';
import { peopleOnWedding } from './wedding-people.ts';

export interface SqliteCommsStorageOptions {
  db: Db;
  /** The key-encryption key's cipher, for the acknowledgement links' signing key. */
  cipher: CredentialCipher;
  /** The comms clock (ms since the epoch): the bridge's. */
  now: () => number;
  logger: Logger;
}

/**
 * The communication bridge's storage on the embedded SQLite database (the default). Its stores are
 * synchronous: what a document change writes is written at once in the change's open group
 * (SqliteCommsWrites), as before; the asynchronous contracts of CommsStorage wrap them for the rest.
 */
export function sqliteCommsStorage(options: SqliteCommsStorageOptions): CommsStorage {
  const { db } = options;
  const jobs = new JobQueue(db, options.now, options.logger);
  const watch = new EscalationWatch(db);
  const notifications = new NotificationStore(db);
  const lastSeen = new LastSeen(db);
  const pendingJobs = db.prepare(`SELECT count(*) FROM comms_jobs WHERE wedding_id = ? AND status = 'pending'`).pluck();
  const email = db.prepare('SELECT email FROM people WHERE id = ?').pluck();
  return {
    jobs: sqliteCommsJobs(jobs),
    watch: sqliteWatchRecords(watch),
    notifications: sqliteNotificationRecords(notifications),
    lastSeen: sqliteLastSeenRecords(lastSeen),
    sends: new SqliteSendLedger(db),
    notificationsInChange: notifications,
    ackKey: serverKey(db, options.cipher, 'ack-links'),
    weddingPeople: async (weddingId) => () => peopleOnWedding(db, weddingId),
    weddingPeopleNow: (weddingId) => peopleOnWedding(db, weddingId),
    personEmail: async (personId) => (email.get(personId) as string | null | undefined) ?? null,
    pendingJobs: async (weddingId) => pendingJobs.get(weddingId) as number,
    async cleanup(before) {
      db.prepare(`DELETE FROM comms_jobs WHERE status IN ('done', 'cancelled') AND done_at < ?`).run(before);
      db.prepare(`DELETE FROM comms_sends WHERE status = 'sent' AND sent_at < ?`).run(before);
      db.prepare(`DELETE FROM comms_watch WHERE status = 'done' AND next_check_at < ?`).run(before);
      notifications.forgetDecided(before);
    },
    changes: (docs) => sqliteCommsChanges(docs, new SqliteCommsWrites({ db, lastSeen, notifications, jobs, watch, outbox: new OutboxStore(db) })),
    get open() { return db.open; },
    close: async () => undefined,
  };
}
