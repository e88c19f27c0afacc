import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type * as Y from 'yjs';
import { SYNC_ENTITIES } from '../../adapters/core/index.ts';
import { documentNameFor } from '../../schema/index.ts';
import type { ChangeWrites, JoinedChange } from '../collab/joined-changes.ts';
import type { JoinedMerge } from '../storage/postgres/joined-writes.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditInput } from './audit-log.ts';
import { BufferedLinks } from './buffered-links.ts';
import { VENDOR_NEEDED, type AlertHandler } from './inbound-applier.ts';
import { ROWS_PER_PASS, SLICE_MS, applyInboxRow, type RowEnv } from './inbox-row.ts';
import type { InboxRow } from './inbox-store.ts';
import type { NoticeJoin, NoticeListener } from './inbox-worker.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { BindingFields } from './connection-rows.ts';
import { RepeatedFailureLog } from '../repeated-failures.ts';
import { PassLoop, readUntil } from './pass-loop.ts';
import type { InboxRunner } from './bridge-storage.ts';
import type { ApplyProgress } from './intake-pacing.ts';
import type { PostgresAuditLog } from './postgres-audit-log.ts';
import type { PostgresInboxStore } from './postgres-inbox-store.ts';
import type { PostgresIntegrationStore } from './postgres-integration-store.ts';
import type { PostgresLinkStore } from './postgres-link-store.ts';
import type { AppliedChanges, PlannedWrite } from './push-planning.ts';
import type { RetryPolicy } from './retry-policy.ts';

/** How often due weddings are claimed when nothing kicks the loop (others' rows, retries). */
const POLL_MS = 250;

export interface PostgresInboxWorkerDeps {
  inbox: PostgresInboxStore;
  links: PostgresLinkStore;
  audit: PostgresAuditLog;
  integrations: PostgresIntegrationStore;
  registry: IntegrationRegistry;
  /** DurablePersistence on PostgreSQL: a batch's rows and the document changes they make commit together. */
  persistence: { changeWithWrites<T>(documentName: string, writes: ChangeWrites, change: () => T): JoinedChange<T> };
  /** Opens the wedding's live document here (HocuspocusDocuments); rejects when it cannot be (owned elsewhere, storage failing). */
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  retry: RetryPolicy;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  requestPull(live: LiveIntegration): void;
  /**
   * The pushes an applied row asks for (PostgresPushPlanning.afterApply): read inside the change, and
   * written by the joined write it returns on the slice's transaction, after the slice's links.
   */
  afterApply?(applied: AppliedChanges): PlannedWrite | null;
  /** Called once a slice that added outbox rows is committed (wakes the outbox worker). */
  onPlanned?(): void;
  /** Weddings applied at once by this instance (8 until 2026-12-07: 0.87–0.90 of what was acknowledged was applied under a flood). @default 16 */
  maxWeddings?: number;
  /** Loads a binding not running here yet that runs (made through another instance): its rows are applied, not parked. */
  findBinding?(integrationId: string): Promise<LiveIntegration | undefined>;
  /** Told the rows of each slice committed, and when nothing is due (IntakePacing). */
  progress?: ApplyProgress;
}

/**
 * The InboxWorker on PostgreSQL: applies a wedding's inbox rows, in arrival order, on whichever
 * instance claims the wedding (PostgresInboxStore), with the same row logic (inbox-row.ts). Each
 * slice of a wedding's rows is one storage transaction, as on SQLite: what the rows read (the head
 * and held rows in one statement, then the links) is read before, and what they write (links, the
 * rows' outcomes, the audit trail, the integrations' health and cursors) is kept in memory while they
 * run inside the live document, then written as a joined write of the document change they made
 * (DurablePersistence.changeWithWrites). That write is a JoinedMerge: the slices of other weddings
 * committed in the same group are written with it, a statement per table for all of them
 * (flushSlices; a slice writing its own 5 statements made the group's serial round trips the limit
 * on how fast a flood was applied). So a webhook's change and "this row is applied" commit in one
 * transaction; the outcomes are fenced by the claim, so a holder that lost the wedding records no
 * outcome and the next holder applies the rows again (the links written with the change make that
 * a no-op). When the slice's writes fail (rolled back alone, as any joined write; the document
 * change is kept) or its commit does, each row counts a failed attempt, recorded apart (parked
 * after the last), and the wedding is left alone for a while.
 *
 * The pushes an applied row asks for (`afterApply`) are written last in the same transaction.
 */
