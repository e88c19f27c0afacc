import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import type { CredentialCipher } from '../../bridge/credential-cipher.ts';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { StorageUnavailableError } from '../storage-health.ts';
import { openPostgresDocuments, type OpenedPostgres } from '../backend/open-document-store.ts';
import { postgresServerStores, type PostgresServerStores } from '../server-stores.ts';
import { PoolIdleErrors } from './idle-errors.ts';
import { openPostgresPool } from './pool.ts';
import { openReadinessPool, PostgresReadiness } from './readiness.ts';
import { checkKeyUnchanged, checkPostgresAuthSecret, openPostgresKeyEncryptionKey, postgresServerKey } from './server-keys.ts';
import { ACK_LINKS_KEY } from '../../comms/postgres-comms-storage.ts';
import { INSTANCE_REQUESTS_KEY } from '../../auth/instance-signature.ts';

/** What a server on PostgreSQL is built from (server/wedsync-server.ts `postgres`), opened before it. */
export interface PostgresServerParts {
  /** INSTANCE_ID, or the one generated for this start. */
  readonly instanceId: string;
  readonly opened: OpenedPostgres;
  readonly stores: PostgresServerStores;
  /** The key-encryption key (CREDENTIALS_KEY, checked against what the database holds sealed). */
  readonly cipher: CredentialCipher;
  /** `/readyz`'s database and migrations checks, on a one-connection pool of its own. */
  readonly readiness: PostgresReadiness;
  /** The acknowledgement links' signing key (a server key shared by the instances). */
  readonly ackKey: Buffer;
  /** The key the instances sign their requests to each other with (instance-signature.ts; a server key). */
  readonly instanceKey: Buffer;
  /** The bridge's pool (inbox, outbox, claims, duties), apart from the documents' appends. */
  readonly bridgePool: pg.Pool;
  /**
   * The pool of the API's stores and the services' reads (people, sessions, calendar, privacy,
   * vendor rows, routing look-ups): busy requests wait here, never in front of the document pool's
   * appends and lease renewals (a renewal starved past DOCUMENT_LEASE_MS loses every live document).
   */
  readonly storesPool: pg.Pool;
  /** Idle connections of the three pools that the database or the network dropped: counted and logged. */
  readonly idleErrors: PoolIdleErrors;
  /** Ends the pools (after the server stopped using them). */
  close(): Promise<void>;
}

/** Host, port and database of a postgres:// URL, without its user or password (for messages). */
function whereOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(DATABASE_URL)';
  }
}

/** The first thing an error says (a refused connection is an AggregateError with an empty message of its own). */
function reasonOf(error: unknown): string {
  const e = error as { message?: string; errors?: unknown[]; code?: string };
  if (e?.message) return e.message;
  if (Array.isArray(e?.errors) && e.errors.length > 0) return reasonOf(e.errors[0]);
  return e?.code ?? String(error);
}

/** This instance's name: INSTANCE_ID, else the host name and 8 random hex digits. */
export function instanceIdFor(config: Pick<Config, 'INSTANCE_ID'>): string {
  return config.INSTANCE_ID ?? `${os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 50)}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * Connects to DATABASE_URL, applies the PostgreSQL migrations, claims INSTANCE_ID (with the
 * instances' running lock, waiting while a key rotation commits) and opens the stores, the key and
 * the pools a server instance needs. Throws (ending what it opened) when the database cannot be
 * reached, a migration fails, another running process holds the INSTANCE_ID
 * (InstanceIdInUseError), CREDENTIALS_KEY is unset or does not open the database's sealed keys
 * (KeyError).
 */
export async function openPostgresServerParts(config: Config, logger: Logger): Promise<PostgresServerParts> {
  const url = config.DATABASE_URL!;
  const instanceId = instanceIdFor(config);
  const idleErrors = new PoolIdleErrors(logger.child({ component: 'postgres' }));
  const opened = await openPostgresDocuments(url, { instanceId, pool: { max: 10, onIdleError: idleErrors.handler('documents') } }).catch((error: unknown) => {
    throw new StorageUnavailableError(`could not open the PostgreSQL database ${whereOf(url)}: ${reasonOf(error)}`, { cause: error });
  });
  const bridgePool = openPostgresPool(url, { max: 6, onIdleError: idleErrors.handler('bridge') });
  const storesPool = openPostgresPool(url, { max: 10, onIdleError: idleErrors.handler('stores') });
  const readinessPool = openReadinessPool(url);
  const endAll = async () => {
    await bridgePool.end();
    await storesPool.end();
    await readinessPool.end();
    // Last: its claim connection holds the instances' running lock until nothing writes any more.
    await opened.close();
  };
  let cipher: CredentialCipher;
  let ackKey: Buffer;
  let instanceKey: Buffer;
  try {
    // Before any key is read: from here a rotation (`keys rotate`, which takes the instances'
    // running lock exclusively) cannot run beside this process, nor this one start during it.
    await opened.instances.claim(instanceId);
    cipher = await openPostgresKeyEncryptionKey(storesPool, config.CREDENTIALS_KEY);
    // Each later claim (after the connection holding it dropped) checks the key again.
    const kek = cipher;
    opened.instances.checkEachClaim((client) => checkKeyUnchanged(client, kek));
    if (config.AUTH_SECRET) await checkPostgresAuthSecret(storesPool, cipher, config.AUTH_SECRET);
    ackKey = await postgresServerKey(storesPool, cipher, ACK_LINKS_KEY);
    instanceKey = await postgresServerKey(storesPool, cipher, INSTANCE_REQUESTS_KEY);
  } catch (error) {
    await endAll();
    throw error;
  }
  const stores = postgresServerStores(storesPool, { documents: opened.documents, snapshots: opened.snapshots, logger });
  return {
    instanceId, opened, stores, cipher, ackKey, instanceKey, bridgePool, storesPool, idleErrors,
    readiness: new PostgresReadiness(readinessPool),
    async close() {
      await stores.close();
      await endAll();
    },
  };
}
