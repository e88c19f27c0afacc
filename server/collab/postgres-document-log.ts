import type { StoredDocument } from '../storage/backend/document-store.ts';
import { StaleEpochError } from '../storage/backend/stale-epoch-error.ts';
import type { Metrics } from '../metrics.ts';
import type { DocumentLeases, Lease } from '../storage/postgres/document-leases.ts';
import type { PostgresDocumentStore } from '../storage/postgres/document-store.ts';
import type { JoinedOutcome, JoinedWrite } from '../storage/postgres/append-group.ts';
import { AppendBarrier } from '../storage/write-barrier.ts';
import { StorageUnavailableError } from '../storage/storage-health.ts';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { DocumentOwnedElsewhereError, type AppendWork, type DocumentLog, type FoldRead, type JoinedWork } from './document-log.ts';

/** A document this instance holds: its lease (the fence its writes carry) and its appends in flight. */
interface Held {
  lease: Lease;
  /** The last append's outcome: true once committed, false once it failed (never rejects). */
  lastAppend: Promise<boolean>;
  /**
   * Settles once the writes of the last joined change that changed nothing (commitJoined) are
   * committed or failed; null when none is on its way. Appends issued meanwhile wait for it.
   */
  writesAlone: Promise<void> | null;
  /** Set once the document is served (opened): its lease is renewed from then on, and this is told when it is lost. */
  onLost: ((error: unknown) => void) | null;
  /** Set once the lease is gone: appends are refused and the live copy is being discarded. */
  lost: boolean;
  /** Our clock (ms) by which the lease lapses if no renewal succeeds: acquired/renewed at + ttl, less a margin. */
  deadline: number;
}

export interface PostgresDocumentLogOptions {
  /** How long a lease lasts without renewal, in ms (config DOCUMENT_LEASE_MS); renewed every third of it, all of an instance's leases in one statement. */
  leaseMs: number;
  /** Where leases held, lost and refused are counted (docs/operations.md). @default not counted */
  metrics?: Pick<Metrics, 'leasesHeld' | 'leasesLost' | 'leaseRenewalFailures' | 'ownedElsewhere'>;
}

/**
 * The PostgreSQL DocumentLog: several instances share the database, and a document is written by
 * one of them at a time, the holder of its lease (server/storage/postgres/document-leases.ts).
 *
 * - `open` takes the lease (refusing the document, `document_unavailable`, while another instance
 *   holds it) and then reads the state and log, so this instance sees every write the previous
 *   owner committed.
 * - Every append carries the lease as its fence and joins the store's group commit (AppendGroup);
 *   the transport holds frames on an AppendBarrier until the append is committed, and a failed or
 *   refused append (StaleEpochError after a takeover) calls its `failed` callback first, so the
 *   live copy is discarded before anything is released.
 * - Every held lease is renewed every `leaseMs / 3`, together (DocumentLeases.renewAll): one
 *   statement per 500 loaded documents per tick, where one per document (1,000 documents:
 *   375 commits a second at an 8 s lease) saturated the WAL and queued every acknowledgement behind
 *   them. When a renewal finds a lease taken over, or none succeeds before it would have lapsed, `lost` is called: the live copy is discarded and appends
 *   are refused from then on. A frozen owner (SIGSTOP) that wakes after a takeover has its appends
 *   refused by the fence in their own transaction, whatever its timers think.
 * - `closeDocument` (unloaded) waits for the document's appends and releases the lease, so another
 *   instance may take it at once; opening it again here waits for that release.
 * - Compaction folds committed rows only (`storesLiveState` false: the live copy may hold appends
 *   still in flight) and writes the state and trims the log in one fenced transaction.
 * - Append listeners run as joined writes (`listenerForm: 'joined'`): each its own savepoint in the
 *   append's transaction, committed with it or not at all. Only those whose stores are on PostgreSQL
 *   can register (activity today; docs/storage-backends.md).
 */
export class PostgresDocumentLog implements DocumentLog {
  readonly backend = 'postgres' as const;
  readonly storesLiveState = false;
  readonly listenerForm = 'joined' as const;
  readonly barrier = new AppendBarrier();
  private readonly held = new Map<string, Held>();
  /** Leases being released, per name: opening the name again waits for it. */
  private readonly releasing = new Map<string, Promise<void>>();
  private closed = false;
  private renewals: NodeJS.Timeout | null = null;
  private renewing = false;

  constructor(
    private readonly store: PostgresDocumentStore,
    private readonly leases: DocumentLeases,
    private readonly logger: Logger,
    private readonly options: PostgresDocumentLogOptions,
  ) {
    if (!Number.isFinite(options.leaseMs) || options.leaseMs < 300) throw new RangeError(`leaseMs must be at least 300, not ${options.leaseMs}`);
  }

