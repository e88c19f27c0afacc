import { AdapterError, canPull, toAdapterError, type Adapter, type InboundChange, type SyncEntity } from '../../adapters/core/index.ts';
import { RETRY_AFTER_MAX_MS } from './retry-policy.ts';
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
  /** The stored cursor, read when the pull starts (null: read everything). */
  cursor(): Promise<string | null>;
  /** Records an audit row (for a connection: under each wedding it serves). */
  audit(action: string, result: 'ok' | 'failed' | 'skipped', detail: Record<string, unknown>): void;
  /** The links a full read's listing is compared with (every binding's, for a connection). */
  linksFor(entity: SyncEntity): Promise<Link[]>;
  /** Stores one page durably; resolves with the inbox row ids written. */
  store(page: { changes: InboundChange[]; cursorAfter?: string | null; resync?: FullResync; more: boolean }): Promise<number[]>;
  /** Records the failure on the connection or binding (`code`: the AdapterError's). */
  failed(message: string, code: string): Promise<void>;
}

/**
 * A 429's pause of a key's reads shared by the instances reading the same systems (PostgreSQL:
 * postgres-read-pauses.ts); none on SQLite, where one process reads. Times are ms since the epoch.
 */
export interface ReadPauses {
  /** Records that no instance reads `key` before `until`; an earlier `until` than one recorded does not shorten it. */
  record(key: string, until: number): Promise<void>;
  /** Until when reads of `key` wait, as recorded by any instance; 0 (or a time passed) if they need not. */
  until(key: string): Promise<number>;
}

export interface PullerDeps {
  now: () => number;
  /**
   * The pauses other instances were told about: a pull about to read a key checks them, and a 429
   * here is recorded in them. A failure to read or record one is handed to `onError` and the pull
   * goes on with what this instance knows (the system answers 429 again if it must).
   */
  shared?: { pauses: ReadPauses; onError(error: unknown, key: string): void };
  /**
   * Scheduled pulls running at once, at most; more wait in arrival order. Requested pulls (a
   * webhook's, a person's) neither count nor wait, so the outbound sockets the scheduled ones leave
   * free (OUTBOUND_MAX_SOCKETS_PER_ORIGIN) are theirs. @default Infinity
   */
  scheduledConcurrency?: number;
}

/** Why a pull is asked for: `requested` ones (webhooks, people, configuration changes) go first. */
export type PullReason = 'scheduled' | 'requested';

interface PullEntry {
  full: boolean;
  /** True once its first page is asked for. */
  started: boolean;
  run: Promise<number[]>;
  /** A scheduled pull waiting for its turn: starts it now, outside the limit. */
  promote?: () => void;
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
  private readonly running = new Map<string, PullEntry>();
  private readonly lastPull = new Map<string, number>();
  private readonly lastSuccess = new Map<string, number>();
  /**
   * Keys whose system answered a pull with 429: no pull of them starts before this time (ms since
   * the epoch; its `Retry-After`, at least 1 s and at most RETRY_AFTER_MAX_MS). Pulls asked for
   * meanwhile are refused at once (`rate_limited`) and remembered in `wanted`: the schedule pulls
   * the key once the time has passed (PullSchedule.tick).
   */
  private readonly pausedUntil = new Map<string, number>();
  /**
   * Keys asked for during their pause: whether a full read was among the asks, and whether any was
   * `requested` (else only the schedule asked, and the pull that follows waits for a turn as it would have).
   */
  private readonly wanted = new Map<string, { full: boolean; reason: PullReason }>();
  /** Scheduled pulls running, and those waiting for a turn (FIFO). */
  private scheduledActive = 0;
  private readonly turns: (() => void)[] = [];
  private readonly limit: number;

  constructor(private readonly deps: PullerDeps) {
    this.limit = Math.max(1, deps.scheduledConcurrency ?? Infinity);
  }

  /** True while a pull of `key` runs or waits. */
  pending(key: string): boolean {
    return this.running.has(key);
  }

