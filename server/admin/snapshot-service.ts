import crypto from 'node:crypto';
import type { Document } from '@hocuspocus/server';
import * as Y from 'yjs';
import {
  DEFAULT_RESTORE_SECTIONS, WeddingDoc, adminOrigin, diffSections, documentNameFor, reconcileDocument, writeRestoreNotice,
  type InvalidEntry, type PersonDetails, type RestorePreview, type RestoreSection, type SnapshotRestoreResult, type SnapshotSummary, type WeddingJSON,
} from '../../schema/index.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import type { UnresolvedParts } from '../collab/unresolved-parts.ts';
import { EncodingError } from '../encoding/encoding-pool.ts';
import { WedSyncError } from '../errors.ts';
import { HttpError } from '../http/http-error.ts';
import type { DocumentStore, StoredRowsUpTo } from '../storage/backend/document-store.ts';
import type { SnapshotStore } from '../storage/backend/snapshot-store.ts';
import type { RestoreMerge } from './restore-merge.ts';

export interface WeddingExport {
  weddingId: string;
  exportedAt: string;
  content: WeddingJSON;
  /**
   * Present when stored updates of this wedding reference changes that are not stored: they are
   * kept stored (and held back by Yjs until the missing changes arrive), and `content` is
   * everything else.
   */
  unresolved?: UnresolvedParts;
  /** Entries left out of `content` or read with defaults because they break the schema (WeddingDoc.invalidEntries). */
  invalid: InvalidEntry[];
}

/**
 * Admin snapshots, restore and export of wedding documents.
 *
 * Snapshots and exports are encoded from the stored rows (everything acknowledged is stored) on the
 * encoding pool's worker threads, not from the live document on the event loop: a large wedding
 * takes hundreds of milliseconds to encode, which every other wedding would wait for. Restore stays
 * on the live document: no edit may land between its backup and its rewrite (see `restore`).
 * Both stores are asynchronous, on either backend (docs/storage-backends.md).
 */
export class SnapshotService {
  constructor(
    private readonly collab: CollabServer,
    private readonly documents: DocumentStore,
    private readonly snapshots: SnapshotStore,
    private readonly merge?: RestoreMerge,
  ) {}

  private async assertExists(weddingId: string): Promise<void> {
    const name = documentNameFor(weddingId);
    if (!this.collab.persistence.loadedDocument(name) && !(await this.documents.exists(name))) {
      throw new HttpError(404, 'wedding_not_found', `wedding ${weddingId} has no document yet`);
    }
  }

  /** Throws HttpError 404 `wedding_not_found`, 503 `document_unavailable` (the encoding worker failed). */
  async create(weddingId: string, label: string, createdBy: string): Promise<SnapshotSummary> {
    await this.assertExists(weddingId);
    const rows = await this.storedRows(weddingId);
    const { state } = await this.encoded(() => this.collab.encoder.fold(rows));
    return this.snapshots.create({ weddingId, label, kind: 'manual', createdBy, state });
  }

  /** Everything acknowledged for the wedding, as stored: the open group is committed first. */
  private async storedRows(weddingId: string): Promise<StoredRowsUpTo> {
    const name = documentNameFor(weddingId);
    await this.collab.persistence.whenUsable(name);
    this.collab.persistence.commitOpen();
    return this.documents.loadUpTo(name);
  }