  async open(name: string): Promise<StoredDocument> {
    if (this.closed) throw new StorageUnavailableError('storage is closed');
    await this.releasing.get(name);
    const takenAt = Date.now();
    const lease = await this.leases.acquire(name, this.options.leaseMs);
    if (!lease) {
      this.options.metrics?.ownedElsewhere.inc();
      const owner = await this.leases.current(name).catch(() => null);
      throw new DocumentOwnedElsewhereError(name, owner?.owner ?? null);
    }
    this.held.set(name, { lease, lastAppend: Promise.resolve(true), writesAlone: null, onLost: null, lost: false, deadline: this.deadlineFrom(takenAt) });
    this.countHeld();
    try {
      return await this.store.load(name);
    } catch (error) {
      await this.closeDocument(name);
      throw error;
    }
  }

  opened(name: string, lost: (error: unknown) => void): null {
    const held = this.held.get(name);
    if (!held) return null;
    held.onLost = lost;
    if (!this.renewals && !this.closed) {
      this.renewals = setInterval(() => void this.renewAll(), Math.floor(this.options.leaseMs / 3));
      this.renewals.unref();
    }
    return null;
  }

  async closeDocument(name: string): Promise<void> {
    const held = this.held.get(name);
    if (!held) return this.releasing.get(name);
    this.held.delete(name);
    this.countHeld();
    const release = Promise.all([held.lastAppend, held.writesAlone])
      .then(() => (held.lost ? false : this.leases.release(held.lease)))
      .then(() => undefined, (error: unknown) => {
        // It lapses by itself after leaseMs; until then the document cannot be opened elsewhere.
        this.logger.warn({ err: error, documentName: name }, 'could not release a document lease; it lapses by itself');
      })
      .finally(() => { if (this.releasing.get(name) === release) this.releasing.delete(name); });
    this.releasing.set(name, release);
    return release;
  }

  append(name: string, update: Uint8Array, _fromMessage: boolean, work: AppendWork | null, joined: JoinedWork | null, failed: (error: unknown) => void): void {
    const held = this.held.get(name);
    if (this.closed || !held || held.lost) throw new StorageUnavailableError(`${name} is not held by this instance; the change was not stored`);
    if (work) throw new WedSyncError('internal_error', 'synchronous append work is the SQLite form of append listeners; on PostgreSQL they are joined writes');
    // Behind writes of a change that changed nothing, issued before this one (see commitJoined).
    const start = () => this.store.appendJoined(name, update, held.lease, joined?.writes ?? []);
    const append = held.writesAlone ? held.writesAlone.then(start) : start();
    held.lastAppend = append.then(() => true, () => false);
    this.barrier.add(append.then((committed) => {
      try {
        joined?.report(committed.joined);
      } catch (error) {
        this.logger.error({ err: error, documentName: name }, 'reporting the outcomes of joined writes threw');
      }
      return true;
    }, (error: unknown) => {
      if (error instanceof StaleEpochError && !held.lost) {
        held.lost = true;
        this.options.metrics?.leasesLost.inc({ reason: 'write_refused' });
        this.countHeld();
      }
      // Guarded: the barrier's chain must settle whatever the handler does, or every frame waits.
      try {
        failed(error);
      } catch (handlerError) {
        this.logger.error({ err: handlerError, documentName: name }, 'handling a failed append threw');
      }
      return false;
    }));
  }

  /**
   * Writes of a joined change that changed nothing: committed after the document's appends (and
   * such writes) queued before them (they were judged against the live copy, which holds those
   * changes), and before the appends issued after them (which wait), only while
   * this instance holds the document, and fenced by its lease in their transaction. Rejects with
   * StorageUnavailableError when the document is not held or an append before them failed (the
   * live copy is discarded then), with StaleEpochError when the lease moved.
   */
  commitJoined(name: string, writes: readonly JoinedWrite[]): Promise<readonly JoinedOutcome[]> {
    const held = this.held.get(name);
    if (this.closed || !held || held.lost) return Promise.reject(new StorageUnavailableError(`${name} is not held by this instance; the writes were not stored`));
    const before = held.lastAppend;
    const previous = held.writesAlone;
    const commit = (async () => {
      await previous;
      if (!(await before)) throw new StorageUnavailableError(`a change of ${name} before these writes was not stored; the writes were not stored either`);
      if (held.lost) throw new StorageUnavailableError(`${name} is no longer held by this instance; the writes were not stored`);
      return this.store.commitJoined(name, writes, held.lease);
    })();
    // The document's later appends commit after these writes: a write judged against the live copy
    // as it is now (an inbound change read back unchanged cancelling a push the copy no longer
    // matches) must not land after a change that came later (its push planned meanwhile).
    const settled = commit.then(() => undefined, () => undefined);
    held.writesAlone = settled;
    void settled.then(() => { if (held.writesAlone === settled) held.writesAlone = null; });
    return commit;
  }

