import * as Y from 'yjs';
import { SchemaError } from '../errors.ts';

/**
 * Per-document size limits (issue 10, item 5): one wedding must not grow large enough to stall
 * everyone else on the server when it is opened, exported or synced. The server sets them on every
 * document it loads (server/collab/update-validation.ts); updates from WebSockets are checked
 * against them before they are applied, and WeddingDoc checks its own writes (HTTP, bridge).
 */
export interface DocumentLimits {
  /** Timeline events per wedding. */
  maxEvents: number;
  /** Characters (UTF-16 code units) in one text field (a Y.Text such as an event's notes). */
  maxTextLength: number;
  /** Bytes of the whole document's state (Y.encodeStateAsUpdate). */
  maxDocumentBytes: number;
}

const limitsByDoc = new WeakMap<Y.Doc, DocumentLimits>();

export function setDocumentLimits(doc: Y.Doc, limits: DocumentLimits): void {
  limitsByDoc.set(doc, limits);
}

/** The limits the server set on `doc`; undefined for documents it did not (clients, tools). */
export function documentLimitsOf(doc: Y.Doc): DocumentLimits | undefined {
  return limitsByDoc.get(doc);
}

interface SizeTracker { bytes: number; exact: boolean }
const sizes = new WeakMap<Y.Doc, SizeTracker>();

/**
 * The document's size in bytes, cheaply: encoded exactly once, then kept as an upper bound by adding
 * the length of every update applied (deletions and merges only make the real size smaller). It is
 * encoded exactly again only when the bound plus `adding` would pass `limit`, and not again until
 * the document changes, so a client retrying a refused write cannot make the server re-encode a
 * large document over and over.
 */
export function documentBytes(doc: Y.Doc, adding: number, limit: number): number {
  const tracker = sizes.get(doc) ?? track(doc, Y.encodeStateAsUpdate(doc).byteLength, true);
  if (!tracker.exact && tracker.bytes + adding > limit) {
    tracker.bytes = Y.encodeStateAsUpdate(doc).byteLength;
    tracker.exact = true;
  }
  return tracker.bytes;
}

function track(doc: Y.Doc, bytes: number, exact: boolean): SizeTracker {
  const t: SizeTracker = { bytes, exact };
  doc.on('update', (update: Uint8Array) => {
    t.bytes += update.byteLength;
    t.exact = false;
  });
  sizes.set(doc, t);
  return t;
}

/**
 * Starts `documentBytes` from a known upper bound instead of encoding the document: the server
 * passes the bytes of the stored rows it loaded the document from (state plus log), so the first
 * write to a large document does not encode all of it on the event loop. No-op once tracked.
 */
export function seedDocumentBytes(doc: Y.Doc, upperBound: number): void {
  if (!sizes.has(doc)) track(doc, upperBound, false);
}

/**
 * Refuses a server-side write (HTTP, bridge, adapters: everything that goes through WeddingDoc)
 * that would take `doc` past the limits the server set on it. `bytes` is the write's rough size
 * (its JSON); `newEvent` and `textLength` describe an event write. Documents without limits (clients,
 * tools) are never refused. Deleting is always allowed: it is how a wedding gets back under a limit.
 * @throws SchemaError `document_too_large` (HTTP 413)
 */
export function assertRoom(doc: Y.Doc, need: { bytes: number; newEvent?: boolean; textLength?: number; eventCount?: () => number }): void {
  const limits = limitsByDoc.get(doc);
  if (!limits) return;
  if (need.newEvent && need.eventCount && need.eventCount() >= limits.maxEvents) {
    throw new SchemaError('document_too_large', `a wedding may have at most ${limits.maxEvents} timeline events`, [{ path: 'timeline', message: `at most ${limits.maxEvents} events` }]);
  }
  if (need.textLength !== undefined && need.textLength > limits.maxTextLength) {
    throw new SchemaError('document_too_large', `a text field may hold at most ${limits.maxTextLength} characters (got ${need.textLength})`, [{ path: 'notes', message: `at most ${limits.maxTextLength} characters` }]);
  }
  const size = documentBytes(doc, need.bytes, limits.maxDocumentBytes);
  if (size + need.bytes > limits.maxDocumentBytes) {
    throw new SchemaError('document_too_large', `the wedding would grow past ${limits.maxDocumentBytes} bytes (it has ${size})`, [{ path: '', message: `at most ${limits.maxDocumentBytes} bytes` }]);
  }
}