export class PostgresInboxWorker implements InboxRunner {
  private readonly loop: PassLoop;
  /** Passes, and weddings' slices, that failed (the database down): each logged once a minute, not once an attempt. */
  private readonly failures: RepeatedFailureLog;
  private readonly sliceFailures: RepeatedFailureLog;
  /** Emits `progress` after each slice here (settled re-reads then; rows applied elsewhere are polled). */
  private readonly events = new EventEmitter();
  private readonly noticeListeners: NoticeListener[] = [];
  private alertHandler: AlertHandler | undefined;
  private readonly applying = new Map<string, Promise<void>>();
  /** Weddings whose last slice failed, and until when (ms) they are left alone. */
  private readonly backoff = new Map<string, { until: number; failures: number }>();

  constructor(private readonly deps: PostgresInboxWorkerDeps) {
    this.events.setMaxListeners(0);
    this.failures = new RepeatedFailureLog(deps.logger, 'error', 'inbox pass failed');
    this.sliceFailures = new RepeatedFailureLog(deps.logger, 'error', 'inbox slice failed; its rows are applied again later');
    this.loop = new PassLoop(() => this.tick(), (error) => this.failures.failed(error));
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming; lets the slices in flight finish (their claims are released). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all(this.applying.values());
  }

  /** Run soon (any wedding: the claim finds which have rows due). */
  kick(_weddingId?: string): void {
    this.loop.kick();
  }

  /**
   * Runs `listener` for the notices of every applied row, inside the row's document change, before
   * its outcome is written (a listener that throws leaves the row to be retried: it must be
   * idempotent per notice). What it stores beyond the document it hands to its `join` (NoticeJoin),
   * to commit with the change.
   */
  onNotice(listener: NoticeListener): void {
    this.noticeListeners.push(listener);
  }

  /** Who sends inbound alerts (`op: 'alert'`), inside the row's document change (see onNotice). */
  onAlert(handler: AlertHandler): void {
    this.alertHandler = handler;
  }

  /**
   * Resolves when the rows are applied or parked, by whichever instance claimed their wedding, or
   * when `timeoutMs` passes, with their state then: re-read after each slice here and every 250 ms.
   */
  settled(ids: number[], timeoutMs: number): Promise<InboxRow[]> {
    return readUntil(
      async () => (await Promise.all(ids.map((id) => this.deps.inbox.get(id)))).filter((r): r is InboxRow => r !== undefined),
      (rows) => rows.every((r) => r.status !== 'pending'),
      this.events, 'progress', timeoutMs, this.deps.now,
    );
  }

  private async tick(): Promise<number | null> {
    const room = (this.deps.maxWeddings ?? 16) - this.applying.size;
    if (room <= 0) return POLL_MS;
    const now = this.deps.now();
    // A failing wedding stays in `backoff` (its count doubles the wait) until a slice of it succeeds;
    // only those still waiting are left out. NOTE: entries were deleted once their wait passed,
    // which reset the count, so the wait never grew past 1 s.
    // One not tried again for 10 minutes after its wait (no rows of it were due here) is forgotten.
    if (this.backoff.size > 0) {
      for (const [weddingId, b] of this.backoff) if (b.until + 600_000 <= now) this.backoff.delete(weddingId);
      if (this.backoff.size === 0) this.sliceFailures.succeeded();
    }
    const waiting = [...this.backoff].filter(([, b]) => b.until > now).map(([weddingId]) => weddingId);
    const claimed = await this.deps.inbox.claimWeddings(now, room, [...this.applying.keys(), ...waiting]);
    this.failures.succeeded(); // the database answered
    if (claimed.length === 0 && this.applying.size === 0) this.deps.progress?.idle();
    for (const weddingId of claimed) {
      const slice = this.processWedding(weddingId)
        .then(() => {
          // "Working again" once no wedding's slices are failing (the backoff holds those that are).
          if (this.backoff.delete(weddingId) && this.backoff.size === 0) this.sliceFailures.succeeded();
        }, (error: unknown) => {
          // Left alone for a while (1 s, doubling to a minute): a wedding whose document cannot be
          // opened, or whose slice cannot be stored, must not be claimed again at once, forever.
          const failures = (this.backoff.get(weddingId)?.failures ?? 0) + 1;
          this.backoff.set(weddingId, { until: this.deps.now() + Math.min(60_000, 1000 * 2 ** (failures - 1)), failures });
          this.sliceFailures.failed(error, { weddingId, failuresOfWedding: failures });
        })
        .finally(async () => {
          this.events.emit('progress');
          await this.deps.inbox.release(weddingId).catch((error: unknown) => this.deps.logger.warn({ err: error, weddingId }, 'could not release an inbox claim (it expires by itself)'));
          this.applying.delete(weddingId);
          this.loop.kick();
        });
      this.applying.set(weddingId, slice);
    }
    return claimed.length > 0 ? 0 : POLL_MS;
  }

