import type pg from 'pg';
import { EventEmitter } from 'node:events';
import type { InboundChange } from '../../adapters/core/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditLog } from './audit-log.ts';
import type { FullResync } from './full-resync.ts';
import type { AlertHandler, ApplyOutcome } from './inbound-applier.ts';
import type { InboxRow, InboxStore } from './inbox-store.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { IntegrationStore } from './integration-store.ts';
import type { LinkStore } from './link-store.ts';
import { PassLoop, readUntil } from './pass-loop.ts';
import { RepeatedFailureLog } from '../repeated-failures.ts';
import type { RetryPolicy } from './retry-policy.ts';
import { ROWS_PER_PASS, SLICE_MS, applyInboxRow } from './inbox-row.ts';
import type { ApplyProgress } from './intake-pacing.ts';
import type * as Y from 'yjs';

/** A stored page of pulled changes. */
export interface ChangesPayload {
  changes: InboundChange[];
  /** Saved as the integration's cursor once this page is applied (the last page of a pull). */
  cursorAfter?: string | null;
  /** The last page of a full read that listed everything: linked entities it missed are deleted (full-resync.ts). */
  resync?: FullResync;
  /** A person assigned these records to a wedding that existed before them: its identity stays (InboundContext.keepIdentity). */
  keepIdentity?: boolean;
  /** External ids of the records the matching rules routed here: for them too the wedding's identity stays. */
  keepIdentityFor?: string[];
}

export interface InboxWorkerDeps {
  inbox: InboxStore;
  registry: IntegrationRegistry;
  integrations: IntegrationStore;
  links: LinkStore;
  audit: AuditLog;
  retry: RetryPolicy;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Runs `fn` in one storage transaction: a batch of rows commits once, with the document updates it causes. */
  atomically<T>(fn: () => T): T;
  /** Opens the live wedding document for a batch of rows (loads it if nobody has it open). */
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /**
   * After a row is applied: `pushBack` entities keep their local value, which must go to the
   * integration; for the other `touched` entities, pushes to it of older content are settled.
   */
  afterApply(live: LiveIntegration, weddingId: string, doc: Y.Doc, touched: { entity: string; entityId: string; changed: boolean }[], pushBack: ApplyOutcome['pushBack'], held: ApplyOutcome['held']): void;
  /** A notification that carries no data: pull the integration now. */
  requestPull(live: LiveIntegration): void;
  /** Told the rows of each slice committed, and when nothing is due (IntakePacing). */
  progress?: ApplyProgress;
}

/** How often all weddings are scanned for due rows (retries come due without a kick). */
const SCAN_MS = 1000;

/**
 * On PostgreSQL, how a notice listener adds writes to the transaction that stores the row's change:
 * `write` runs on it (perhaps twice, after a rolled-back savepoint), `committed` after its COMMIT.
 */
export type NoticeJoin = (joined: { write(client: pg.ClientBase): Promise<void>; committed(): void }) => void;

/**
 * An adapter's notices for one wedding, handed over inside the document transaction that applies
 * its row. `join` is given on PostgreSQL (the listener cannot read or write the database inside the
 * change; what it must store goes through `join`); on SQLite it is undefined and the listener
 * writes at once, in the change's open group.
 */
export type NoticeListener = (live: LiveIntegration, weddingId: string, doc: Y.Doc, notices: Extract<InboundChange, { op: 'notice' }>[], join: NoticeJoin | undefined) => void;

/**
 * Applies inbox rows to their weddings: in arrival order per wedding, weddings in parallel. A row
 * that fails is retried with backoff and holds back the wedding's later rows (order matters: a
 * deletion must not overtake the update before it); after the last attempt it is parked with its
 * error (visible, never silently dropped) and the rows behind it go on.
 */
export class InboxWorker {
  private readonly events = new EventEmitter();
  private readonly noticeListeners: NoticeListener[] = [];
  private readonly loop: PassLoop;
  /** Weddings known to have rows due: passes go through these without scanning the inbox. */
  private readonly hot = new Set<string>();
  /** Weddings whose slice is being applied, with it. */
  private readonly applying = new Map<string, Promise<void>>();
  private lastScan = 0;
  private nextDue: number | null = null;
  private alertHandler: AlertHandler | undefined;
  /** Passes, and weddings' slices, that failed (storage down): each logged once a minute, not once an attempt. */
  private readonly failures: RepeatedFailureLog;
  private readonly sliceFailures: RepeatedFailureLog;
  /** Weddings whose last slice failed: the slices' log says "working again" only once none is left. */
  private readonly failingWeddings = new Set<string>();

  constructor(private readonly deps: InboxWorkerDeps) {
    this.events.setMaxListeners(0);
    this.failures = new RepeatedFailureLog(deps.logger, 'error', 'inbox pass failed');
    this.sliceFailures = new RepeatedFailureLog(deps.logger, 'error', 'inbox slice failed; its rows are applied again later');
    this.loop = new PassLoop(() => this.tick(), (error) => this.failures.failed(error));
  }

  /**
   * Runs `listener` for the notices of every applied row (communications sends them). It runs
   * before the row is marked applied: a listener that throws leaves the row to be retried, so it
   * must be idempotent per notice.
   */
  onNotice(listener: NoticeListener): void {
    this.noticeListeners.push(listener);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all(this.applying.values());
  }

