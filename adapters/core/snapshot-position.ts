import type { InboundChange, SnapshotOrder } from './types.ts';

/*
 * Positions of a record's snapshots (InboundChange and PushResult `position`, SnapshotOrder): an
 * adapter that both reads and writes a record positions each read and each write, at the system's
 * modification time where the record carries one, else at the hub's clock (docs/adapters.md), so
 * the inbox skips a read taken before a write and applied after it.
 */

/** `{ position }` of a snapshot last modified at `modifiedMs` (ms, UTC), or nothing when the system gave no time. */
export function positionAt(modifiedMs: number | undefined): { position?: SnapshotOrder } {
  return modifiedMs !== undefined && Number.isFinite(modifiedMs) ? { position: { at: modifiedMs, rank: 0 } } : {};
}

/**
 * `change` positioned at `modifiedMs` (positionAt) when it is a record's snapshot (an upsert or a
 * deletion) and the time is readable; any other change, or an unreadable time, as it is.
 */
export function positioned(change: InboundChange, modifiedMs: number | undefined): InboundChange {
  return change.op === 'upsert' || change.op === 'delete' ? { ...change, ...positionAt(modifiedMs) } : change;
}
