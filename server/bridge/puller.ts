import { canPull, toAdapterError, type Adapter, type InboundChange, type SyncEntity } from '../../adapters/core/index.ts';
import { ListingCollector, absentDeletions, type FullResync } from './full-resync.ts';
import type { Link } from './link-store.ts';
import { clipText } from '../../schema/document/text.ts';
import { trace } from './bridge-trace.ts';

/**
 * What a pull reads from and where its pages go: one binding (a system serving one wedding per
 * connection: pages go to its inbox, the cursor is saved once the last page is applied) or a
 * connection (pages are routed to its weddings, the cursor saved once they are stored).
 */
export interface PullTarget {
  /** One pull per key at a time. */
  key: string;
  system: string;
  adapter: Adapter;
  cursor: string | null;
  /** Records an audit row (for a connection: under each wedding it serves). */
  audit(action: string, result: 'ok' | 'failed' | 'skipped', detail: Record<string, unknown>): void;
  /** The links a full read's listing is compared with (every binding's, for a connection). */
  linksFor(entity: SyncEntity): Link[];
  /** Stores one page durably; resolves with the inbox row ids written. */
  store(page: { changes: InboundChange[]; cursorAfter?: string | null; resync?: FullResync; more: boolean }): Promise<number[]>;
  /** Records the failure on the connection or binding (`code`: the AdapterError's). */
  failed(message: string, code: string): void;
}

export interface PullerDeps {
  now: () => number;
}
/**
 * Scheduled and requested pulls: every page goes to the inbox (the same path as webhooks), the
 * cursor is saved with the last page once it is applied. One pull per integration at a time; a
 * full read asked for while an incremental one runs follows it rather than being dropped. A cursor
 * the system refuses (AdapterError `gone`: Google 410, Graph 410, CalDAV valid-sync-token) turns
 * the pull into a full read, and a full read that the adapter declares exhaustive
 * (`PullPage.listing`) carries what it listed to the last page, where deletions are reconciled
 * (full-resync.ts).
 */
export class Puller {
  /** The pull of each key now running or queued behind it; `started` once its first page is asked for. */
  private readonly running = new Map<string, { full: boolean; started: boolean; run: Promise<number[]> }>();
  private readonly lastPull = new Map<string, number>();

  constructor(private readonly deps: PullerDeps) {}

  /** When the target was last pulled (ms), 0 if never. */
  lastPulledAt(key: string): number {
    return this.lastPull.get(key) ?? 0;
  }

  /**
   * Pulls every page into the inbox; resolves with the inbox row ids. A request made while a pull
   * of the same key is under way is served by a pull that starts after it (queued once, shared by
   * every request made meanwhile): a push notification that arrives while a list request is in
   * flight may announce a change that list did not see, and waiting for the next schedule would
   * delay it by a whole interval.
   */
  pull(live: PullTarget, full: boolean): Promise<number[]> {
    const id = live.key;
    trace('pull.requested', id);
    const current = this.running.get(id);
    if (current && !current.started && (current.full || !full)) return current.run;
    const entry: { full: boolean; started: boolean; run: Promise<number[]> } = { full, started: false, run: Promise.resolve([]) };
    const own = () => {
      entry.started = true;
      return this.pages(live, full);
    };
    entry.run = (current ? current.run.catch(() => []).then(async (earlier) => [...earlier, ...await own()]) : own())
      .finally(() => { if (this.running.get(id) === entry) this.running.delete(id); });
    this.running.set(id, entry);
    entry.run.catch(() => undefined);
    return entry.run;
  }

  /** Resolves when every running pull has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.run));
  }

  private async pages(target: PullTarget, full: boolean): Promise<number[]> {
    const { adapter } = target;
    if (!canPull(adapter)) return [];
    this.lastPull.set(target.key, this.deps.now());
    trace('pull.started', target.key);
    const ids: number[] = [];
    let cursor = full ? null : target.cursor;
    let fullRead = full || cursor === null;
    // Link rows are stamped with the wall clock (LinkStore.save), so the listing is too.
    let listing = fullRead ? new ListingCollector(new Date().toISOString()) : null;
    const audit = (action: string, result: 'ok' | 'failed' | 'skipped', detail: Record<string, unknown>) => target.audit(action, result, detail);
    for (let page = 0; page < 10_000; page++) {
      let result;
      try {
        result = await adapter.pull({ cursor, full: fullRead });
        trace('pull.read', target.key);
      } catch (caught) {
        const error = toAdapterError(caught, target.system);
        // A refused cursor (expired sync token, invalid delta link) means: read everything again.
        if (error.code === 'gone' && !fullRead) {
          audit('pull.resync', 'ok', { reason: clipText(error.message, 200) });
          cursor = null;
          fullRead = true;
          listing = new ListingCollector(new Date().toISOString());
          page = -1;
          continue;
        }
        audit('pull.failed', 'failed', { code: error.code, message: clipText(error.message, 300) });
        target.failed(clipText(`pull: ${error.message}`, 500), error.code);
        throw error;
      }
      // Records read and ignored that deserve a person's attention (a refund of a payment no wedding knows).
      for (const notice of result.notices ?? []) audit('pull.ignored', 'skipped', { reason: clipText(notice, 300) });
      listing?.add(result);
      const resync = !result.more ? listing?.result() ?? null : null;
      if (resync?.window && adapter.confirmAbsent) {
        // A windowed listing misses what moved out of the window as well as what was deleted: ask.
        const candidates = [...new Set(absentDeletions(resync, target.linksFor(resync.entity)).map((c) => (c.op === 'delete' ? c.externalId : '')))];
        const gone = new Set(candidates.length ? await adapter.confirmAbsent(resync.entity, candidates) : []);
        resync.listed.push(...candidates.filter((id) => !gone.has(id)));
      } else if (resync?.window) {
        resync.listed.push(...target.linksFor(resync.entity).flatMap((l) => (l.externalId ? [l.externalId] : [])));
      }
      ids.push(...await target.store({ changes: result.changes, ...(result.more ? {} : { cursorAfter: result.cursor }), ...(resync ? { resync } : {}), more: result.more }));
      trace('pull.stored', target.key);
      cursor = result.cursor;
      if (!result.more) break;
    }
    return ids;
  }
}
