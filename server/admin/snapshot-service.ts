import crypto from 'node:crypto';
import * as Y from 'yjs';
import {
  DEFAULT_RESTORE_SECTIONS, WeddingDoc, adminOrigin, diffSections, documentNameFor, reconcileDocument, writeRestoreNotice,
  type InvalidEntry, type PersonDetails, type RestorePreview, type RestoreSection, type SnapshotRestoreResult, type SnapshotSummary, type WeddingJSON,
} from '../../schema/index.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import type { UnresolvedParts } from '../collab/unresolved-parts.ts';
import { EncodingError } from '../encoding/encoding-pool.ts';
import { HttpError } from '../http/http-error.ts';
import type { DocumentStore, StoredRowsUpTo } from '../storage/document-store.ts';
import type { SnapshotStore } from '../storage/snapshot-store.ts';

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
 * on the live document: its backup and its rewrite must be one synchronous step.
 */
export class SnapshotService {
  constructor(
    private readonly collab: CollabServer,
    private readonly documents: DocumentStore,
    private readonly snapshots: SnapshotStore,
  ) {}

  private assertExists(weddingId: string): void {
    const name = documentNameFor(weddingId);
    if (!this.collab.persistence.loadedDocument(name) && !this.documents.exists(name)) {
      throw new HttpError(404, 'wedding_not_found', `wedding ${weddingId} has no document yet`);
    }
  }

  /** Throws HttpError 404 `wedding_not_found`, 503 `document_unavailable` (the encoding worker failed). */
  async create(weddingId: string, label: string, createdBy: string): Promise<SnapshotSummary> {
    this.assertExists(weddingId);
    const rows = await this.storedRows(weddingId);
    const { state } = await this.encoded(() => this.collab.encoder.fold(rows));
    return this.snapshots.create({ weddingId, label, kind: 'manual', createdBy, state });
  }

  /** Everything acknowledged for the wedding, as stored: the open group is committed first. */
  private async storedRows(weddingId: string): Promise<StoredRowsUpTo> {
    const name = documentNameFor(weddingId);
    await this.collab.persistence.whenUsable(name);
    this.collab.persistence.group.commit();
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

  list(weddingId: string): SnapshotSummary[] {
    return this.snapshots.listFor(weddingId);
  }

  show(weddingId: string, snapshotId: string): SnapshotSummary & { content: WeddingJSON } {
    const { summary, state } = this.snapshotOrThrow(weddingId, snapshotId);
    return { ...summary, content: contentOf(state) };
  }

  /**
   * What restoring `snapshotId` over the live document would change in `sections`, without changing
   * anything. Throws HttpError 404 `snapshot_not_found` / `wedding_not_found`.
   */
  async preview(weddingId: string, snapshotId: string, sections: readonly RestoreSection[] = DEFAULT_RESTORE_SECTIONS): Promise<RestorePreview> {
    const { summary, state } = this.snapshotOrThrow(weddingId, snapshotId);
    this.assertExists(weddingId);
    const target = contentOf(state);
    return this.collab.withDocument(weddingId, (doc) => ({
      snapshot: summary, sections: [...sections], changes: diffSections(new WeddingDoc(doc).toJSON(), target, sections),
    }));
  }

  /**
   * Takes an automatic snapshot of the live document, then rewrites the chosen `sections` of the
   * live document to the snapshot's content as new CRDT operations (see reconcileDocument), and
   * leaves a restore notice in the document (schema/document/restore-notice.ts) in the same
   * transaction. All of it is one synchronous step, so no edit can land between the backup and the
   * restore. Sections not chosen keep their live content. Edits that peers made offline, concurrent
   * with the restore, are re-applied over it when they arrive (server/admin/restore-merge.ts).
   */
  async restore(weddingId: string, snapshotId: string, by: string, sections: readonly RestoreSection[] = DEFAULT_RESTORE_SECTIONS, who?: PersonDetails): Promise<SnapshotRestoreResult> {
    const { summary: restored, state } = this.snapshotOrThrow(weddingId, snapshotId);
    return this.collab.withDocument(weddingId, (doc) => {
      const backup = this.snapshots.create({
        weddingId, label: `before restoring “${restored.label}”`, kind: 'auto', createdBy: by, state: Y.encodeStateAsUpdate(doc),
      });
      const target = new Y.Doc();
      try {
        Y.applyUpdate(target, state);
        const changes = diffSections(new WeddingDoc(doc).toJSON(), new WeddingDoc(target).toJSON(), sections);
        const restoreId = `rst_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
        const origin = adminOrigin('restore', by, who);
        doc.transact(() => {
          // The notice is the transaction's first operation, so its clock is where the restore begins.
          writeRestoreNotice(doc, {
            id: restoreId, at: new Date().toISOString(), by, snapshotId, snapshotLabel: restored.label, backupId: backup.id,
            sections: [...sections], clientId: doc.clientID, clock: Y.getState(doc.store, doc.clientID),
          });
          reconcileDocument(doc, target, origin, sections);
        }, origin);
        return { restoreId, restored, backup, sections: [...sections], changes };
      } finally {
        target.destroy();
      }
    });
  }

  private snapshotOrThrow(weddingId: string, snapshotId: string): { summary: SnapshotSummary; state: Uint8Array } {
    const summary = this.snapshots.get(weddingId, snapshotId);
    const state = this.snapshots.getState(weddingId, snapshotId);
    if (!summary || !state) throw new HttpError(404, 'snapshot_not_found', `wedding ${weddingId} has no snapshot ${snapshotId}`);
    return { summary, state };
  }

  /**
   * The wedding's WeddingExport as JSON text, built from its stored rows on an encoding worker
   * (server/encoding/encoding-tasks.ts), so the document need not be loaded. Throws HttpError 404
   * `wedding_not_found`, 503 `document_unavailable`.
   */
  async exportJson(weddingId: string): Promise<string> {
    this.assertExists(weddingId);
    const rows = await this.storedRows(weddingId);
    const { json } = await this.encoded(() => this.collab.encoder.exportJson(rows, weddingId, new Date().toISOString()));
    return json;
  }
}

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