  /** Applies a slice of the wedding's due rows in one transaction with the change they make. */
  private async processWedding(weddingId: string): Promise<void> {
    const now = this.deps.now();
    const rows: InboxRow[] = [];
    const { head, parked } = await this.deps.inbox.headAndParked(weddingId, ROWS_PER_PASS, VENDOR_NEEDED);
    for (const r of head) {
      if (r.nextAttemptAt > now) break;
      rows.push(r);
    }
    if (rows.length === 0) return;
    const ids = [...new Set(rows.map((r) => r.integrationId))];
    for (const id of ids) if (!this.deps.registry.get(id)) await this.deps.findBinding?.(id);
    const lives = ids.map((id) => this.deps.registry.get(id)).filter((l): l is LiveIntegration => !!l);
    const links = await BufferedLinks.load(this.deps.links, lives.map((l) => l.integration.id), SYNC_ENTITIES);
    const held = new Map<string, InboxRow[]>();
    for (const live of lives) held.set(live.integration.id, parked.filter((r) => r.integrationId === live.integration.id));
    const writes = new SliceWrites(links);
    const env: RowEnv = {
      registry: this.deps.registry, links, retry: this.deps.retry, metrics: this.deps.metrics, logger: this.deps.logger, now: this.deps.now,
      requestPull: (live) => this.deps.requestPull(live),
      afterApply: (live, weddingId, doc, touched, pushBack, held) => {
        const plan = this.deps.afterApply?.({ live, weddingId, doc, touched, pushBack, held });
        if (plan) writes.plans.push(plan);
      },
      noticeListeners: this.noticeListeners, alertHandler: this.alertHandler,
      join: (joined) => { writes.joined.push(joined); },
      audit: { record: (e) => writes.audit.push(e) },
      integrations: { update: (id, fields) => { writes.integrations.push([id, fields]); } },
      inbox: {
        applied: (id, result, at) => { writes.outcomes.push({ op: 'applied', id, result, at }); },
        retry: (id, at, error) => { writes.outcomes.push({ op: 'retry', id, at, error }); },
        park: (id, error) => { writes.outcomes.push({ op: 'park', id, error }); },
        supersede: (id, by, at) => {
          writes.outcomes.push({ op: 'supersede', id, by, at });
          for (const [k, list] of held) held.set(k, list.filter((r) => r.id !== id));
        },
        parkedFor: (id, words) => (held.get(id) ?? []).filter((r) => r.lastError?.includes(words)).length,
        parkedRowsWith: (id, words) => (held.get(id) ?? []).filter((r) => r.lastError?.includes(words)),
      },
    };
    const attempted: InboxRow[] = [];
    try {
      await this.applySlice(weddingId, rows, env, writes, attempted);
    } catch (error) {
      // The slice's writes were not stored (one failed and was rolled back alone, its document change
      // kept; or the commit failed): its rows count a failed attempt, recorded apart, so a row that
      // can never be recorded is parked in the end instead of applied again forever.
      await this.failed(attempted, error).catch((e: unknown) => this.deps.logger.warn({ err: e, weddingId }, 'could not record the failed attempts of an inbox slice'));
      throw error;
    }
    for (const joined of writes.joined) joined.committed();
    this.deps.progress?.applied(attempted);
    if (writes.plans.some((p) => p.planned())) this.deps.onPlanned?.();
  }

  private async failed(rows: readonly InboxRow[], error: unknown): Promise<void> {
    const message = `storage: ${(error as Error)?.message ?? String(error)}`.slice(0, 1000);
    for (const row of rows) {
      const attempt = row.attempts + 1;
      if (attempt >= this.deps.retry.maxAttempts) await this.deps.inbox.park(row.id, message);
      else await this.deps.inbox.retry(row.id, this.deps.now() + this.deps.retry.delay(attempt), message);
    }
  }

