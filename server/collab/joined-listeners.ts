import type { Counter } from 'prom-client';
import type { Document } from '@hocuspocus/server';
import type * as Y from 'yjs';
import type { Logger } from '../logger.ts';
import type { JoinedOutcome, JoinedWrite } from '../storage/postgres/append-group.ts';
import { listenerName } from './document-listeners.ts';

/**
 * A document listener on PostgreSQL (DurablePersistence.onAppendJoined): called synchronously in the
 * Yjs transaction that made an update, it reads what it needs from `tr` and returns the write to
 * make with the update's seq inside the append's transaction (AppendGroup's joined writes), or null.
 * The SQLite form is AppendListener, which writes at once in the open group.
 */
export type JoinedAppendListener = (documentName: string, document: Document, transaction: Y.Transaction) => JoinedWrite | JoinedListenerWrite | null;

/**
 * A joined write with what to do once it is committed: `committed` runs after the append's COMMIT
 * when the write was kept (never when it or the append failed), e.g. to wake the worker that
 * delivers the rows it added. It must not throw (a throw is logged).
 */
export interface JoinedListenerWrite {
  write: JoinedWrite;
  committed(): void;
}

const isListenerWrite = (w: JoinedWrite | JoinedListenerWrite): w is JoinedListenerWrite => typeof w === 'object' && 'write' in w;

/**
 * The joined-write listeners of DurablePersistence, guarded as GuardedListeners guards the SQLite
 * ones: a listener that throws while reading the transaction, or whose write throws (rolled back to
 * its savepoint alone by AppendGroup, and reported through `report`), is logged with its name and
 * counted; the update is still stored and acknowledged, and the other listeners' writes are kept.
 */
export class JoinedListeners {
  private readonly listeners: JoinedAppendListener[] = [];

  constructor(private readonly logger: Pick<Logger, 'error'>, private readonly errors: Pick<Counter<'listener'>, 'inc'>) {}

  add(listener: JoinedAppendListener): void {
    this.listeners.push(listener);
  }

  get size(): number {
    return this.listeners.length;
  }

  /**
   * The writes the listeners ask for this update, in registration order, and `report`, to be called
   * with the append's outcomes (CommittedAppend.joined, same order) once it committed: each failed
   * write is logged with its listener's name and counted once (a write may have run twice, see
   * AppendGroup), and each kept one's `committed` step runs.
   */
  writesFor(documentName: string, document: Document, tr: Y.Transaction): { writes: JoinedWrite[]; report: (outcomes: readonly JoinedOutcome[]) => void } {
    const writes: JoinedWrite[] = [];
    const names: string[] = [];
    const committed: ((() => void) | null)[] = [];
    for (const listener of this.listeners) {
      const name = listenerName(listener);
      let asked: JoinedWrite | JoinedListenerWrite | null;
      try {
        asked = listener(documentName, document, tr);
      } catch (error) {
        this.failed(name, documentName, error);
        continue;
      }
      if (!asked) continue;
      writes.push(isListenerWrite(asked) ? asked.write : asked);
      committed.push(isListenerWrite(asked) ? asked.committed : null);
      names.push(name);
    }
    const report = (outcomes: readonly JoinedOutcome[]) => {
      outcomes.forEach((outcome, i) => {
        if (!outcome.ok) {
          this.failed(names[i] ?? 'unknown', documentName, outcome.error);
          return;
        }
        try {
          committed[i]?.();
        } catch (error) {
          this.logger.error({ err: error, listener: names[i], documentName }, 'a document listener\'s after-commit step threw; its writes are committed');
        }
      });
    };
    return { writes, report };
  }

  private failed(listener: string, documentName: string, error: unknown): void {
    this.errors.inc({ listener });
    this.logger.error({ err: error, listener, documentName }, 'a document listener failed; its writes were rolled back, the update and the other listeners went on');
  }
}
