// Snapshots and restores in people's words: who took or restored one, and what kind it is.

/**
 * Who took a snapshot or restored one, mid-sentence ("Taken … by an administrator"). Only admin
 * tokens reach the snapshot routes (server/http/admin-routes.ts), and the record keeps the token's
 * subject, an id (`admin` for the operator), never a name: so it is always "an administrator", as the
 * activity trail writes any administrator (activity-words.ts: "An administrator").
 */
export function operatorWords(_by: string): string {
  return 'an administrator';
}

/** The Kind column: `Automatic` (taken by a restore, before it) or `Manual` (taken by someone). */
export function snapshotKindWords(kind: 'auto' | 'manual' | string): string {
  return kind === 'auto' ? 'Automatic' : 'Manual';
}
