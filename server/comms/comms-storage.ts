import type { DocumentContext } from '../bridge/bridge-context.ts';
import type { CommsChanges } from './comms-writes.ts';
import type { WatchRecords } from './escalation-watch.ts';
import type { CommsJobs } from './job-runs.ts';
import type { LastSeenRecords } from './last-seen.ts';
import type { NotificationRecords, NotificationStore } from './notification-store.ts';
import type { SendLedger } from './send-ledger.ts';
import type { WeddingPerson } from './wedding-people.ts';

/**
 * The communication bridge's storage on one backend: the embedded SQLite database
 * (sqliteCommsStorage, sqlite-comms-storage.ts) or PostgreSQL shared by instances
 * (postgresCommsStorage, postgres-comms-storage.ts). CommsService (and the payment coordinator
 * through it) is built over either. Reads and writes outside a document change go through the
 * asynchronous records; what a change writes goes through `changes` (CommsWrites), so it commits
 * with the change on either backend. Times are ms since the epoch, UTC.
 */
export interface CommsStorage {
  readonly jobs: CommsJobs;
  readonly watch: WatchRecords;
  readonly notifications: NotificationRecords;
  readonly lastSeen: LastSeenRecords;
  readonly sends: SendLedger;
  /** The acknowledgement links' HMAC key (32 bytes), kept sealed with the key-encryption key in `server_keys`. */
  readonly ackKey: Buffer;
  /**
   * The people on the wedding (members of its workspace, planner and couple participants:
   * wedding-people.ts), as a reader to call inside the change that makes them contacts: on SQLite
   * it reads then, in the change's transaction; on PostgreSQL it returns what was read before.
   */
  weddingPeople(weddingId: string): Promise<() => WeddingPerson[]>;
  /**
   * The same for a change already running that cannot wait (an inbound notice or alert applied by
   * the inbox worker): on SQLite read now; null on PostgreSQL, where it cannot be read inside the
   * change (nobody is added, and nobody is reported removed).
   */
  weddingPeopleNow(weddingId: string): WeddingPerson[] | null;
  /**
   * The notification store as code running inside a change it cannot hand writes over from reads
   * and writes it (the inbox worker's notice listeners, adapter-notices.ts): SQLite's synchronous
   * store; null on PostgreSQL, where adapters' notices are sent by comms jobs instead.
   */
  readonly notificationsInChange: NotificationStore | null;
  /** A person's e-mail; null when they have none or there is no such person. */
  personEmail(personId: string): Promise<string | null>;
  /** The wedding's jobs still to run. */
  pendingJobs(weddingId: string): Promise<number>;
  /** Forgets finished jobs, sent send records, closed watches and decided pending messages from before `before`. */
  cleanup(before: number): Promise<void>;
  /** Where comms changes documents with its writes, over the bridge's live documents. Called once, by CommsService. */
  changes(docs: DocumentContext): CommsChanges;
  /** False once the storage is closed (the comms tick then does nothing). */
  readonly open: boolean;
  /** Releases what the storage holds (the job claims); the caller ends its pool after. */
  close(): Promise<void>;
}