  private async applySlice(weddingId: string, rows: readonly InboxRow[], env: RowEnv, writes: SliceWrites, attempted: InboxRow[]): Promise<void> {
    const joined: JoinedMerge<SliceWrites> = { merge: 'inbox-slices', deferPast: DEFER_PAST, payload: writes, run: (client, items) => flushSlices(this.deps, client, items.map((i) => i.payload)) };
    await this.deps.withDocument(weddingId, (doc) => this.deps.persistence.changeWithWrites(documentNameFor(weddingId), [joined], () => {
      const synced = new Set<LiveIntegration>();
      const until = performance.now() + SLICE_MS;
      for (const row of rows) {
        if (!this.deps.inbox.holds(weddingId)) break;
        attempted.push(row);
        const live = applyInboxRow(env, doc, row);
        if (live === false) break;
        if (live) synced.add(live);
        if (performance.now() > until) break;
      }
      const iso = new Date(this.deps.now()).toISOString();
      for (const live of synced) {
        env.integrations.update(live.integration.id, { last_sync_at: iso, last_success_at: iso });
        live.integration.lastSyncAt = live.integration.lastSuccessAt = iso;
      }
    }).committed);
  }
}

type Outcome =
  | { op: 'applied'; id: number; result: unknown; at: number }
  | { op: 'retry'; id: number; at: number; error: string }
  | { op: 'park'; id: number; error: string }
  | { op: 'supersede'; id: number; by: number; at: number };

/** What a slice's rows wrote, kept in order until the slice's transaction. */
class SliceWrites {
  readonly audit: AuditInput[] = [];
  readonly integrations: [string, BindingFields][] = [];
  readonly outcomes: Outcome[] = [];
  /** The pushes the rows asked for (afterApply), written last: they read the links written before them. */
  readonly plans: PlannedWrite[] = [];
  /** What the notice listeners joined (NoticeJoin), written after the rest. */
  readonly joined: Parameters<NoticeJoin>[0][] = [];

  constructor(readonly links: BufferedLinks) {}
}

/**
 * The tables of the joined inserts a slice's writes may be put off past (JoinedMerge `deferPast`):
 * the activity rows of the appends after it, which they neither read nor write.
 */
const DEFER_PAST = ['activity'] as const;

/**
 * Writes the slices of a group (each a different wedding's, so no row is any two's) on its
 * transaction, as a JoinedMerge: the links of all (BufferedLinks.flushAll), the applied rows of all
 * in one statement (each row has one outcome per slice) and their other outcomes in order, the
 * audit entries of all in one INSERT, the bindings' updates, then each slice's pushes (they read
 * the links written before them) and its notice listeners' writes. It may run again after a
 * rollback, alone or with others, so it only writes what the slices hold.
 */
async function flushSlices(deps: Pick<PostgresInboxWorkerDeps, 'inbox' | 'audit' | 'integrations' | 'logger'>, client: pg.ClientBase, slices: readonly SliceWrites[]): Promise<void> {
  await BufferedLinks.flushAll(client, slices.map((s) => s.links));
  const outcomes = slices.flatMap((s) => s.outcomes);
  const applied = outcomes.filter((o): o is Extract<Outcome, { op: 'applied' }> => o.op === 'applied');
  let lost = applied.length - await deps.inbox.appliedAll(applied, client);
  for (const o of outcomes) {
    if (o.op === 'applied') continue;
    const kept = o.op === 'retry' ? await deps.inbox.retry(o.id, o.at, o.error, client)
      : o.op === 'park' ? await deps.inbox.park(o.id, o.error, client)
        : await deps.inbox.supersede(o.id, o.by, o.at, client);
    if (!kept) lost++;
  }
  // A wedding was taken over: its new holder applies these rows again (the links make that a no-op).
  if (lost > 0) deps.logger.warn({ rows: lost }, 'inbox outcomes not recorded: this instance no longer holds the wedding');
  await deps.audit.recordAll(slices.flatMap((s) => s.audit), client);
  await deps.integrations.updateAll(slices.flatMap((s) => s.integrations), client);
  for (const slice of slices) for (const plan of slice.plans) await plan.write(client);
  for (const slice of slices) for (const j of slice.joined) await j.write(client);
}
