import type pg from 'pg';
import type { WriteBarrier } from '../storage/write-barrier.ts';
import { WeddingDoc, documentNameFor } from '../../schema/index.ts';
import type { ChangeWrite, JoinedChange } from '../collab/joined-changes.ts';
import { postgresVendorRows } from './postgres-vendor-rows.ts';
import { contactsOfPeople, dependantCounts } from './vendor-dependants.ts';
import type { VendorBindings, VendorDocuments } from './vendor-bindings.ts';

/** Announces API keys revoked in a caller's transaction (PostgresApiKeyStore.notifyRevoked / announceRevoked). */
export interface KeyRevocations {
  /** Sends the ids to the other instances, on the revoking transaction's `client` (sent only if it commits). */
  notifyRevoked(client: pg.ClientBase, keyIds: string[]): Promise<void>;
  /** Tells this instance's listeners, after the commit. */
  announceRevoked(keyIds: string[]): void;
}

export interface PostgresVendorBindingsDeps {
  pool: pg.Pool;
  /** The live documents here (the collab server's withDocument). */
  docs: VendorDocuments;
  /** DurablePersistence on PostgreSQL: writes joined to a document change. */
  persistence: {
    changeWithWrites<T>(documentName: string, writes: readonly ChangeWrite[], change: () => T): JoinedChange<T>;
    /** The log's barrier: the rows are read once every change made so far here has committed. */
    readonly barrier: Pick<WriteBarrier, 'afterCommit'>;
  };
  /** So sockets opened with an API key the removal revoked are closed on every instance. */
  keyRevocations?: KeyRevocations;
  /** ms since the epoch (UTC). @default Date.now */
  now?: () => number;
}

/**
 * VendorBindings on PostgreSQL. What acts for the vendor (the counts, its people, its bindings) is
 * read before the document is opened; the change then runs in the live document with the rows'
 * writes joined to it (DurablePersistence.changeWithWrites), so they commit in one database
 * transaction with the document update, and the call resolves once that is committed.
 *
 * Differences from SQLite, both from reading before the change: the counts are those read (a row
 * added between the read and the change is moved or removed but not counted), and a removal
 * deletes the contacts of the people read then. A write that fails is rolled back alone and the
 * document change is kept (a joined write, append-group.ts): the call then rejects with its error.
 */
export function postgresVendorBindings(deps: PostgresVendorBindingsDeps): VendorBindings {
  const rows = postgresVendorRows(deps.pool);
  const now = deps.now ?? Date.now;
  const name = documentNameFor;
  // Rows kept by the document's own joined writes (bookings) are read after the changes already
  // applied here commit: a change applied just before this call is counted, as on SQLite.
  const surveyOf = async (weddingId: string, vendorId: string) => {
    await new Promise<void>((resolve) => deps.persistence.barrier.afterCommit(() => resolve()));
    return rows.survey(weddingId, vendorId);
  };
  return {
    async inspect(weddingId, vendorId, check) {
      const survey = await surveyOf(weddingId, vendorId);
      return deps.docs.withDocument(weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        check(w);
        return { counted: dependantCounts(w, survey), bindings: survey.bindings };
      });
    },
    async move(weddingId, fromId, toId, { check, change }) {
      const survey = await surveyOf(weddingId, fromId);
      const at = now();
      const write: ChangeWrite = (client) => rows.move(client, weddingId, fromId, toId, at);
      const { value, committed } = await deps.docs.withDocument(weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        check(w);
        const moved = dependantCounts(w, survey);
        return deps.persistence.changeWithWrites(name(weddingId), [write], () => ({ value: change(w, moved), moved }));
      });
      await committed;
      return { ...value, connectionIds: [...new Set(survey.bindings.map((b) => b.connectionId))] };
    },
    async remove(weddingId, vendorId, origin, { check, change }) {
      const survey = await surveyOf(weddingId, vendorId);
      const at = now();
      let revoked: string[] = [];
      const write: ChangeWrite = async (client) => {
        // A joined write may run again after its savepoint was rolled back.
        revoked = await rows.remove(client, weddingId, vendorId, at);
        if (revoked.length > 0) await deps.keyRevocations?.notifyRevoked(client, revoked);
      };
      const { value, committed } = await deps.docs.withDocument(weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        check(w);
        const removed = dependantCounts(w, survey);
        return deps.persistence.changeWithWrites(name(weddingId), [write], () => {
          let result!: ReturnType<typeof change>;
          // One document transaction: the contacts leave with the vendor.
          w.transact(() => {
            for (const id of contactsOfPeople(w, survey.people)) w.contacts.delete(id);
            result = change(w, removed);
          }, origin);
          return { value: result, removed };
        });
      });
      await committed;
      deps.keyRevocations?.announceRevoked(revoked);
      return value;
    },
  };
}
