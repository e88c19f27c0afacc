import crypto from 'node:crypto';
import type { OutboxEntry } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';

/**
 * The idempotency key of outbox row `id`: `wedsync-<integration>-<row>-<8 random characters>`,
 * stored with the row so every retry of it sends the same key. The random part keeps keys unique
 * when row ids repeat: a server restored from a backup numbers its new rows from where the backup
 * stopped, reusing ids the original server had already sent, and a subscriber or an API that
 * remembers keys (Standard Webhooks' `webhook-id`, Stripe's `Idempotency-Key`) would take a new push
 * for a copy of an old one and drop it.
 */
export const outboxIdempotencyKey = (integrationId: string, id: number): string => `wedsync-${integrationId}-${id}-${outboxKeyNonce()}`;

/** The random part of an outbox idempotency key (8 base64url characters); PostgreSQL appends it in the INSERT that numbers the row. */
export const outboxKeyNonce = (): string => crypto.randomBytes(6).toString('base64url');

export interface OutboxRow {
  id: number;
  integrationId: string;
  weddingId: string;
  kind: string;
  entity: string | null;
  entityId: string | null;
  payload: string;
  contentHash: string;
  idempotencyKey: string;
  priority: number;
  status: OutboxEntry['status'];
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** An outbox row as both backends read it (column names; PostgreSQL's bigints cast to numbers). */
export interface OutboxRecord { id: number; integration_id: string; wedding_id: string; kind: string; entity: string | null; entity_id: string | null; payload: string; content_hash: string; idempotency_key: string; priority: number; status: OutboxRow['status']; attempts: number; next_attempt_at: number; last_error: string | null; last_status: number | null; created_at: number; delivered_at: number | null }
export const toOutboxRow = (r: OutboxRecord): OutboxRow => ({
  id: r.id, integrationId: r.integration_id, weddingId: r.wedding_id, kind: r.kind, entity: r.entity, entityId: r.entity_id, payload: r.payload,
  contentHash: r.content_hash, idempotencyKey: r.idempotency_key, priority: r.priority, status: r.status, attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at, lastError: r.last_error, lastStatus: r.last_status, createdAt: r.created_at, deliveredAt: r.delivered_at,
});

/**
 * Where a push that supersedes pending ones of the same entity starts (`dueAt` ms since the epoch,
 * `attempts`). A row never tried yet was only waiting out its debounce: the earliest time stands, so
 * busy editing cannot postpone delivery indefinitely. A row waiting out a retry was told to wait by
 * the system (`Retry-After` on 429, capped) or by its backoff: the newer content waits as long, never
 * less, and carries the attempts on, so that the next edit waits too and the push is dead-lettered
 * after OUTBOX_MAX_ATTEMPTS failures whatever the edits in between.
 */
export function supersedingStart(notBefore: number, older: readonly { dueAt: number; attempts: number }[]): { dueAt: number; attempts: number } {
  let due = notBefore;
  let waited = -Infinity;
  let attempts = 0;
  for (const o of older) {
    due = Math.min(due, o.dueAt);
    if (o.attempts > 0) {
      waited = Math.max(waited, o.dueAt);
      attempts = Math.max(attempts, o.attempts);
    }
  }
  // Never sooner than a retry's wait, never later than the earliest due time or that wait.
  return { dueAt: Math.max(due, waited), attempts };
}

/**
 * SQL (SQLite and PostgreSQL alike): the row of table alias `t` has no older push of its entity
 * (same integration, entity, id and kind) pending or under way. An entity's pushes are taken in the
 * order they were made, whatever their priority: each carries the whole entity as it was, so an
 * older one sent after a newer one would write the older content over it in the system.
 */
export const firstOfItsEntity = (t: string, statuses: readonly ('pending' | 'inflight')[] = ['pending', 'inflight']): string => `NOT EXISTS (SELECT 1 FROM outbox older
  WHERE older.integration_id = ${t}.integration_id AND older.entity = ${t}.entity AND older.entity_id = ${t}.entity_id AND older.kind = ${t}.kind
    AND older.id < ${t}.id AND older.status IN (${statuses.map((x) => `'${x}'`).join(', ')}))`;

/** SQL: a push of the entity of the row of alias `t` newer than it exists (whatever its status). */
const newerExists = (t: string): string => `EXISTS (SELECT 1 FROM outbox newer WHERE newer.integration_id = ${t}.integration_id
  AND newer.entity = ${t}.entity AND newer.entity_id = ${t}.entity_id AND newer.kind = ${t}.kind AND newer.id > ${t}.id)`;

/** What a replay did: `not_replayable`, the row is not dead or cancelled; `superseded`, it is not its entity's newest push. */
export type ReplayOutcome = 'replayed' | 'not_replayable' | 'superseded';

export function toOutboxEntry(r: OutboxRow): OutboxEntry {
  return {
    id: r.id, integrationId: r.integrationId, weddingId: r.weddingId, kind: r.kind, entity: r.entity, entityId: r.entityId, status: r.status,
    attempts: r.attempts, idempotencyKey: r.idempotencyKey, nextAttemptAt: r.status === 'pending' ? new Date(r.nextAttemptAt).toISOString() : null,
    lastError: r.lastError, createdAt: new Date(r.createdAt).toISOString(), deliveredAt: r.deliveredAt ? new Date(r.deliveredAt).toISOString() : null,
  };
}

export interface NewOutboxRow {
  integrationId: string;
  weddingId: string;
  kind: string;
  entity: string | null;
  entityId: string | null;
  payload: unknown;
  contentHash: string;
  priority: number;
  notBefore: number;
  /** A caller-chosen key (for sends that must never repeat); by default one is derived from the row id. */
  idempotencyKey?: string;
}

/**
 * What health reports and the dead-letter routes read and do, on either backend
 * (sqliteOutboxReads, PostgresOutboxStore): times in ms since the epoch.
 */
export interface OutboxReads {
  get(id: number): Promise<OutboxRow | undefined>;
  /** Pending (inflight included) and dead rows of the integration, and the age of its oldest pending one. */
  countsFor(integrationId: string, now: number): Promise<{ pending: number; dead: number; oldestPendingAgeMs: number | null }>;
  /** The wedding's dead rows, newest first. */
  deadFor(weddingId: string, limit?: number): Promise<OutboxRow[]>;
  /**
   * A dead or cancelled row is pending again from `now`, its attempts reset: `replayed`;
   * `not_replayable` when it is neither; `superseded` (left as it is) when it is not its entity's
   * newest push, whose content sending it would overwrite.
   */
  replay(id: number, now: number): Promise<ReplayOutcome>;
  /** The wedding's pending and inflight rows of `entity`: what a sync request waits for. */
  activeForEntity(weddingId: string, entity: string): Promise<{ id: number; integrationId: string }[]>;
  /** The entities the integration has a push of (any kind) pending or under way: what the consistency audit does not judge yet. */
  activeEntities(integrationId: string): Promise<{ entity: string; entityId: string }[]>;
}

/** OutboxReads over the SQLite store. */
export function sqliteOutboxReads(store: OutboxStore): OutboxReads {
  return resolving(store, ['get', 'countsFor', 'deadFor', 'replay', 'activeForEntity', 'activeEntities'] as const);
}

/** Outbound pushes: durable, retried with backoff, dead-lettered, replayable. */
export class OutboxStore {
  private readonly insertRow;
  private readonly setKey;
  private readonly pendingFor;
  private readonly cancel;
  private readonly due;
  private readonly claim;
  private readonly delivered;
  private readonly retry;
  private readonly dead;
  private readonly reset;
  private readonly one;
  private readonly counts;
  private readonly oldest;
  private readonly listDead;
  private readonly nextDue;
  private readonly deferRow;
  private readonly outranked;
  private readonly activeFor;
  private readonly supersededAfterFailure;
  private readonly restart;
  private readonly overtaken;
  private readonly newerOne;
  private readonly requeueOf;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(`INSERT INTO outbox (integration_id, wedding_id, kind, entity, entity_id, payload, content_hash, idempotency_key, priority, status, next_attempt_at, attempts, created_at)
      VALUES (@integration_id, @wedding_id, @kind, @entity, @entity_id, @payload, @content_hash, @idempotency_key, @priority, 'pending', @next_attempt_at, @attempts, @created_at)`);
    this.setKey = db.prepare('UPDATE outbox SET idempotency_key = ? WHERE id = ?');
    this.pendingFor = db.prepare(`SELECT * FROM outbox WHERE integration_id = ? AND entity = ? AND entity_id = ? AND kind = ? AND status = 'pending'`);
    this.cancel = db.prepare(`UPDATE outbox SET status = 'cancelled', last_error = ? WHERE id = ?`);
    this.due = db.prepare(`SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
      AND integration_id NOT IN (SELECT value FROM json_each(?)) AND ${firstOfItsEntity('outbox')} ORDER BY priority DESC, id LIMIT ?`);
    this.claim = db.prepare(`UPDATE outbox SET status = 'inflight' WHERE id = ? AND status = 'pending'`);
    // Outcomes apply only to rows still inflight: a row cancelled while its delivery was under way stays cancelled.
    this.delivered = db.prepare(`UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_status = ?, last_error = NULL WHERE id = ? AND status = 'inflight'`);
    // Dead pushes of the entity older than a newer one just added: that one carries newer content.
    this.overtaken = db.prepare(`UPDATE outbox SET status = 'cancelled', last_error = 'superseded by a newer change (push ' || CAST(@id AS INTEGER) || ')'
      WHERE status = 'dead' AND id < @id AND integration_id = @integration_id AND entity = @entity AND entity_id = @entity_id AND kind = @kind`);
    this.retry = db.prepare(`UPDATE outbox SET status = 'pending', attempts = attempts + 1, next_attempt_at = ?, last_error = ?, last_status = ? WHERE id = ? AND status = 'inflight'`);
    this.dead = db.prepare(`UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, last_status = ? WHERE id = ? AND status = 'inflight'`);
    this.supersededAfterFailure = db.prepare(`UPDATE outbox SET status = 'cancelled', attempts = attempts + 1, last_error = 'superseded by a newer change after: ' || ?, last_status = ? WHERE id = ? AND status = 'inflight'`);
    this.restart = db.prepare(`UPDATE outbox SET next_attempt_at = ?, attempts = ? WHERE id = ? AND status = 'pending'`);
    this.activeFor = db.prepare(`SELECT * FROM outbox WHERE integration_id = ? AND entity = ? AND entity_id = ? AND kind = ? AND status IN ('pending', 'inflight')`);
    this.reset = db.prepare(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL WHERE id = ? AND status IN ('dead', 'cancelled')`);
    // `+integration_id`: looked up through outbox_due's status prefix (the few inflight rows), not the integration's whole history.
    this.requeueOf = db.prepare(`UPDATE outbox SET status = 'pending' WHERE +integration_id = ? AND status = 'inflight'`);
    this.newerOne = db.prepare(`SELECT 1 FROM outbox WHERE id = ? AND ${newerExists('outbox')}`).pluck();
    this.one = db.prepare('SELECT * FROM outbox WHERE id = ?');
    this.counts = db.prepare(`SELECT status, count(*) AS n FROM outbox WHERE integration_id = ? AND status IN ('pending', 'inflight', 'dead') GROUP BY status`);
    this.oldest = db.prepare(`SELECT min(created_at) FROM outbox WHERE integration_id = ? AND status IN ('pending', 'inflight')`).pluck();
    this.listDead = db.prepare(`SELECT * FROM outbox WHERE wedding_id = ? AND status = 'dead' ORDER BY id DESC LIMIT ?`);
    // Rows waiting for an older push of their entity are due when it has gone, not before.
    this.nextDue = db.prepare(`SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending' AND integration_id NOT IN (SELECT value FROM json_each(?))
      AND ${firstOfItsEntity('outbox')}`).pluck();
    // Only rows this worker holds (or still waiting ones): a row cancelled meanwhile stays cancelled.
    this.deferRow = db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status IN ('inflight', 'pending')`);
    // An urgent push waiting only for an older one of its entity in this chain counts: handed back, that one is superseded by it (defer).
    this.outranked = db.prepare(`SELECT 1 FROM outbox WHERE integration_id = ? AND status = 'pending' AND priority > ? AND next_attempt_at <= ?
      AND ${firstOfItsEntity('outbox', ['pending'])} LIMIT 1`).pluck();
  }

  /**
   * Adds a push. A pending push of the same entity to the same integration is superseded (its
   * payload is older); the new row starts where `supersedingStart` says. Its dead ones are
   * superseded too: a newer change is on its way, and replaying one would send older content.
   */
  add(r: NewOutboxRow, now: number): number {
    const older = r.entity && r.entityId ? this.pendingFor.all(r.integrationId, r.entity, r.entityId, r.kind) as OutboxRecord[] : [];
    for (const old of older) this.cancel.run(`superseded by a newer change`, old.id);
    const start = supersedingStart(r.notBefore, older.map((o) => ({ dueAt: o.next_attempt_at, attempts: o.attempts })));
    const info = this.insertRow.run({
      integration_id: r.integrationId, wedding_id: r.weddingId, kind: r.kind, entity: r.entity, entity_id: r.entityId, payload: JSON.stringify(r.payload),
      content_hash: r.contentHash, idempotency_key: r.idempotencyKey ?? `tmp-${now}-${Math.random()}`, priority: r.priority, next_attempt_at: start.dueAt, attempts: start.attempts, created_at: now,
    });
    const id = Number(info.lastInsertRowid);
    // The key names the logical push and stays the same across every retry of this row.
    if (!r.idempotencyKey) this.setKey.run(outboxIdempotencyKey(r.integrationId, id), id);
    if (r.entity && r.entityId) this.overtaken.run({ id, integration_id: r.integrationId, entity: r.entity, entity_id: r.entityId, kind: r.kind });
    return id;
  }

  /** Whether a push of the entity to the integration is pending or under way. */
  hasActive(integrationId: string, entity: string, entityId: string, kind: string): boolean {
    return this.activeFor.get(integrationId, entity, entityId, kind) !== undefined;
  }

  /**
   * Cancels pushes of one entity to one integration, pending or under way (the system already has
   * that content). A delivery under way that then succeeds is reported as superseded.
   */

  cancelPending(integrationId: string, entity: string, entityId: string, kind: string, reason: string): number {
    let n = 0;
    for (const old of (this.activeFor.all(integrationId, entity, entityId, kind) as OutboxRecord[])) n += this.cancel.run(reason, old.id).changes;
    return n;
  }

  /**
   * Claims due rows (highest priority first) of at most `maxIntegrations` integrations not in
   * `skipIntegrations`; rows of other integrations stay pending, untouched. A row waits while an
   * older push of its entity is pending or under way (firstOfItsEntity).
   */
  claimDue(now: number, limit: number, skipIntegrations: string[] = [], maxIntegrations = Infinity): OutboxRow[] {
    return this.db.transaction(() => {
      const chosen = new Set<string>();
      const out: OutboxRow[] = [];
      for (const r of this.due.all(now, JSON.stringify(skipIntegrations), limit) as OutboxRecord[]) {
        if (!chosen.has(r.integration_id)) {
          if (chosen.size >= maxIntegrations) continue;
          chosen.add(r.integration_id);
        }
        if (this.claim.run(r.id).changes === 1) out.push(toOutboxRow(r));
      }
      return out;
    })();
  }

  /**
   * A row of this integration with a higher priority than `priority` is due (an emergency queued
   * during a burst), and waits for no queued older push of its entity: one waiting for a push
   * under way in this chain counts, since handing the chain back supersedes that push (defer).
   */
  outrankedBy(integrationId: string, priority: number, now: number): boolean {
    return this.outranked.get(integrationId, priority, now) !== undefined;
  }

  /**
   * When the earliest pending row not of `skipIntegrations` is due. The worker skips the
   * integrations it is delivering to: their chain's end wakes it, so their due rows must not.
   */
  nextDueAt(skipIntegrations: string[] = []): number | null {
    return (this.nextDue.get(JSON.stringify(skipIntegrations)) as number | null) ?? null;
  }

  /** False when the row was cancelled while it was being delivered. */
  markDelivered(id: number, status: number | null, now: number): boolean { return this.delivered.run(now, status, id).changes === 1; }

  /**
   * Refused for good: the row is a dead letter to replay, unless a newer push of its entity was
   * made meanwhile (while it was being sent): then it is superseded by that one, as `add`
   * supersedes the dead ones before it, so an entity's only dead letter is its newest push.
   */
  markDead(id: number, error: string, status: number | null): void {
    this.db.transaction(() => {
      if (this.newerOne.get(id) !== undefined) this.supersededAfterFailure.run(error, status, id);
      else this.dead.run(error, status, id);
    })();
  }

  /** Rows of the integration left inflight when its chain ended (an outcome not recorded): pending again, as due as they were. */
  requeueChain(integrationId: string): number {
    return this.requeueOf.run(integrationId).changes;
  }

  /**
   * Back to pending at `at` without counting an attempt (its integration's breaker is open, its
   * connection paused, or a more urgent row came). When a newer push of its entity is pending or
   * under way, the row is superseded by it instead, as in markRetry; a pending newer one starts
   * where supersedingStart says (no later than this row would have gone).
   */
  defer(id: number, at: number): void {
    this.db.transaction(() => {
      const row = this.one.get(id) as OutboxRecord | undefined;
      if (!row || (row.status !== 'inflight' && row.status !== 'pending')) return;
      const newer = this.newerActive(row);
      if (newer.length === 0) {
        this.deferRow.run(at, id);
        return;
      }
      this.cancel.run('superseded by a newer change', id);
      for (const n of newer.filter((x) => x.status === 'pending')) {
        const start = supersedingStart(n.next_attempt_at, [{ dueAt: at, attempts: row.attempts }, { dueAt: n.next_attempt_at, attempts: n.attempts }]);
        this.restart.run(start.dueAt, start.attempts, n.id);
      }
    })();
  }

  /** The pushes of the row's entity newer than it, pending or under way. */
  private newerActive(row: OutboxRecord): OutboxRecord[] {
    return row.entity && row.entity_id
      ? (this.activeFor.all(row.integration_id, row.entity, row.entity_id, row.kind) as OutboxRecord[]).filter((n) => n.id > row.id) : [];
  }

  /**
   * The row failed and is tried again at `at`, unless a newer push of its entity is pending or under
   * way (made while this one was queued or being sent): then this one is superseded, and a pending
   * newer one starts no sooner than `at`, with this one's attempts (supersedingStart). Sending the
   * older content after the newer would overwrite it in the system.
   */
  markRetry(id: number, at: number, error: string, status: number | null): void {
    this.db.transaction(() => {
      const row = this.one.get(id) as OutboxRecord | undefined;
      if (!row || row.status !== 'inflight') return;
      const newer = this.newerActive(row);
      if (newer.length === 0) {
        this.retry.run(at, error, status, id);
        return;
      }
      this.supersededAfterFailure.run(error, status, id);
      // A newer push already under way (later in this chain) sends the newer content; pending ones wait out the failure.
      for (const n of newer.filter((x) => x.status === 'pending')) {
        const start = supersedingStart(n.next_attempt_at, [{ dueAt: at, attempts: row.attempts + 1 }, { dueAt: n.next_attempt_at, attempts: n.attempts }]);
        this.restart.run(start.dueAt, start.attempts, n.id);
      }
    })();
  }

  /**
   * A dead (or cancelled) row back to pending, attempts reset; `superseded` (nothing changed) when
   * it is not its entity's newest push: the newer one carries newer content, and sending this one
   * after it would overwrite that in the system.
   */
  replay(id: number, now: number): ReplayOutcome {
    return this.db.transaction((): ReplayOutcome => {
      const row = this.one.get(id) as OutboxRecord | undefined;
      if (!row || (row.status !== 'dead' && row.status !== 'cancelled')) return 'not_replayable';
      if (this.newerOne.get(id) !== undefined) return 'superseded';
      return this.reset.run(now, id).changes === 1 ? 'replayed' : 'not_replayable';
    })();
  }

  /** After a crash, rows that were being delivered are delivered again (with the same idempotency key). */
  requeueInflight(now: number): number {
    return this.db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE status = 'inflight'`).run(now).changes;
  }

  get(id: number): OutboxRow | undefined {
    const r = this.one.get(id) as OutboxRecord | undefined;
    return r ? toOutboxRow(r) : undefined;
  }

  countsFor(integrationId: string, now: number): { pending: number; dead: number; oldestPendingAgeMs: number | null } {
    const out = { pending: 0, inflight: 0, dead: 0 };
    for (const r of this.counts.all(integrationId) as { status: 'pending' | 'inflight' | 'dead'; n: number }[]) out[r.status] = r.n;
    const oldest = this.oldest.get(integrationId) as number | null;
    return { pending: out.pending + out.inflight, dead: out.dead, oldestPendingAgeMs: oldest === null ? null : Math.max(0, now - oldest) };
  }

  activeForEntity(weddingId: string, entity: string): { id: number; integrationId: string }[] {
    return (this.db.prepare(`SELECT id, integration_id FROM outbox WHERE wedding_id = ? AND entity = ? AND status IN ('pending', 'inflight') ORDER BY id`)
      .all(weddingId, entity) as { id: number; integration_id: string }[]).map((r) => ({ id: r.id, integrationId: r.integration_id }));
  }

  deadFor(weddingId: string, limit = 100): OutboxRow[] {
    return (this.listDead.all(weddingId, limit) as OutboxRecord[]).map(toOutboxRow);
  }

  activeEntities(integrationId: string): { entity: string; entityId: string }[] {
    return (this.db.prepare(`SELECT DISTINCT entity, entity_id FROM outbox WHERE integration_id = ? AND entity IS NOT NULL AND entity_id IS NOT NULL AND status IN ('pending', 'inflight')`)
      .all(integrationId) as { entity: string; entity_id: string }[]).map((r) => ({ entity: r.entity, entityId: r.entity_id }));
  }

}