  private async encoded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof EncodingError) throw new HttpError(503, 'document_unavailable', 'the document could not be encoded; try again', undefined, { cause: error });
      throw error;
    }
  }

  list(weddingId: string): Promise<SnapshotSummary[]> {
    return this.snapshots.listFor(weddingId);
  }

  async show(weddingId: string, snapshotId: string): Promise<SnapshotSummary & { content: WeddingJSON }> {
    const { summary, state } = await this.snapshotOrThrow(weddingId, snapshotId);
    return { ...summary, content: contentOf(state) };
  }

  /**
   * What restoring `snapshotId` over the live document would change in `sections`, without changing
   * anything. Throws HttpError 404 `snapshot_not_found` / `wedding_not_found`.
   */
  async preview(weddingId: string, snapshotId: string, sections: readonly RestoreSection[] = DEFAULT_RESTORE_SECTIONS): Promise<RestorePreview> {
    const { summary, state } = await this.snapshotOrThrow(weddingId, snapshotId);
    await this.assertExists(weddingId);
    const target = contentOf(state);
    return this.collab.withDocument(weddingId, (doc) => ({
      snapshot: summary, sections: [...sections], changes: diffSections(new WeddingDoc(doc).toJSON(), target, sections),
    }));
  }

  /**
   * Takes an automatic snapshot of the live document, then rewrites the chosen `sections` of the
   * live document to the snapshot's content as new CRDT operations (see reconcileDocument), and
   * leaves a restore notice in the document (schema/document/restore-notice.ts) in the same
   * transaction. No edit lands between the backup and the restore: the backup is encoded, stored
   * (asynchronously), and the rewrite runs only if the document had no update meanwhile (deletions
   * included); otherwise a new backup is taken (at most RESTORE_ATTEMPTS times, then WedSyncError 503
   * `busy` with Retry-After 1: the wedding changed under every attempt; the earlier backups stay listed).
   * Sections not chosen keep their live content. Edits that peers made offline, concurrent with the
   * restore, are re-applied over it when they arrive (server/admin/restore-merge.ts). Throws
   * HttpError 404 `snapshot_not_found`.
   */
  async restore(weddingId: string, snapshotId: string, by: string, sections: readonly RestoreSection[] = DEFAULT_RESTORE_SECTIONS, who?: PersonDetails): Promise<SnapshotRestoreResult> {
    const { summary: restored, state } = await this.snapshotOrThrow(weddingId, snapshotId);
    return this.collab.withDocument(weddingId, async (doc) => {
      for (let attempt = 0; attempt < RESTORE_ATTEMPTS; attempt++) {
        const backupState = Y.encodeStateAsUpdate(doc);
        // Any update while the backup is stored, deletions included (they leave the state vector as it was).
        let changed = false;
        const onUpdate = () => { changed = true; };
        doc.on('update', onUpdate);
        let backup: SnapshotSummary;
        try {
          backup = await this.snapshots.create({
            weddingId, label: `before restoring “${restored.label}”`, kind: 'auto', createdBy: by, state: backupState,
          });
        } finally {
          doc.off('update', onUpdate);
        }
        if (changed) continue;
        const result = this.rewrite(doc, { restored, state, backup, by, sections, who });
        this.merge?.remember(doc.name, backup.id, backupState);
        this.merge?.remember(doc.name, snapshotId, state);
        return result;
      }
      throw new WedSyncError('busy', `wedding ${weddingId} kept changing while its backup was stored; retry the restore`, { headers: { 'Retry-After': '1' } });
    });
  }

  /** The restore's synchronous step: the notice and the rewrite, in one transaction. */
  private rewrite(doc: Document, r: { restored: SnapshotSummary; state: Uint8Array; backup: SnapshotSummary; by: string; sections: readonly RestoreSection[]; who?: PersonDetails }): SnapshotRestoreResult {
    const target = new Y.Doc();
    try {
      Y.applyUpdate(target, r.state);
      const changes = diffSections(new WeddingDoc(doc).toJSON(), new WeddingDoc(target).toJSON(), r.sections);
      const restoreId = `rst_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
      const origin = adminOrigin('restore', r.by, r.who);
      doc.transact(() => {
        // The notice is the transaction's first operation, so its clock is where the restore begins.
        writeRestoreNotice(doc, {
          id: restoreId, at: new Date().toISOString(), by: r.by, snapshotId: r.restored.id, snapshotLabel: r.restored.label, backupId: r.backup.id,
          sections: [...r.sections], clientId: doc.clientID, clock: Y.getState(doc.store, doc.clientID),
        });
        reconcileDocument(doc, target, origin, r.sections);
      }, origin);
      return { restoreId, restored: r.restored, backup: r.backup, sections: [...r.sections], changes };
    } finally {
      target.destroy();
    }
  }

  private async snapshotOrThrow(weddingId: string, snapshotId: string): Promise<{ summary: SnapshotSummary; state: Uint8Array }> {
    const [summary, state] = await Promise.all([this.snapshots.get(weddingId, snapshotId), this.snapshots.getState(weddingId, snapshotId)]);
    if (!summary || !state) throw new HttpError(404, 'snapshot_not_found', `wedding ${weddingId} has no snapshot ${snapshotId}`);
    return { summary, state };
  }

  /**
   * The wedding's WeddingExport as JSON text, built from its stored rows on an encoding worker
   * (server/encoding/encoding-tasks.ts), so the document need not be loaded. Throws HttpError 404
   * `wedding_not_found`, 503 `document_unavailable`.
   */
  async exportJson(weddingId: string): Promise<string> {
    await this.assertExists(weddingId);
    const rows = await this.storedRows(weddingId);
    const { json } = await this.encoded(() => this.collab.encoder.exportJson(rows, weddingId, new Date().toISOString()));
    return json;
  }
}

/** Backups a restore takes before giving up on a wedding that changes under each (SnapshotService.restore). */
const RESTORE_ATTEMPTS = 5;

/** The plain content of a stored document state. */
export function contentOf(state: Uint8Array): WeddingJSON {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return new WeddingDoc(doc).toJSON();
  } finally {
    doc.destroy();
  }
}
