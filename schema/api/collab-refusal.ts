/**
 * What a collaboration server tells a client whose update it refused, as a Hocuspocus stateless
 * message on the document's address. The connection stays open either way.
 *
 * `permission_denied` refuses only part of an update: the writes its role may not make
 * (schema/document/permissions.ts). The rest was applied, stored and acknowledged (SyncStatus
 * `true`), and the server has already sent what brings the client back to its state: a deletion of
 * the refused insertions, and new operations that re-establish what the client deleted without the
 * right to. The client needs to do nothing (its other pending edits still land); `issues` name the
 * refused paths.
 *
 * Every other code refuses the whole update: it was not applied, not stored and not acknowledged
 * (SyncStatus `false`, as Hocuspocus answers a read-only connection). Yjs clocks are per client, so
 * every later update of that client has a clock gap on the server and is refused as
 * `missing_dependencies` too. A client that receives such a refusal must bring its document back
 * to the server's state: drop the local document, start a fresh Y.Doc (a new clientID), sync it
 * from the server, and re-apply nothing that was refused. The SDK does this itself
 * (client/sdk/connect.ts); docs/collab-protocol.md says what a raw Yjs client must do.
 */
export const COLLAB_REFUSAL_CODES = [
  /** An entity or value the update writes does not match the wedding schema (schema/document). */
  'schema_violation',
  /** The update builds on operations the server does not have (a clock gap, an unknown origin, parent or deleted range). */
  'missing_dependencies',
  /** The update would take the document past one of its size limits (events, text length, total bytes). */
  'document_too_large',
  /** Part of the update writes where the writer's role may not; only that part was refused (see above). */
  'permission_denied',
  /**
   * The update removes or replaces a shared part (an event, a vendor, a text, a list entry) that the
   * writer's role may not remove. Putting it back in place would need a copy, and other people's
   * edits made inside the original at the same moment would be lost with it, so the whole update is
   * refused instead, like the codes above it: the client starts again from the server's state.
   */
  'removal_forbidden',
] as const;
export type CollabRefusalCode = (typeof COLLAB_REFUSAL_CODES)[number];

export interface CollabRefusalIssue {
  /** Where in the document, e.g. `payments.p1` or `timeline.e1.notes`. */
  path: string;
  message: string;
}

export interface CollabRefusal {
  type: 'wedsync:refused';
  code: CollabRefusalCode;
  /** One line for people. */
  message: string;
  /** At most 20 problems, for developers. */
  issues: CollabRefusalIssue[];
}

export const MAX_REFUSAL_ISSUES = 20;

export function encodeCollabRefusal(refusal: Omit<CollabRefusal, 'type'>): string {
  return JSON.stringify({ type: 'wedsync:refused', code: refusal.code, message: refusal.message, issues: refusal.issues.slice(0, MAX_REFUSAL_ISSUES) } satisfies CollabRefusal);
}

/** The refusal in a stateless payload, or `null` when the payload is something else. */
export function decodeCollabRefusal(payload: string): CollabRefusal | null {
  if (!payload.startsWith('{"type":"wedsync:refused"')) return null;
  try {
    const value = JSON.parse(payload) as Partial<CollabRefusal>;
    if (!COLLAB_REFUSAL_CODES.includes(value.code as CollabRefusalCode) || typeof value.message !== 'string') return null;
    const issues = Array.isArray(value.issues)
      ? value.issues.filter((i): i is CollabRefusalIssue => typeof i?.path === 'string' && typeof i.message === 'string')
      : [];
    return { type: 'wedsync:refused', code: value.code as CollabRefusalCode, message: value.message, issues };
  } catch {
    return null;
  }
}