  /** Until when (ms since the epoch) pulls of `key` wait out a 429, 0 when they need not. */
  pausedUntilOf(key: string): number {
    const until = this.pausedUntil.get(key) ?? 0;
    if (until && until <= this.deps.now()) this.pausedUntil.delete(key);
    return until > this.deps.now() ? until : 0;
  }

  /**
   * Records a 429 answered to a read of `key` (here, or by another reader of the system such as the
   * consistency audit): no pull of it starts before `retryAfterMs` (at least 1 s, at most RETRY_AFTER_MAX_MS).
   */
  pause(key: string, retryAfterMs: number | undefined): Promise<void> {
    // Whole ms: the shared record is an integer column.
    const until = Math.ceil(this.deps.now() + Math.max(1000, Math.min(retryAfterMs ?? 1000, RETRY_AFTER_MAX_MS)));
    this.pausedUntil.set(key, Math.max(until, this.pausedUntil.get(key) ?? 0));
    const shared = this.deps.shared;
    return shared ? shared.pauses.record(key, until).catch((error: unknown) => shared.onError(error, key)) : Promise.resolve();
  }

  /**
   * Until when (ms) reads of `key` wait, counting the pauses recorded by other instances
   * (PullerDeps.shared): one found there is kept here too. 0 when they need not.
   */
  async pausedUntilAnywhere(key: string): Promise<number> {
    const shared = this.deps.shared;
    if (!shared || this.pausedUntilOf(key)) return this.pausedUntilOf(key);
    const until = await shared.pauses.until(key).catch((error: unknown) => { shared.onError(error, key); return 0; });
    if (until > this.deps.now()) this.pausedUntil.set(key, Math.max(until, this.pausedUntil.get(key) ?? 0));
    return this.pausedUntilOf(key);
  }

  /** A pull of `key` asked for during its pause, once that has passed: whether it was to be full, and why it was asked (and forgets it); undefined if none. */
  takeWanted(key: string): { full: boolean; reason: PullReason } | undefined {
    const asked = this.wanted.get(key);
    if (asked === undefined || this.pausedUntilOf(key)) return undefined;
    this.wanted.delete(key);
    return asked;
  }

  /** Whether any key waits for a pull asked for during its pause. */
  get anyWanted(): boolean {
    return this.wanted.size > 0;
  }

  private refuseWhilePaused(target: PullTarget, full: boolean, reason: PullReason): Error | null {
    const paused = this.pausedUntilOf(target.key);
    if (!paused) return null;
    const before = this.wanted.get(target.key);
    this.wanted.set(target.key, { full: full || (before?.full ?? false), reason: reason === 'requested' || before?.reason === 'requested' ? 'requested' : 'scheduled' });
    return new AdapterError('rate_limited', `${target.system} asked not to be read again before ${new Date(paused).toISOString()}; the pull follows then`, { retryAfterMs: paused - this.deps.now() });
  }

  /** When the target was last pulled (ms), 0 if never. */
  lastPulledAt(key: string): number {
    return this.lastPull.get(key) ?? 0;
  }

  /** When the last pull of `key` that read every page without an error started (ms), 0 if none. */
  lastSucceededAt(key: string): number {
    return this.lastSuccess.get(key) ?? 0;
  }

