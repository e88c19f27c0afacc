import crypto from 'node:crypto';
import * as Y from 'yjs';
import {
  DEFAULT_RESTORE_SECTIONS, WeddingDoc, adminOrigin, diffSections, documentNameFor, reconcileDocument, wellFormedDeep, writeRestoreNotice,
  type InvalidEntry, type PersonDetails, type RestorePreview, type RestoreSection, type SnapshotRestoreResult, type SnapshotSummary, type WeddingJSON,
} from '../../schema/index.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import type { UnresolvedParts } from '../collab/unresolved-parts.ts';
import { HttpError } from '../http/http-error.ts';
import type { DocumentStore } from '../storage/document-store.ts';
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

/** Admin snapshots, restore and export of wedding documents. */
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

  async create(weddingId: string, label: string, createdBy: string): Promise<SnapshotSummary> {
    this.assertExists(weddingId);
    return this.collab.withDocument(weddingId, (doc) =>
      this.snapshots.create({ weddingId, label, kind: 'manual', createdBy, state: Y.encodeStateAsUpdate(doc) }));
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
        weddingId, label: `before restoring "${restored.label}"`, kind: 'auto', createdBy: by, state: Y.encodeStateAsUpdate(doc),
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

  async export(weddingId: string): Promise<WeddingExport> {
    this.assertExists(weddingId);
    // An export is text written out: it holds only well-formed Unicode (U+FFFD for a lone surrogate).
    return this.collab.withDocument(weddingId, (doc) => {
      const unresolved = this.collab.persistence.unresolvedParts(documentNameFor(weddingId));
      const wedding = new WeddingDoc(doc);
      return {
        weddingId, exportedAt: new Date().toISOString(), content: wellFormedDeep(wedding.toJSON()), invalid: wellFormedDeep(wedding.invalidEntries()),
        ...(unresolved ? { unresolved } : {}),
      };
    });
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
