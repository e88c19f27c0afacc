import { Hocuspocus, type Document, type Extension } from '@hocuspocus/server';
import { documentNameFor } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { DocumentEncoder } from '../encoding/document-encoder.ts';
import { EncodingPool } from '../encoding/encoding-pool.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import type { GroupCommit } from '../storage/group-commit.ts';
import type { StorageHealth } from '../storage/storage-health.ts';
import { TokenExpiryExtension } from './token-expiry-extension.ts';
import { AuthExtension } from './auth-extension.ts';
import type { DocumentLog } from './document-log.ts';
import { DurablePersistence } from './durable-persistence.ts';
import { SqliteDocumentLog } from './sqlite-document-log.ts';
import { guardExtension } from './guard-extension.ts';
import { loadRefusalCause } from './load-refusal.ts';
import { StorageReadOnlyExtension } from './storage-read-only-extension.ts';
import { UpdateValidation } from './update-validation.ts';

export interface CollabServer {
  hocuspocus: Hocuspocus;
  persistence: DurablePersistence;
  /** Whole-document encodings off the event loop (compaction, snapshots, export); closed with the server. */
  encoder: DocumentEncoder;
  /**
   * Runs `fn` with the live document of a wedding, loading it if no one has it open, and releases it
   * afterwards (a document nobody else holds is compacted and unloaded).
   */
  withDocument<T>(weddingId: string, fn: (doc: Document) => T | Promise<T>): Promise<T>;
  /**
   * Folds the wedding's history now (after any fold already under way): what is written so far is
   * committed, then the live copy, which garbage-collects deleted content, becomes the stored state
   * and the log rows it folds are deleted. Used after an erasure (docs/privacy.md). Throws as
   * `withDocument` (DocumentOwnedElsewhereError while another instance holds it).
   */
  foldHistory(weddingId: string): Promise<void>;
}

export interface CollabServerOptions {
  config: Config;
  /** The SQLite document store: the documents' log unless `log` is given. */
  store: DocumentStore;
  /** The SQLite group commit (see server/storage/group-commit.ts): the appends' too unless `log` is given. */
  group: GroupCommit;
  /** Where documents are stored when not in SQLite (PostgresDocumentLog). @default a SqliteDocumentLog on `store` */
  log?: DocumentLog;
  /** Whether storage takes writes; while it does not, connections are read-only. */
  health: StorageHealth;
  tokens: TokenService;
  logger: Logger;
  metrics: Metrics;
  /** Extensions added after the built-in ones (bridge, tests). */
  extensions?: Extension[];
}

export function createCollabServer(options: CollabServerOptions): CollabServer {
  const { config, store, tokens, logger, metrics } = options;
  const encoder = new DocumentEncoder(new EncodingPool({ size: config.ENCODING_WORKERS }), config.ENCODE_IN_WORKER_ABOVE_BYTES);
  const persistenceLogger = logger.child({ component: 'persistence' });
  const log = options.log ?? new SqliteDocumentLog(store, options.group, persistenceLogger, options.health, config.COMPACTION_TRIM_ROWS);
  const persistence = new DurablePersistence(log, persistenceLogger, metrics, options.group, encoder, options.health);
  const readOnlyWhileFailing = new StorageReadOnlyExtension(options.health, logger.child({ component: 'storage' }));
  const hocuspocus = new Hocuspocus({
    name: 'wedsync',
    quiet: true,
    debounce: config.STORE_DEBOUNCE_MS,
    maxDebounce: config.STORE_MAX_DEBOUNCE_MS,
    // Broadcast each update as it is applied. Hocuspocus' default (0) merges everything that arrives
    // in one event-loop turn with Y.mergeUpdates, whose cost grows superlinearly with the burst: in
    // bench/core.ts it was half of all server CPU under load and raised p99 latency.
    flushDelay: false,
    extensions: [
      new AuthExtension(tokens, logger.child({ component: 'auth' }), metrics),
      new TokenExpiryExtension(tokens, logger.child({ component: 'auth' }), metrics),
      new UpdateValidation(
        { maxEvents: config.MAX_EVENTS_PER_WEDDING, maxTextLength: config.MAX_TEXT_LENGTH, maxDocumentBytes: config.MAX_DOCUMENT_BYTES },
        logger.child({ component: 'update-validation' }), metrics,
      ),
      persistence,
      readOnlyWhileFailing,
      ...(options.extensions ?? []),
    ].map((ext) => guardExtension(ext, (hook, error) => {
      metrics.hookErrors.inc({ hook });
      logger.error({ err: error, hook, extension: ext.extensionName }, 'collaboration hook failed');
    })),
  });

  persistence.attach(hocuspocus);
  readOnlyWhileFailing.attach(hocuspocus);

  return {
    hocuspocus,
    persistence,
    encoder,
    async withDocument(weddingId, fn) {
      const name = documentNameFor(weddingId);
      await persistence.whenUsable(name);
      const direct = await hocuspocus.openDirectConnection(name, {}).catch((error: unknown) => { throw loadRefusalCause(error); });
      try {
        return await fn(direct.document!);
      } finally {
        await direct.disconnect();
      }
    },
    async foldHistory(weddingId) {
      const name = documentNameFor(weddingId);
      await this.withDocument(weddingId, async (doc) => {
        // SQLite: the open group is committed now; PostgreSQL: every append so far has committed
        // once the barrier says so, so the fold reads it.
        persistence.group.commit();
        await new Promise<boolean>((resolve) => persistence.barrier.afterCommit(resolve));
        await persistence.compact(name, doc);
        await persistence.compacted(name);
      });
    },
  };
}