  messagesHandled(): void {
    // AppendGroup commits after each turn by itself.
  }

  commitOpen(): void {
    // Compaction folds committed rows only; nothing to commit first.
  }

  stateBytes(name: string): Promise<number> {
    return this.store.stateBytes(name);
  }

  storeLiveState(): void {
    throw new WedSyncError('internal_error', 'PostgreSQL compaction folds committed rows (storesLiveState is false)');
  }

  /** Read under the document's current holding: storeFolded writes the fold only while that holding lasts. */
  async loadUpTo(name: string): Promise<FoldRead> {
    const holding = this.held.get(name);
    if (!holding || holding.lost) return { state: null, log: [], upTo: null };
    return { ...await this.store.loadUpTo(name), holding };
  }

  /**
   * Writes the fold with the lease it was read under as the fence, and only while this instance
   * still holds the document as it did then: after an unload and a reopen (another owner may have
   * appended and stored a newer fold meanwhile), the old fold is dropped, not written over it.
   */
  async storeFolded(name: string, state: Uint8Array, read: FoldRead): Promise<boolean> {
    const held = this.held.get(name);
    if (!held || held.lost || read.holding !== held || read.upTo === null) return false;
    await this.store.compactUpTo(name, state, read.upTo, held.lease);
    return true;
  }

  async trimFolded(): Promise<number> {
    return 0;
  }

  compactAtShutdown(): boolean {
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.renewals) clearInterval(this.renewals);
    this.renewals = null;
    await this.barrier.settled();
    await Promise.all([...this.held.keys()].map((name) => this.closeDocument(name)));
    await this.store.close();
  }

  /**
   * Renews every served lease (one statement per 500); a renewal still running when the next tick
   * comes is not doubled. Every tick first drops the documents whose lease may have lapsed by our
   * clock, even while a renewal hangs (a half-open connection): their copies must not outlive the
   * lease, whatever the database answers later.
   */
  private async renewAll(): Promise<void> {
    for (const [name, held] of this.held) {
      if (held.onLost && !held.lost && Date.now() >= held.deadline) {
        this.lose(name, held, new StorageUnavailableError(`the lease on ${name} may have lapsed: no renewal succeeded in time`), 'renewal_late');
      }
    }
    if (this.renewing) return;
    const served = [...this.held].filter(([, h]) => h.onLost && !h.lost);
    if (served.length === 0) return;
    this.renewing = true;
    const startedAt = Date.now();
    try {
      const renewed = await this.leases.renewAll(served.map(([, h]) => h.lease), this.options.leaseMs);
      const movedOn: [string, Held][] = [];
      for (const [name, held] of served) {
        // Unloaded while the renewal ran: the copy is gone, nothing to discard.
        if (this.held.get(name) !== held || held.lost) continue;
        const lease = renewed.get(name);
        if (lease) {
          held.lease = lease;
          held.deadline = this.deadlineFrom(startedAt);
        } else {
          movedOn.push([name, held]);
        }
      }
      // Dropped at once (no await in between: the document could be closed or reopened meanwhile);
      // who holds it now is looked up for the log only.
      for (const [name, held] of movedOn) this.lose(name, held, new StaleEpochError(name, held.lease.epoch, null), 'taken_over');
      for (const [name] of movedOn) {
        void this.leases.current(name).then((now) => this.logger.info({ documentName: name, holder: now }, 'a document lease moved on'), () => undefined);
      }
    } catch (error) {
      for (const [name, held] of served) {
        if (this.held.get(name) !== held || held.lost) continue;
        if (Date.now() < held.deadline) continue;
        this.lose(name, held, error, 'renewal_late');
      }
      this.options.metrics?.leaseRenewalFailures.inc();
      this.logger.warn({ err: error, documents: served.length }, 'could not renew the document leases; retrying before they lapse');
    } finally {
      this.renewing = false;
    }
  }

  private lose(name: string, held: Held, error: unknown, reason: 'taken_over' | 'renewal_late'): void {
    held.lost = true;
    this.options.metrics?.leasesLost.inc({ reason });
    this.countHeld();
    this.logger.error({ err: error, documentName: name }, 'lost the lease on a document: dropping the live copy');
    held.onLost?.(error);
  }

  /** Sets the gauge of leases held: every document this instance serves and has not lost. */
  private countHeld(): void {
    let n = 0;
    for (const held of this.held.values()) if (!held.lost) n++;
    this.options.metrics?.leasesHeld.set(n);
  }

  /** Our-clock time by which a lease taken or renewed at `at` may have lapsed (a tenth of it kept as margin for clock rates). */
  private deadlineFrom(at: number): number {
    return at + this.options.leaseMs * 0.9;
  }
}
