import type { Document, Extension, afterLoadDocumentPayload } from '@hocuspocus/server';
import type * as Y from 'yjs';
import { isWeddingId, weddingIdOf } from '../../schema/index.ts';
import type { DurablePersistence } from '../collab/durable-persistence.ts';
import { describeOrigin } from '../collab/origin.ts';
import type { Logger } from '../logger.ts';
import type { JoinedWrite } from '../storage/postgres/append-group.ts';
import type { ActivityStore } from './activity-store.ts';
import { PostgresActivityStore } from './postgres-activity-store.ts';
import { fieldChanges, type FieldChange } from './field-changes.ts';
import { namedListener } from '../collab/document-listeners.ts';
import { REPAIR_ORIGIN } from '../collab/update-repair.ts';

const isRepair = (origin: unknown) => origin === REPAIR_ORIGIN;

/**
 * Records who changed which field of which entity, from what to what (issue 11 item 6).
 *
 * Promises:
 * - Every stored update that changed an entity has its activity rows, and no row exists for an
 *   update that was not stored: the rows are written by the update log's append listener, inside
 *   the same group-commit savepoint as the log row (DurablePersistence.onAppend; on PostgreSQL a
 *   joined write of the append, DurablePersistence.onAppendJoined), so an update refused before it
 *   is applied, or a group whose commit fails, leaves none.
 * - The actor is the update's transaction origin (server/collab/origin.ts): the person behind a
 *   WebSocket token, an adapter, an admin action, or the server itself.
 * - Previous values are read before Yjs garbage-collects deleted content: the changes are listed on
 *   the document's `beforeObserverCalls` event, held for the transaction, and written when its
 *   update is appended (Yjs emits `update` after the garbage collection, same cleanup).
 *
 * Cost on the hot path: walking the changed keys of the transaction (one map key for a typical
 * edit) and one prepared INSERT per changed field, in the group's transaction.
 */
export class ActivityRecorder implements Extension {
  extensionName = 'ActivityRecorder';
  private readonly pending = new WeakMap<Y.Transaction, FieldChange[]>();

  /**
   * @param store where the rows go: the SQLite ActivityStore (written at once in the update's group)
   *   or the PostgresActivityStore (a joined write of the update's append), matching the backend of
   *   the persistence it is attached to.
   */
  constructor(private readonly store: ActivityStore | PostgresActivityStore, private readonly logger: Logger, private readonly now: () => number = Date.now) {}

  /** Starts recording: the rows are written by `persistence`'s append listener, in the update's commit. */
  attach(persistence: DurablePersistence): void {
    const store = this.store;
    if (store instanceof PostgresActivityStore) {
      persistence.onAppendJoined(namedListener('activity', (documentName: string, _document: Document, tr: Y.Transaction): JoinedWrite | null => {
        const taken = this.take(documentName, tr);
        if (!taken) return null;
        return store.recordWrite(taken.weddingId, documentName, this.now(), describeOrigin(tr.origin), taken.changes);
      }));
    } else {
      persistence.onAppend(namedListener('activity', this.onAppend));
    }
  }

  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    if (weddingOf(documentName) === null) return;
    document.on('beforeObserverCalls', (tr: Y.Transaction) => this.collect(document, tr));
  }

  private collect(document: Document, tr: Y.Transaction): void {
    // The server putting back what a refused write would have replaced is no one's change (the
    // refused write is not listed either: field-changes.ts).
    if (tr.changed.size === 0 || isRepair(tr.origin)) return;
    try {
      const changes = fieldChanges(document, tr);
      if (changes.length > 0) this.pending.set(tr, changes);
    } catch (error) {
      // Never break the Yjs transaction over attribution; the change itself is stored as usual.
      this.logger.error({ err: error, documentName: document.name }, 'could not list the fields a change touched; it is stored without activity rows');
    }
  }

  /** The changes `tr` made, collected before Yjs' cleanup, and their wedding (null: none to record). */
  private take(documentName: string, tr: Y.Transaction): { weddingId: string; changes: FieldChange[] } | null {
    const changes = this.pending.get(tr);
    if (!changes) return null;
    this.pending.delete(tr);
    const weddingId = weddingOf(documentName);
    return weddingId === null ? null : { weddingId, changes };
  }

  private readonly onAppend = (documentName: string, _document: Document, tr: Y.Transaction, seq: number): void => {
    const taken = this.take(documentName, tr);
    if (!taken || this.store instanceof PostgresActivityStore) return;
    // A throw here undoes the log append with it (same savepoint): no change is stored unattributed.
    this.store.record(taken.weddingId, documentName, seq, this.now(), describeOrigin(tr.origin), taken.changes);
  };
}

/** The wedding of `wedding:<id>` and of the audience documents `wedding:<id>/<part>` to come. */
function weddingOf(documentName: string): string | null {
  const direct = weddingIdOf(documentName);
  if (direct !== null) return direct;
  const slash = documentName.indexOf('/');
  if (slash < 0) return null;
  const id = weddingIdOf(documentName.slice(0, slash));
  return id !== null && isWeddingId(id) ? id : null;
}
