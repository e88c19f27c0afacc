import * as Y from 'yjs';
import {
  WeddingDoc, adminOrigin, documentNameFor, reconcileDocument, wellFormedDeep,
  type SnapshotRestoreResult, type SnapshotSummary, type WeddingJSON,
} from '../../schema/index.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import { HttpError } from '../http/http-error.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import type { SnapshotStore } from '../storage/snapshot-store.ts';

export interface WeddingExport {
  weddingId: string;
  exportedAt: string;
  content: WeddingJSON;
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
    const summary = this.snapshots.get(weddingId, snapshotId);
    const state = this.snapshots.getState(weddingId, snapshotId);
    if (!summary || !state) throw new HttpError(404, 'snapshot_not_found', `wedding ${weddingId} has no snapshot ${snapshotId}`);
    return { ...summary, content: contentOf(state) };
  }

  /**
   * Takes an automatic snapshot of the live document, then rewrites the live document to the
   * snapshot's content as new CRDT operations (see reconcileDocument), all in one synchronous step
   * so no edit can land between the backup and the restore.
   */
  async restore(weddingId: string, snapshotId: string, by: string): Promise<SnapshotRestoreResult> {
    const restored = this.snapshots.get(weddingId, snapshotId);
    const state = this.snapshots.getState(weddingId, snapshotId);
    if (!restored || !state) throw new HttpError(404, 'snapshot_not_found', `wedding ${weddingId} has no snapshot ${snapshotId}`);
    return this.collab.withDocument(weddingId, (doc) => {
      const backup = this.snapshots.create({
        weddingId, label: `before restoring "${restored.label}"`, kind: 'auto', createdBy: by, state: Y.encodeStateAsUpdate(doc),
      });
      const target = new Y.Doc();
      Y.applyUpdate(target, state);
      reconcileDocument(doc, target, adminOrigin('restore', by));
      target.destroy();
      return { restored, backup };
    });
  }

  async export(weddingId: string): Promise<WeddingExport> {
    this.assertExists(weddingId);
    // An export is text written out: it holds only well-formed Unicode (U+FFFD for a lone surrogate).
    return this.collab.withDocument(weddingId, (doc) => ({
      weddingId, exportedAt: new Date().toISOString(), content: wellFormedDeep(new WeddingDoc(doc).toJSON()),
    }));
  }
}

function contentOf(state: Uint8Array): WeddingJSON {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return new WeddingDoc(doc).toJSON();
  } finally {
    doc.destroy();
  }
}
