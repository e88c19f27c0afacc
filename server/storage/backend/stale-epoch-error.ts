import { WedSyncError } from '../../errors.ts';

/**
 * A write carried the fence of a lease that has moved on: another instance took the document over
 * (a later epoch), or this one released it. Nothing was written; the caller is no longer the
 * document's owner and must drop its live copy. To an HTTP caller the document is not available
 * here (503 `document_unavailable`: retry, and the retry reaches the new owner); `reason` tells it
 * apart from a document whose stored data cannot be loaded.
 */
export class StaleEpochError extends WedSyncError<'document_unavailable'> {
  override readonly name = 'StaleEpochError';
  readonly reason = 'stale_epoch';
  constructor(
    readonly documentName: string,
    /** The epoch the write carried. */
    readonly epoch: number,
    /** The lease's epoch now (null: no lease row), and whether it is still held (false: released). */
    readonly current: { epoch: number; owner: string | null } | null,
  ) {
    super('document_unavailable', `the lease on ${documentName} moved on (the write carried epoch ${epoch})`, {
      details: { reason: 'stale_epoch' },
    });
  }
}
