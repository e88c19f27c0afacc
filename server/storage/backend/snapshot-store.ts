import type { SnapshotSummary } from '../../../schema/index.ts';
import { WedSyncError } from '../../errors.ts';
import { wellFormed } from '../storable-text.ts';
import type { StorageBackend } from './document-store.ts';

/** A snapshot to store: a labelled copy of a wedding's Yjs state. */
export interface NewSnapshot {
  weddingId: string;
  /** Shown to admins; any text without U+0000 (PostgreSQL's text cannot hold it). */
  label: string;
  kind: 'manual' | 'auto';
  /** Who took it (a token subject); no U+0000. */
  createdBy: string;
  /** Y.encodeStateAsUpdate of the wedding's document. */
  state: Uint8Array;
}

/**
 * Admin snapshots, the same on every backend (schema/migrations/001_documents.sql and its PostgreSQL
 * twin). Asynchronous: `create` resolves once the row is committed.
 *
 * - `create` gives the snapshot a new id (`snap_` + 20 hex digits) and `createdAt` (ISO 8601, UTC,
 *   ms, from the store's clock); throws WedSyncError `validation_failed` (400) when the label or
 *   createdBy holds U+0000, on both backends, before writing anything. Lone surrogates in them are
 *   stored (and returned) as U+FFFD (`storableSnapshot`).
 * - `listFor` returns a wedding's snapshots newest first: `createdAt` descending (compared as text,
 *   which for ISO strings is time order), then the later created first.
 * - `get` / `getState` find a snapshot by wedding and id (undefined when that wedding has no such
 *   snapshot, including another wedding's id).
 *
 * Storage errors reject with the engine's error. No fence: snapshots are insert-only and belong to
 * no document lease.
 */
export interface SnapshotStore {
  readonly backend: StorageBackend;
  create(input: NewSnapshot): Promise<SnapshotSummary>;
  listFor(weddingId: string): Promise<SnapshotSummary[]>;
  get(weddingId: string, id: string): Promise<SnapshotSummary | undefined>;
  getState(weddingId: string, id: string): Promise<Uint8Array | undefined>;
}

/**
 * `input` as every backend stores it: lone surrogates in the label and createdBy replaced by U+FFFD
 * (PostgreSQL's driver does so on the way in, while SQLite would store a lone surrogate's bytes and
 * read them back as three U+FFFD). Throws WedSyncError `validation_failed` when either holds U+0000.
 */
export function storableSnapshot(input: NewSnapshot): NewSnapshot {
  for (const [field, value] of [['label', input.label], ['createdBy', input.createdBy]] as const) {
    if (value.includes('\u0000')) throw new WedSyncError('validation_failed', `the snapshot's ${field} must not contain U+0000`);
  }
  return { ...input, label: wellFormed(input.label), createdBy: wellFormed(input.createdBy) };
}
