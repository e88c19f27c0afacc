import type { Connection, Document, Extension, afterLoadDocumentPayload, afterUnloadDocumentPayload, beforeSyncPayload } from '@hocuspocus/server';
import { isTransactionOrigin } from '@hocuspocus/server';
import * as Y from 'yjs';
import {
  WeddingDoc, clientOrigin, diffSections, hasSeenRestore, listRestoreNotices, weddingIdOf,
  type RestoreChanges, type RestoreNotice, type WeddingJSON,
} from '../../schema/index.ts';
import type { CollabContext } from '../collab/context.ts';
import type { Logger } from '../logger.ts';
import type { SnapshotStore } from '../storage/backend/snapshot-store.ts';
import { applyRestoreMerge, planRestoreMerge, type MergePlan } from './restore-merge-plan.ts';
import { contentOf } from './snapshot-service.ts';

// y-protocols sync message types, as Hocuspocus' beforeSync hook reports them.
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/**
 * Makes a snapshot restore and the offline edits of a peer that had not seen it merge the same way
 * every time (the rule is in restore-merge-plan.ts).
 *
 * Whether a peer has seen a restore is read from the state vector it sends first when it connects
 * (SyncStep1), against the restore notice's clock (schema/document/restore-notice.ts). The peer's
 * operations below that vector were made before it connected, so they are concurrent with every
 * restore it had not received. Those arrive in its SyncStep2 (or an update right after); the plan is
 * made before Hocuspocus applies the message, and carried out in a transaction of its own straight
 * after the peer's transaction, still inside the same message, so it is stored (and acknowledged)
 * together with the peer's edits. After its first SyncStep2 a connection has the restore, and its
 * later edits are ordinary ones.
 *
 * The plan is made synchronously, before the message is applied, so the snapshots it compares
 * (each restore's backup and restored state) are read when the document loads (`afterLoadDocument`,
 * which Hocuspocus awaits before serving it) and kept while it is loaded; a restore made here
 * hands its two states over (`remember`). The store is asynchronous (either backend).
 */
export class RestoreMerge implements Extension {
  extensionName = 'RestoreMerge';
  private readonly announced = new WeakMap<Connection, Map<number, number>>();
  private readonly settled = new WeakSet<Connection>();
  private readonly pending = new WeakMap<Connection, { plan: MergePlan; displaced?: WeddingJSON }>();
  /** What each restore changed, by restore id (computed from the two stored snapshots once). */
  private readonly changesCache = new Map<string, RestoreChanges | null>();
  /** Per loaded document: the states of the snapshots its restore notices name, by snapshot id (null: not stored). */
  private readonly states = new Map<string, Map<string, Uint8Array | null>>();