  /**
   * Pulls every page into the inbox; resolves with the inbox row ids. A request made while a pull
   * of the same key is under way is served by a pull that starts after it (queued once, shared by
   * every request made meanwhile): a push notification that arrives while a list request is in
   * flight may announce a change that list did not see, and waiting for the next schedule would
   * delay it by a whole interval.
   *
   * A `scheduled` pull waits for a turn (PullerDeps.scheduledConcurrency) and is not queued behind
   * a running pull of its key (that one serves it); a `requested` one starts at once, and starts a
   * scheduled pull of its key still waiting for its turn rather than queueing behind it.
   */
  pull(live: PullTarget, full: boolean, reason: PullReason = 'requested'): Promise<number[]> {
    const id = live.key;
    trace('pull.requested', id, { reason });
    const refused = this.refuseWhilePaused(live, full, reason);
    if (refused) return Promise.reject(refused);
    const current = this.running.get(id);
    if (current && !current.started && (current.full || !full)) {
      if (reason === 'requested') current.promote?.();
      return current.run;
    }
    if (current && reason === 'scheduled') return current.run;
    const entry: PullEntry = { full, started: false, run: Promise.resolve([]) };
    const own = async () => {
      const release = reason === 'scheduled' ? await this.turn(entry) : undefined;
      try {
        // Queued behind a pull that was answered 429, or another instance's read was: it waits out
        // the same pause. (Asks made during the look-up join this pull: it has not started.)
        if (this.deps.shared) await this.pausedUntilAnywhere(id);
        entry.started = true;
        const refused = this.refuseWhilePaused(live, entry.full, reason);
        if (refused) throw refused;
        return await this.pages(live, full);
      } finally {
        release?.();
      }
    };
    entry.run = (current ? current.run.catch(() => []).then(async (earlier) => [...earlier, ...await own()]) : own())
      .finally(() => { if (this.running.get(id) === entry) this.running.delete(id); });
    this.running.set(id, entry);
    entry.run.catch(() => undefined);
    return entry.run;
  }

  /** Resolves with what ends the turn: a free one at once, else when one is free or the entry is promoted. */
  private turn(entry: PullEntry): Promise<() => void> {
    const release = () => {
      this.scheduledActive--;
      this.turns.shift()?.();
    };
    if (this.scheduledActive < this.limit) {
      this.scheduledActive++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => {
      const go = () => {
        entry.promote = undefined;
        this.scheduledActive++;
        resolve(release);
      };
      this.turns.push(go);
      entry.promote = () => {
        entry.promote = undefined;
        const i = this.turns.indexOf(go);
        if (i >= 0) this.turns.splice(i, 1);
        resolve(() => undefined);
      };
    });
  }

  /** Resolves when every running pull has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.run));
  }

  private async pages(target: PullTarget, full: boolean): Promise<number[]> {
    const { adapter } = target;
    if (!canPull(adapter)) return [];
    const startedAt = this.deps.now();
    this.lastPull.set(target.key, startedAt);
    trace('pull.started', target.key);
    const ids: number[] = [];
    let cursor = full ? null : await target.cursor();
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
        // Recorded for the other instances before the pull fails, so a read asked of them now waits too.
        if (error.code === 'rate_limited') await this.pause(target.key, error.extra.retryAfterMs);
        audit('pull.failed', 'failed', { code: error.code, message: clipText(error.message, 300) });
        await target.failed(clipText(`pull: ${error.message}`, 500), error.code);
        throw error;
      }
      // Records read and ignored that deserve a person's attention (a refund of a payment no wedding knows).
      for (const notice of result.notices ?? []) audit('pull.ignored', 'skipped', { reason: clipText(notice, 300) });
      listing?.add(result);
      const resync = !result.more ? listing?.result() ?? null : null;
      if (resync?.window && adapter.confirmAbsent) {
        // A windowed listing misses what moved out of the window as well as what was deleted: ask.
        const candidates = [...new Set(absentDeletions(resync, await target.linksFor(resync.entity)).map((c) => (c.op === 'delete' ? c.externalId : '')))];
        const gone = new Set(candidates.length ? await adapter.confirmAbsent(resync.entity, candidates) : []);
        resync.listed.push(...candidates.filter((id) => !gone.has(id)));
      } else if (resync?.window) {
        resync.listed.push(...(await target.linksFor(resync.entity)).flatMap((l) => (l.externalId ? [l.externalId] : [])));
      }
      ids.push(...await target.store({ changes: result.changes, ...(result.more ? {} : { cursorAfter: result.cursor }), ...(resync ? { resync } : {}), more: result.more }));
      trace('pull.stored', target.key);
      cursor = result.cursor;
      if (!result.more) break;
    }
    this.lastSuccess.set(target.key, startedAt);
    return ids;
  }
}
