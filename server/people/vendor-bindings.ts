import type * as Y from 'yjs';
import { WeddingDoc, type TxOrigin } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import { sqliteVendorRows } from './sqlite-vendor-rows.ts';
import { contactsOfPeople, dependantCounts, type BindingToUnbind, type VendorDependantCounts } from './vendor-dependants.ts';

export type { BindingToUnbind } from './vendor-dependants.ts';

/** How many of each kind of dependant (server/people/vendor-dependants.ts) a merge rebound or a removal took. */
export type VendorBound = VendorDependantCounts;

/** Opens a wedding's live document (the collab server's withDocument). */
export interface VendorDocuments {
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
}

/** A merge's or removal's own document change, run in the live document by VendorBindings. */
export interface VendorChange<T> {
  /** Runs first, in the document; throws to refuse (then nothing is changed, in the document or the rows). */
  check(w: WeddingDoc): void;
  /**
   * The document's own change (mergeVendors, removeVendor), synchronous; `server` is what the
   * server binds to the vendor as counted before the change. What it returns is resolved.
   */
  change(w: WeddingDoc, server: VendorBound): T;
}

/**
 * The server-side dependants of a wedding's vendor entry (VENDOR_DEPENDANT_KINDS: one list for
 * merge and removal), moved or removed together with the document's own change (schema/document/
 * vendor-merge.ts), on either backend: `sqliteVendorBindings` or `postgresVendorBindings`
 * (postgres-vendor-bindings.ts). Rejects with what `check` or `change` throws (nothing stored when
 * `check` throws), or when the document cannot be opened or the rows cannot be stored.
 */
export interface VendorBindings {
  /**
   * What acts for the vendor now (VendorBound) and the wedding's connection bindings acting for it
   * (its entry, its connector's, or a `vendorId` setting), read after `check` passed in the document.
   */
  inspect(weddingId: string, vendorId: string, check: (w: WeddingDoc) => void): Promise<{ counted: VendorBound; bindings: BindingToUnbind[] }>;
  /**
   * A merge: runs `change` in the document and rebinds every dependant of `fromId` to `toId`, the
   * rows committed with the change. Resolves with its value, the counts moved, and the connections
   * whose running bindings must be rebuilt from the rows (ConnectionsService.restart).
   */
  move<T>(weddingId: string, fromId: string, toId: string, change: VendorChange<T>): Promise<{ value: T; moved: VendorBound; connectionIds: string[] }>;
  /**
   * A removal: in one document transaction (`origin`) deletes the contacts that are the vendor's
   * people and runs `change`, and removes or revokes every other dependant but connection bindings
   * (the caller unbinds those first, from `inspect`: unbinding may push deletes to the external
   * system), the rows committed with the change. Resolves with its value and the counts as they were before.
   */
  remove<T>(weddingId: string, vendorId: string, origin: TxOrigin, change: VendorChange<T>): Promise<{ value: T; removed: VendorBound }>;
}

/**
 * VendorBindings on SQLite: the rows are read and written synchronously inside the document
 * callback, so they join the group commit open with the document change (as they always did); a
 * merge's or removal's rows are one SQLite transaction.
 */
export function sqliteVendorBindings(deps: { db: Db; docs: VendorDocuments; now?: () => number }): VendorBindings {
  const rows = sqliteVendorRows(deps.db);
  const now = deps.now ?? Date.now;
  return {
    inspect(weddingId, vendorId, check) {
      return deps.docs.withDocument(weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        check(w);
        const survey = rows.survey(weddingId, vendorId);
        return { counted: dependantCounts(w, survey), bindings: survey.bindings };
      });
    },
    move(weddingId, fromId, toId, { check, change }) {
      return deps.docs.withDocument(weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        check(w);
        const survey = rows.survey(weddingId, fromId);
        const moved = dependantCounts(w, survey);
        rows.move(weddingId, fromId, toId, now());
        // The people move to the kept vendor, and their contacts with them: nothing to do for contacts.
        return { value: change(w, moved), moved, connectionIds: [...new Set(survey.bindings.map((b) => b.connectionId))] };
      });
    },
    remove(weddingId, vendorId, origin, { check, change }) {
      return deps.docs.withDocument(weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        check(w);
        const survey = rows.survey(weddingId, vendorId);
        const removed = dependantCounts(w, survey);
        let value!: ReturnType<typeof change>;
        // One document transaction: the contacts leave with the vendor.
        w.transact(() => {
          for (const id of contactsOfPeople(w, survey.people)) w.contacts.delete(id);
          rows.remove(weddingId, vendorId, now());
          value = change(w, removed);
        }, origin);
        return { value, removed };
      });
    },
  };
}
