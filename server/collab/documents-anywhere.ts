import * as Y from 'yjs';
import { documentNameFor, type TxOrigin } from '../../schema/index.ts';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { DocumentStore } from '../storage/backend/document-store.ts';
import type { DocumentOwner } from '../storage/postgres/collab-instances.ts';
import { ownedElsewhere } from './document-log.ts';
import { describeOrigin } from './origin.ts';

/** Document work that works on any instance of a cluster (DocumentsAnywhere), or on the one server. */
export interface WeddingDocuments {
  /**
   * Runs `fn` with the wedding's document and keeps what it changed. The changes are stored before
   * this resolves (on the instance that serves the wedding). Errors: `fn`'s own; WedSyncError 503
   * `document_unavailable` when the document cannot be opened or the instance serving it cannot be
   * reached.
   */
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T | Promise<T>): Promise<T>;
  /** Folds the wedding's history where it is served (CollabServer.foldHistory). Errors as `withDocument`. */
  foldHistory(weddingId: string): Promise<void>;
}

/** One transaction's change made on a stored copy: the Yjs update (v1) and the transaction's origin. */
export interface CopiedChange {
  update: Uint8Array;
  origin: TxOrigin;
}

/** Asking the instance that serves a wedding to apply changes or fold its history (instance-routes.ts). */
export interface OwnerRequests {
  /** Resolves once the owner stored the changes; rejects with the owner's WedSyncError, or 503 when it cannot be reached. */
  applyChanges(owner: DocumentOwner, weddingId: string, changes: readonly CopiedChange[]): Promise<void>;
  foldHistory(owner: DocumentOwner, weddingId: string): Promise<void>;
}

export interface DocumentsAnywhereDeps {
  /** This instance's own document work (the live copy here; throws DocumentOwnedElsewhereError when another instance holds it). */
  local: WeddingDocuments;
  /** Where stored documents are read (the committed state and log, without a lease). */
  store: Pick<DocumentStore, 'load'>;
  /** This instance (INSTANCE_ID). */
  instanceId: string;
  /** Whether the document is live here now (DurablePersistence.loadedDocument): no need to ask who serves it. */
  liveHere(documentName: string): boolean;
  /** Who holds the live lease on a document (CollabInstances.ownerOf). */
  ownerOf(documentName: string): Promise<DocumentOwner | null>;
  owners: OwnerRequests;
  logger: Logger;
  /**
   * How long a change (or a fold) keeps being offered while the instance serving the wedding cannot
   * be reached or hands it on, ms: an owner that died holds its lease until it lapses, and then
   * whoever opens the wedding serves it (this instance, if nobody else). Set it above
   * DOCUMENT_LEASE_MS. @default 20000
   */
  handOnMs?: number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** The first wait between two offers of a change, doubling to HAND_ON_MAX_WAIT_MS, ms. */
const HAND_ON_FIRST_WAIT_MS = 100;
const HAND_ON_MAX_WAIT_MS = 2000;

/**
 * Document work for routes and services that span weddings (a person's export and erasure, the
 * calendar's double-booking check, routing a record by the weddings' facts) on an instance of a
 * cluster. A wedding's document is live on one instance at a time (its lease holder); here:
 * - a wedding this instance serves, or that nobody serves, is opened here, as on a single server;
 * - a wedding another instance serves is read from what is stored (every acknowledged change is
 *   committed, so the stored copy holds all of them; a change the owner has not committed yet is
 *   missing, as it would be for any client a moment earlier), and what `fn` changes on that copy is
 *   sent to the owner as Yjs updates with their transactions' origins, applied there in the live
 *   document (where every listener runs, as for a change made in process), and stored before this
 *   resolves. A copy's updates only refer to what is stored, so the owner always has what they
 *   build on; applying one twice changes nothing, so an update is simply sent again to whichever
 *   instance serves the wedding next when its owner stops or changes meanwhile.
 *
 * Work that must run where the document lives (joined writes, `changeWithWrites`) does not belong
 * here: it is claimed by the owner (inbox, comms) instead.
 */
export class DocumentsAnywhere implements WeddingDocuments {
  constructor(private readonly deps: DocumentsAnywhereDeps) {}