  /** Run soon; `weddingId` names the wedding that has new rows. */
  kick(weddingId?: string): void {
    if (weddingId) this.hot.add(weddingId);
    else this.lastScan = 0;
    this.loop.kick();
  }

  /** Resolves when the rows are applied or parked (or the timeout passes), with their final state. */
  settled(ids: number[], timeoutMs: number): Promise<InboxRow[]> {
    return readUntil(
      () => ids.map((id) => this.deps.inbox.get(id)).filter((r): r is InboxRow => r !== undefined),
      (rows) => rows.every((r) => r.status !== 'pending'),
      this.events, 'progress', timeoutMs, this.deps.now,
    );
  }

  /**
   * Starts a slice of every hot wedding not already being applied, without waiting for them: a
   * wedding kicked while others are applied (one loading its document) starts at once, not after
   * the slowest of the pass. A wedding is applied by one slice at a time (its rows in order); it
   * leaves `hot` when its slice starts, so a kick during the slice runs another one after it.
   */
  private async tick(): Promise<number | null> {
    const now = this.deps.now();
    // A pass with nothing hot and nothing applying came from a timer (a retry due) or a plain kick: scan.
    if ((this.hot.size === 0 && this.applying.size === 0) || now - this.lastScan >= SCAN_MS) {
      this.lastScan = now;
      this.nextDue = null;
      const pending = new Set<string>();
      for (const w of this.deps.inbox.weddingsWithPending()) {
        pending.add(w.weddingId);
        if (w.due <= now) this.hot.add(w.weddingId);
        else this.nextDue = Math.min(this.nextDue ?? Infinity, w.due);
      }
      this.failures.succeeded(); // the store answered
      // A failing wedding with nothing pending any more (removed, its rows parked) is failing no longer.
      if (this.failingWeddings.size > 0) {
        for (const w of this.failingWeddings) if (!pending.has(w)) this.failingWeddings.delete(w);
        if (this.failingWeddings.size === 0) this.sliceFailures.succeeded();
      }
    }
    for (const weddingId of [...this.hot]) {
      if (this.applying.has(weddingId)) continue;
      this.hot.delete(weddingId);
      const slice = this.processWedding(weddingId).then(
        (more) => {
          if (this.failingWeddings.delete(weddingId) && this.failingWeddings.size === 0) this.sliceFailures.succeeded();
          if (more) this.hot.add(weddingId);
        },
        (error) => { this.failingWeddings.add(weddingId); this.sliceFailures.failed(error, { weddingId }); },
      ).finally(() => {
        this.applying.delete(weddingId);
        this.events.emit('progress');
        this.loop.kick();
      });
      this.applying.set(weddingId, slice);
    }
    if (this.hot.size === 0 && this.applying.size === 0) this.deps.progress?.idle();
    // Hot weddings still applying are started again when their slice ends (it kicks the loop).
    if ([...this.hot].some((w) => !this.applying.has(w))) return 0;
    return this.nextDue === null ? SCAN_MS : Math.min(SCAN_MS, Math.max(0, this.nextDue - this.deps.now()));
  }

  /** Applies a slice of the wedding's due rows; true when more are due right away. */
  /** Who sends inbound alerts (`op: 'alert'`), inside the row's transaction: the comms service (server/comms/weather-alert.ts). */
  onAlert(handler: AlertHandler): void {
    this.alertHandler = handler;
  }

  private async processWedding(weddingId: string): Promise<boolean> {
    const now = this.deps.now();
    const head = this.deps.inbox.head(weddingId, ROWS_PER_PASS);
    const rows: InboxRow[] = [];
    for (const r of head) {
      if (r.nextAttemptAt > now) {
        this.nextDue = Math.min(this.nextDue ?? Infinity, r.nextAttemptAt);
        break;
      }
      rows.push(r);
    }
    if (rows.length === 0) return false;
    let done = 0;
    let blocked = false;
    await this.deps.withDocument(weddingId, (doc) => this.deps.atomically(() => {
      const synced = new Set<LiveIntegration>();
      const until = performance.now() + SLICE_MS;
      for (const row of rows) {
        const live = this.applyRow(doc, row);
        done++;
        if (live === false) {
          // Retried later: the wedding waits (order), and the pass loop wakes when the retry is due.
          blocked = true;
          const retry = this.deps.inbox.get(row.id)?.nextAttemptAt;
          if (retry !== undefined) this.nextDue = Math.min(this.nextDue ?? Infinity, retry);
          break;
        }
        if (live) synced.add(live);
        if (performance.now() > until) break;
      }
      const iso = new Date(this.deps.now()).toISOString();
      for (const live of synced) {
        this.deps.integrations.update(live.integration.id, { last_sync_at: iso, last_success_at: iso });
        live.integration.lastSyncAt = live.integration.lastSuccessAt = iso;
      }
    }));
    this.deps.progress?.applied(rows.slice(0, done));
    return !blocked && (done < rows.length || head.length === ROWS_PER_PASS);
  }

  /**
   * Applies one row: the integration it was applied for, null when it was parked (the rows behind
   * it go on), false when it is to be retried (the wedding's later rows wait).
   */
  private applyRow(doc: Y.Doc, row: InboxRow): LiveIntegration | null | false {
    return applyInboxRow({ ...this.deps, noticeListeners: this.noticeListeners, alertHandler: this.alertHandler }, doc, row);
  }
}
