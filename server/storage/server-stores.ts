import type pg from 'pg';
import { ActivityStore } from '../activity/activity-store.ts';
import { PostgresActivityStore } from '../activity/postgres-activity-store.ts';
import { SqliteApiKeyStore, type ApiKeyStore } from '../auth/api-keys.ts';
import { PostgresApiKeyStore } from '../auth/postgres-api-keys.ts';
import { postgresConsistencyResults, sqliteConsistencyResults, type ConsistencyResults } from '../bridge/consistency-results.ts';
import { SqliteOAuthFlowStore, type OAuthFlowStore } from '../connections/oauth-flow-store.ts';
import { PostgresOAuthFlowStore } from '../connections/postgres-oauth-flow-store.ts';
import type { Logger } from '../logger.ts';
import { SqliteEmailLinkStore, type EmailLinkStore } from '../people/email-link-store.ts';
import { SqliteInvitationStore, type InvitationStore } from '../people/invitation-store.ts';
import { SqlitePasskeyStore, type PasskeyStore } from '../people/passkey-store.ts';
import { SqlitePeopleStore, type PeopleStore } from '../people/people-store.ts';
import { PostgresEmailLinkStore } from '../people/postgres-email-link-store.ts';
import { PostgresInvitationStore } from '../people/postgres-invitation-store.ts';
import { PostgresPasskeyStore } from '../people/postgres-passkey-store.ts';
import { PostgresPeopleStore } from '../people/postgres-people-store.ts';
import { PostgresSessionStore } from '../people/postgres-session-store.ts';
import { SqliteSessionStore, type SessionStore } from '../people/session-store.ts';
import type { DocumentStore as AsyncDocumentStore, StorageBackend } from './backend/document-store.ts';
import type { SnapshotStore } from './backend/snapshot-store.ts';
import { SqliteDocumentStore } from './backend/sqlite-document-store.ts';
import { SqliteSnapshotStore } from './backend/sqlite-snapshot-store.ts';
import type { Db } from './database.ts';
import { DocumentStore } from './document-store.ts';
import type { GroupCommit } from './group-commit.ts';
import { SnapshotStore as SqliteSnapshots } from './snapshot-store.ts';

/**
 * The stores the server's HTTP API and services read and write, on the backend DATABASE_URL
 * selects (docs/storage-backends.md): each is the same asynchronous interface on SQLite and on
 * PostgreSQL. What stays per backend (the document log, the bridge's storage bundle, readiness,
 * routing) is built by server/wedsync-server.ts and server/storage/postgres-server.ts.
 */
export interface ServerStores {
  readonly backend: StorageBackend;
  /** The documents' stored rows (snapshots, exports and peeks read them; the live documents write through DurablePersistence). */
  readonly documents: AsyncDocumentStore;
  readonly snapshots: SnapshotStore;
  readonly people: PeopleStore;
  readonly sessions: SessionStore;
  readonly apiKeys: ApiKeyStore;
  readonly invitations: InvitationStore;
  readonly passkeys: PasskeyStore;
  readonly emailLinks: EmailLinkStore;
  readonly oauthFlows: OAuthFlowStore;
  /** Where the activity recorder writes (ActivityRecorder takes either) and the activity routes read (ActivityReader). */
  readonly activity: ActivityStore | PostgresActivityStore;
  readonly consistencyResults: ConsistencyResults;
}

/** Every store on the server's SQLite database in DATA_DIR (the embedded default; behaviour as before the interfaces). */
export function sqliteServerStores(db: Db, group: GroupCommit): ServerStores & { documentRows: DocumentStore } {
  const documentRows = new DocumentStore(db);
  const activity = new ActivityStore(db);
  return {
    backend: 'sqlite',
    documentRows,
    documents: new SqliteDocumentStore(documentRows, group),
    snapshots: new SqliteSnapshotStore(new SqliteSnapshots(db)),
    people: new SqlitePeopleStore(db),
    sessions: new SqliteSessionStore(db),
    apiKeys: new SqliteApiKeyStore(db),
    invitations: new SqliteInvitationStore(db),
    passkeys: new SqlitePasskeyStore(db),
    emailLinks: new SqliteEmailLinkStore(db),
    oauthFlows: new SqliteOAuthFlowStore(db),
    activity,
    consistencyResults: sqliteConsistencyResults(db),
  };
}

/** The PostgreSQL bundle: its API key store also announces revocations made in a caller's transaction (the vendor removal). */
export type PostgresServerStores = ServerStores & { readonly apiKeys: PostgresApiKeyStore; listen(): Promise<void>; close(): Promise<void> };

/**
 * Every store on the PostgreSQL database shared by the instances of a cluster (migrations applied
 * by openPostgresDocuments). `listen` starts the revocation channels (a session or API key revoked
 * on one instance closes its sockets on all) and `close` stops them; the caller ends the pool after.
 */
export function postgresServerStores(
  pool: pg.Pool, parts: { documents: AsyncDocumentStore; snapshots: SnapshotStore; logger: Logger },
): PostgresServerStores {
  const log = parts.logger.child({ component: 'revocations' });
  const sessions = new PostgresSessionStore(pool, Date.now, undefined, log);
  const apiKeys = new PostgresApiKeyStore(pool, Date.now, log);
  const activity = new PostgresActivityStore(pool);
  return {
    backend: 'postgres',
    documents: parts.documents,
    snapshots: parts.snapshots,
    people: new PostgresPeopleStore(pool),
    sessions,
    apiKeys,
    invitations: new PostgresInvitationStore(pool),
    passkeys: new PostgresPasskeyStore(pool),
    emailLinks: new PostgresEmailLinkStore(pool),
    oauthFlows: new PostgresOAuthFlowStore(pool),
    activity,
    consistencyResults: postgresConsistencyResults(pool),
    async listen() {
      await sessions.listen();
      await apiKeys.listen();
    },
    /** Stops listening (before the pool is ended: the listening connections are not the pool's to end). */
    async close() {
      await sessions.close();
      await apiKeys.close();
    },
  };
}