  async withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T | Promise<T>): Promise<T> {
    const name = documentNameFor(weddingId);
    const owner = this.deps.liveHere(name) ? null : await this.deps.ownerOf(name);
    if (owner === null || owner.instanceId === this.deps.instanceId) {
      let started = false;
      try {
        return await this.deps.local.withDocument(weddingId, (doc) => {
          started = true;
          return fn(doc);
        });
      } catch (error) {
        // Taken by another instance in between: as below.
        if (started || !ownedElsewhere(error)) throw error;
      }
    }
    const { value, changes } = await this.onStoredCopy(weddingId, fn);
    if (changes.length > 0) await this.handOn(weddingId, changes);
    return value;
  }

  foldHistory(weddingId: string): Promise<void> {
    return this.whereServed(weddingId, 'a history fold', () => this.deps.local.foldHistory(weddingId), (owner) => this.deps.owners.foldHistory(owner, weddingId));
  }

  /** Runs `fn` on a copy of what is stored, recording each transaction's update and origin. */
  private async onStoredCopy<T>(weddingId: string, fn: (doc: Y.Doc) => T | Promise<T>): Promise<{ value: T; changes: CopiedChange[] }> {
    const { state, log } = await this.deps.store.load(documentNameFor(weddingId));
    const doc = new Y.Doc();
    const changes: CopiedChange[] = [];
    try {
      const stored = Symbol('stored');
      doc.transact(() => {
        if (state) Y.applyUpdate(doc, state);
        for (const update of log) {
          // A row that cannot be applied is left out, as the owner's load leaves it out (and reports it).
          try {
            Y.applyUpdate(doc, update);
          } catch {
            this.deps.logger.warn({ weddingId }, 'a stored update of a wedding served elsewhere could not be read; left out of the copy');
          }
        }
      }, stored);
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== stored) changes.push({ update, origin: describeOrigin(origin) });
      });
      let value: T;
      try {
        value = await fn(doc);
      } catch (error) {
        // What `fn` changed before it threw is kept, as it would be in the live document.
        if (changes.length > 0) await this.handOn(weddingId, changes);
        throw error;
      }
      return { value, changes };
    } finally {
      doc.destroy();
    }
  }

  /** Sends `changes` to whichever instance serves the wedding (this one, if none does now) and waits until they are stored. */
  private handOn(weddingId: string, changes: readonly CopiedChange[]): Promise<void> {
    return this.whereServed(weddingId, 'a change', () => this.deps.local.withDocument(weddingId, (doc) => {
      for (const c of changes) Y.applyUpdate(doc, c.update, c.origin);
    }), (owner) => this.deps.owners.applyChanges(owner, weddingId, changes));
  }

  /**
   * Runs `here` when nobody else serves the wedding, else `there` on its owner; again, after a short
   * wait, while the owner cannot be reached or the wedding moved (both are idempotent), for up to
   * `handOnMs`. Throws the last error after that, and any other error at once.
   */
  private async whereServed(weddingId: string, what: string, here: () => Promise<unknown>, there: (owner: DocumentOwner) => Promise<unknown>): Promise<void> {
    const name = documentNameFor(weddingId);
    const until = Date.now() + (this.deps.handOnMs ?? 20_000);
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let wait = HAND_ON_FIRST_WAIT_MS; ; wait = Math.min(wait * 2, HAND_ON_MAX_WAIT_MS)) {
      const owner = this.deps.liveHere(name) ? null : await this.deps.ownerOf(name);
      try {
        await (owner === null || owner.instanceId === this.deps.instanceId ? here() : there(owner));
        return;
      } catch (error) {
        if (!handedOver(error) || Date.now() + wait > until) throw error;
        this.deps.logger.info({ weddingId, owner: owner?.instanceId, err: error }, `the instance serving a wedding did not take ${what}; offering it again`);
        await sleep(wait);
      }
    }
  }
}

/** The document moved (its owner stopped or another took it): worth asking again whoever serves it now. */
function handedOver(error: unknown): boolean {
  if (ownedElsewhere(error)) return true;
  const reason = error instanceof WedSyncError && error.code === 'document_unavailable' ? (error.details as { reason?: unknown } | undefined)?.reason : undefined;
  return reason === 'owner_unreachable' || reason === 'owned_elsewhere';
}
