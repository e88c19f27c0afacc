import type { Hocuspocus } from '@hocuspocus/server';
import type * as Y from 'yjs';
import { documentNameFor } from '../../schema/index.ts';
import type { DurablePersistence } from '../collab/durable-persistence.ts';
import { loadRefusalCause } from '../collab/load-refusal.ts';
import { describeOrigin } from '../collab/origin.ts';
import type { DocumentAccess } from './bridge-deps.ts';

type DirectConnection = Awaited<ReturnType<Hocuspocus['openDirectConnection']>>;

/**
 * In-process document access for the bridge: the bridge is a direct (in-memory) peer of each
 * wedding it works on. A wedding the bridge touched stays loaded for `idleMs` after its last use,
 * so a burst of webhooks loads and compacts the document once, not once per webhook.
 */
export class HocuspocusDocuments implements DocumentAccess {
  private readonly open = new Map<string, { connection: Promise<DirectConnection>; timer: NodeJS.Timeout | null; users: number }>();
  readonly describeOrigin = describeOrigin;

  constructor(
    private readonly hocuspocus: Hocuspocus,
    private readonly persistence: DurablePersistence,
    private readonly idleMs = 30_000,
    /**
     * Called before a document is opened; throws to refuse. While storage is read-only, background
     * work (inbox, pulls, comms) is refused here instead of writing changes that would only be
     * discarded (and close every client of the wedding each time).
     */
    private readonly beforeOpen: () => void = () => undefined,
  ) {
    // A discarded document (a change in it could not be stored) must not stay open here: the next
    // use loads the stored copy.
    persistence.onDiscard((name) => {
      const entry = this.open.get(name);
      if (!entry) return;
      this.open.delete(name);
      if (entry.timer) clearTimeout(entry.timer);
      if (entry.users === 0) letGo(entry.connection);
    });
  }

  async withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T | Promise<T>): Promise<T> {
    this.beforeOpen();
    const name = documentNameFor(weddingId);
    await this.persistence.whenUsable(name);
    let entry = this.open.get(name);
    if (!entry) {
      const connection = this.hocuspocus.openDirectConnection(name, { origin: { kind: 'system', reason: 'bridge' } }).catch((error: unknown) => { throw loadRefusalCause(error); });
      entry = { connection, timer: null, users: 0 };
      this.open.set(name, entry);
      connection.catch(() => this.open.delete(name));
    }
    if (entry.timer) { clearTimeout(entry.timer); entry.timer = null; }
    entry.users++;
    try {
      const direct = await entry.connection;
      // Awaited, so an asynchronous `fn` keeps the document open until it is done.
      return await fn(direct.document!);
    } finally {
      entry.users--;
      if (entry.users === 0 && this.open.get(name) !== entry) {
        // Discarded while in use: let go now.
        letGo(entry.connection);
      } else if (entry.users === 0) {
        const e = entry;
        e.timer = setTimeout(() => void this.release(name, e), this.idleMs);
        e.timer.unref();
      }
    }
  }

  onUpdate(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void {
    this.persistence.onAppend(listener);
  }

  observeUpdates(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void {
    this.persistence.observeAppends(listener);
  }

  private async release(name: string, entry: { connection: Promise<DirectConnection>; users: number }): Promise<void> {
    if (entry.users > 0 || this.open.get(name) !== entry) return;
    this.open.delete(name);
    const direct = await entry.connection.catch(() => null);
    await direct?.disconnect();
  }

  /** Lets go of every document (shutdown). */
  async releaseAll(): Promise<void> {
    const entries = [...this.open.entries()];
    this.open.clear();
    await Promise.all(entries.map(async ([, e]) => {
      if (e.timer) clearTimeout(e.timer);
      const direct = await e.connection.catch(() => null);
      await direct?.disconnect().catch(() => undefined);
    }));
  }
}

/**
 * Disconnects the direct connection of a discarded document. Hocuspocus may have unloaded the
 * document already (its DirectConnection then rejects, reading the document it no longer has):
 * nothing is left to let go, so that rejection is dropped rather than left unhandled.
 */
function letGo(connection: Promise<{ disconnect(): Promise<void> }>): void {
  void connection.then((direct) => direct.disconnect()).catch(() => undefined);
}