  constructor(private readonly snapshots: SnapshotStore, private readonly logger: Logger, private readonly now: () => Date = () => new Date()) {}

  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    await this.prefetch(document, documentName);
    document.on('beforeTransaction', (tr: Y.Transaction) => {
      const entry = this.entryFor(tr);
      if (entry && !entry.displaced) entry.displaced = new WeddingDoc(document).toJSON();
    });
    document.on('afterTransaction', (tr: Y.Transaction) => {
      const entry = this.entryFor(tr);
      if (!entry?.displaced) return;
      const connection = (tr.origin as { connection: Connection }).connection;
      this.pending.delete(connection);
      try {
        const principal = (connection.context as CollabContext | undefined)?.principal;
        const { plan } = entry;
        const conflicts = plan.items.length ? applyRestoreMerge(document, plan, entry.displaced, clientOrigin(principal?.sub ?? 'unknown', principal), this.now()) : [];
        this.logger.info({ documentName: document.name, restores: plan.restoreIds, conflicts: conflicts.length }, 'offline edits re-applied over a restore');
        if (plan.unresolved > 0) {
          this.logger.warn({ documentName: document.name, restores: plan.restoreIds, operations: plan.unresolved, user: principal?.sub },
            'offline edits inside entities deleted before the restore could not be placed; they were lost to that deletion');
        }
      } catch (error) {
        this.logger.error({ err: error, documentName: document.name }, 'could not merge offline edits with a restore');
      } finally {
        entry.plan.view.destroy();
      }
    });
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.states.delete(documentName);
  }

  /**
   * A restore of the loaded document `documentName` made here: its backup's and its snapshot's
   * states, so a peer connecting next is merged without reading them back.
   */
  remember(documentName: string, snapshotId: string, state: Uint8Array): void {
    let kept = this.states.get(documentName);
    if (!kept) this.states.set(documentName, kept = new Map());
    kept.set(snapshotId, state);
  }

  /** Reads the states of every snapshot the document's restore notices name (most documents have none). */
  private async prefetch(document: Document, documentName: string): Promise<void> {
    const weddingId = weddingIdOf(documentName);
    const notices = weddingId ? listRestoreNotices(document) : [];
    if (notices.length === 0) return;
    const kept = new Map<string, Uint8Array | null>();
    try {
      for (const id of new Set(notices.flatMap((n) => [n.backupId, n.snapshotId]))) {
        kept.set(id, (await this.snapshots.getState(weddingId!, id)) ?? null);
      }
      this.states.set(documentName, kept);
    } catch (error) {
      // The document still loads; peers that missed a restore then merge as plain CRDT edits.
      this.logger.error({ err: error, documentName }, 'could not read the snapshots of the document’s restores; offline edits will not be re-applied over them');
    }
  }

  private stateOf(documentName: string, snapshotId: string): Uint8Array | null {
    return this.states.get(documentName)?.get(snapshotId) ?? null;
  }

  async beforeSync({ connection, document, documentName, type, payload }: beforeSyncPayload): Promise<void> {
    if (type === SYNC_STEP1) {
      this.announced.set(connection, Y.decodeStateVector(payload));
      return;
    }
    if ((type !== SYNC_STEP2 && type !== SYNC_UPDATE) || this.settled.has(connection) || connection.readOnly) return;
    if (type === SYNC_STEP2) this.settled.add(connection);
    const known = this.announced.get(connection);
    if (!known) return;
    const unseen = listRestoreNotices(document).filter((n) => !hasSeenRestore(known, n));
    if (unseen.length === 0) return;
    try {
      const plan = this.plan(document, documentName, payload, known, unseen);
      if (plan) this.pending.set(connection, { plan });
    } catch (error) {
      // The peer's update is still applied as it is (plain CRDT merge); only the re-application is lost.
      this.logger.error({ err: error, documentName }, 'could not plan the merge of offline edits with a restore');
    }
  }

  private plan(document: Document, documentName: string, update: Uint8Array, known: Map<number, number>, unseen: RestoreNotice[]): MergePlan | null {
    const weddingId = weddingIdOf(documentName);
    if (!weddingId) return null;
    const before = this.stateOf(documentName, unseen[0]!.backupId);
    if (!before) return null;
    const changes = unseen.map((n) => this.changesOf(documentName, n)).filter((c): c is RestoreChanges => c !== null);
    const restored = unseen.map((n) => this.stateOf(documentName, n.snapshotId)).filter((x): x is Uint8Array => !!x);
    return planRestoreMerge(document, update, known, before, changes, unseen.map((n) => n.id), restored);
  }

  private changesOf(documentName: string, notice: RestoreNotice): RestoreChanges | null {
    if (!this.changesCache.has(notice.id)) {
      const backup = this.stateOf(documentName, notice.backupId);
      const restored = this.stateOf(documentName, notice.snapshotId);
      // Not kept while a state is missing: a later load may read it.
      if (!backup || !restored) return null;
      this.changesCache.set(notice.id, diffSections(contentOf(backup), contentOf(restored), notice.sections));
    }
    return this.changesCache.get(notice.id)!;
  }

  private entryFor(tr: Y.Transaction): { plan: MergePlan; displaced?: WeddingJSON } | undefined {
    const origin = tr.origin as unknown;
    if (!isTransactionOrigin(origin) || origin.source !== 'connection') return undefined;
    return this.pending.get(origin.connection);
  }
}
