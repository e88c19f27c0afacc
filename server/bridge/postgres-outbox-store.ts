import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { HeldClaims, claimCandidates, claimedElsewhere, type ClaimsTable } from '../storage/postgres/held-claims.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import type { DeliveryRecord, OutboxQueue } from './outbox-queue.ts';
import {
  firstOfItsEntity, outboxKeyNonce, supersedingStart, toOutboxRow, type NewOutboxRow, type OutboxReads, type OutboxRecord, type OutboxRow, type ReplayOutcome,
} from './outbox-store.ts';

/** The columns `toRow` reads; PostgreSQL's bigints come back as text, so those are cast to numbers. */
const COLUMNS = `id::double precision AS id, integration_id, wedding_id, kind, entity, entity_id, payload, content_hash, idempotency_key, priority,
  status, attempts, next_attempt_at::double precision AS next_attempt_at, last_error, last_status, created_at::double precision AS created_at,
  delivered_at::double precision AS delivered_at`;

/** SQL: the connection of the binding of the push of alias `t` is paused by a 429 past `at` (ms since the epoch; table outbox_pauses). */
const pausedPast = (t: string, at: string) => `EXISTS (SELECT 1 FROM integrations pi JOIN outbox_pauses pp ON pp.connection_id = pi.connection_id
  WHERE pi.id = ${t}.integration_id AND pp.until > ${at})`;

const CLAIMS: ClaimsTable = { table: 'outbox_claims', key: 'integration_id' };
/** At most this many integrations are claimed in one pass (the worker passes its free delivery slots). */
const MAX_INTEGRATIONS_PER_CLAIM = 1000;

export interface PostgresOutboxOptions {
  /** This instance's INSTANCE_ID; the claims' holder is it plus a random part per process, so a restart under the same id never inherits a claim. */
  instanceId: string;
  /**
   * How long a claim on an integration lasts unless renewed (every third of it while its chain
   * runs), in ms. An instance that dies or stalls hands its integrations over this long after its
   * last renewal. @default 15000
   */
  claimTtlMs?: number;
}

/**
 * The outbox on PostgreSQL (schema/migrations/postgres/006_outbox.sql), shared by every instance:
 * rows are added as on SQLite (`add`, inside the transaction of the change that caused them when
 * given its client), and delivered through per-integration claims (table `outbox_claims`) taken
 * with `INSERT … ON CONFLICT … WHERE expired`, while rows are taken with `FOR UPDATE SKIP LOCKED`.
 *
 * - One holder per integration at a time, so an integration's rows go out in order (priority, then
 *   age; an entity's own pushes in the order they were made, firstOfItsEntity) and whichever
 *   instance is free takes them. A push an instance had already sent (or was sending at the instant
 *   it froze) when its claim lapsed may reach the system twice (both carry the row's idempotency
 *   key), and may arrive after a newer push of its entity the next holder sent meanwhile.
 * - A claim is renewed every third of `claimTtlMs` while held, and deleted when the chain ends.
 * - A holder that died or stalled past its claim loses it: the next holder puts its inflight rows
 *   back to pending and delivers them again with the same idempotency key, and the stalled holder's
 *   late outcomes are refused (they carry its holder id), as are its further deliveries (`holds`).
 *
 * Statements reject with the pg error; the worker logs it and the rows are delivered later.
 */
export class PostgresOutboxStore implements OutboxQueue, OutboxReads {
  /** This process's claim holder id: `<instanceId>:<random>`. */
  readonly holder: string;
  private readonly claims: HeldClaims;

  constructor(private readonly pool: pg.Pool, options: PostgresOutboxOptions) {
    this.claims = new HeldClaims(pool, CLAIMS, options.instanceId, options.claimTtlMs ?? 15_000);
    this.holder = this.claims.holder;
  }

  /**
   * Adds a push (ms since the epoch for `now` and `r.notBefore`). A pending push of the same entity
   * to the same integration is cancelled as superseded, and the new row starts where
   * `supersedingStart` says, as on SQLite; its dead ones are superseded too. Runs on `client` when given (the transaction of the
   * change behind it), else in its own transaction. Resolves with the row id.
   */
  async add(r: NewOutboxRow, now: number, client?: pg.ClientBase): Promise<number> {
    if (!client) return inTransaction(this.pool, (c) => this.add(r, now, c));
    let older: { next_attempt_at: number; attempts: number }[] = [];
    if (r.entity && r.entityId) {
      // The entity's push under way is locked first, in id order as markRetry locks: a failure it
      // records at the same moment either sees this push (and is superseded by it) or has put itself
      // back to pending before the cancel below reads it (and this push takes its wait).
      await client.query(
        `SELECT id FROM outbox WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND status IN ('pending', 'inflight') ORDER BY id FOR UPDATE`,
        [r.integrationId, r.entity, r.entityId, r.kind]);
      ({ rows: older } = await client.query<{ next_attempt_at: number; attempts: number }>(
        `UPDATE outbox SET status = 'cancelled', last_error = 'superseded by a newer change'
         WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND status = 'pending'
         RETURNING next_attempt_at::double precision AS next_attempt_at, attempts`,
        [r.integrationId, r.entity, r.entityId, r.kind]));
    }
    const start = supersedingStart(r.notBefore, older.map((o) => ({ dueAt: o.next_attempt_at, attempts: o.attempts })));
    // The key names the logical push and stays the same across every retry of this row; its random
    // part keeps it unique when ids repeat after a restore (outboxIdempotencyKey).
    const { rows } = await client.query<{ id: number }>(
      `WITH n AS (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS id)
       INSERT INTO outbox (id, integration_id, wedding_id, kind, entity, entity_id, payload, content_hash, idempotency_key, priority, status, next_attempt_at, attempts, created_at)
       SELECT n.id, $1, $2, $3, $4, $5, $6, $7, COALESCE($8, 'wedsync-' || $1 || '-' || n.id || '-' || $12), $9, 'pending', $10, $13, $11 FROM n
       RETURNING id::double precision AS id`,
      [r.integrationId, r.weddingId, r.kind, r.entity, r.entityId, JSON.stringify(r.payload), r.contentHash, r.idempotencyKey ?? null, r.priority, start.dueAt, now,
        outboxKeyNonce(), start.attempts]);
    const id = rows[0]!.id;
    if (r.entity && r.entityId) {
      // Its dead ones are superseded too (as on SQLite): locked after the active ones, as every
      // writer of this entity's rows locks older ones before newer ones or this order.
      await client.query(
        `UPDATE outbox SET status = 'cancelled', last_error = 'superseded by a newer change (push ' || $5::bigint || ')'
         WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND status = 'dead' AND id < $5`,
        [r.integrationId, r.entity, r.entityId, r.kind, id]);
    }
    return id;
  }

  /**
   * Nothing to do at start: a previous holder's inflight rows are put back by whichever worker
   * claims their integration next (`claimDue`), once that holder's claim has expired. Requeuing
   * here would race a live instance's claim.
   */
  async recoverInflight(): Promise<number> {
    return 0;
  }

  async claimDue(now: number, limit: number, skipIntegrations: string[], maxIntegrations: number): Promise<OutboxRow[]> {
    const wanted = Math.max(0, Math.min(maxIntegrations, MAX_INTEGRATIONS_PER_CLAIM));
    if (wanted === 0 || limit <= 0) return [];
    const sentAt = performance.now();
    const rows = await inTransaction(this.pool, async (c) => {
      // Integrations with due rows (or rows a lapsed holder left inflight) that no one else holds.
      const candidates = await c.query<{ integration_id: string }>(
        `SELECT o.integration_id FROM outbox o
         WHERE ((o.status = 'pending' AND o.next_attempt_at <= $1 AND NOT ${pausedPast('o', '$1')} AND ${firstOfItsEntity('o')}) OR o.status = 'inflight')
           AND NOT (o.integration_id = ANY($2::text[])) AND NOT ${claimedElsewhere(CLAIMS, 'o.integration_id', '$3')}
         GROUP BY o.integration_id ORDER BY max(o.priority) DESC, min(o.id) LIMIT $4`,
        [now, skipIntegrations, this.holder, claimCandidates(wanted)]);
      const ours = await this.claims.takeFirst(c, candidates.rows.map((r) => r.integration_id), wanted);
      if (ours.length === 0) return [];
      // What a lapsed holder left inflight is delivered again (same idempotency key), first: it is the oldest.
      await c.query(`UPDATE outbox SET status = 'pending', claimed_by = NULL WHERE integration_id = ANY($1::text[]) AND status = 'inflight'`, [ours]);
      // The due rows in delivery order, then those not locked by a writer's open transaction (a push
      // being superseded): each integration's rows are taken up to its first locked one, so a
      // writer that rolls back never sees a later row of the integration delivered before its own.
      // A row waits while an older push of its entity is pending or under way (firstOfItsEntity).
      const due = await c.query<{ id: number; integration_id: string }>(
        `SELECT o.id::double precision AS id, o.integration_id FROM outbox o WHERE o.integration_id = ANY($1::text[]) AND o.status = 'pending' AND o.next_attempt_at <= $2
           AND NOT ${pausedPast('o', '$2')} AND ${firstOfItsEntity('o')}
         ORDER BY o.priority DESC, o.id LIMIT $3`,
        [ours, now, limit]);
      const unlocked = await c.query<{ id: number }>(
        `SELECT id::double precision AS id FROM outbox WHERE id = ANY($1::bigint[]) AND status = 'pending' FOR UPDATE SKIP LOCKED`,
        [due.rows.map((r) => r.id)]);
      const free = new Set(unlocked.rows.map((r) => r.id));
      const blocked = new Set<string>();
      const take: number[] = [];
      for (const r of due.rows) {
        if (blocked.has(r.integration_id)) continue;
        if (free.has(r.id)) take.push(r.id);
        else blocked.add(r.integration_id);
      }
      const taken = await c.query<OutboxRecord>(
        `UPDATE outbox SET status = 'inflight', claimed_by = $2 WHERE id = ANY($1::bigint[]) RETURNING ${COLUMNS}`,
        [take, this.holder]);
      const busy = new Set(taken.rows.map((r) => r.integration_id));
      const idle = ours.filter((id) => !busy.has(id));
      await this.claims.releaseAll(idle, c);
      return taken.rows;
    });
    this.claims.taken(new Set(rows.map((r) => r.integration_id)), sentAt);
    return rows.map(toOutboxRow).sort((a, b) => b.priority - a.priority || a.id - b.id);
  }

  /** Every instance's claims leave the connection's bindings' pushes until `until` (pausedPast); a later pause extends it, an earlier one does not shorten it. */
  async pauseConnection(connectionId: string, until: number): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO outbox_pauses (connection_id, until) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM connections WHERE id = $1)
         ON CONFLICT (connection_id) DO UPDATE SET until = GREATEST(outbox_pauses.until, EXCLUDED.until)`,
        [connectionId, until]);
      // Its pending pushes say when they go, and leave the range every pass reads until then; one
      // made during the pause is held by the claims' own check (pausedPast).
      await c.query(
        `UPDATE outbox SET next_attempt_at = $2 WHERE status = 'pending' AND next_attempt_at < $2 AND integration_id IN (SELECT id FROM integrations WHERE connection_id = $1)`,
        [connectionId, until]);
    });
  }

  holds(integrationId: string): boolean {
    return this.claims.holds(integrationId);
  }

  async release(integrationId: string): Promise<void> {
    await this.claims.release(integrationId);
  }

  async outrankedBy(integrationId: string, priority: number, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM outbox o WHERE o.integration_id = $1 AND o.status = 'pending' AND o.priority > $2 AND o.next_attempt_at <= $3 AND ${firstOfItsEntity('o', ['pending'])} LIMIT 1`,
      [integrationId, priority, now]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * The earliest due time among pending rows not of `skipIntegrations`, not held by another
   * instance (whose own worker delivers them) and not waiting for an older push of their entity;
   * a row of a paused connection is due when the pause ends.
   */
  async nextDueAt(skipIntegrations: string[]): Promise<number | null> {
    const { rows } = await this.pool.query<{ next: number | null }>(
      // A row of a paused connection is due when the pause ends: the earliest of the rows not paused
      // past their own due time, and the pauses that hold back a pending row.
      `SELECT LEAST(
         (SELECT min(o.next_attempt_at) FROM outbox o
          WHERE o.status = 'pending' AND NOT (o.integration_id = ANY($1::text[])) AND NOT ${claimedElsewhere(CLAIMS, 'o.integration_id', '$2')}
            AND ${firstOfItsEntity('o')} AND NOT ${pausedPast('o', 'o.next_attempt_at')}),
         (SELECT min(pp.until) FROM outbox_pauses pp WHERE EXISTS (SELECT 1 FROM integrations pi JOIN outbox o ON o.integration_id = pi.id
            WHERE pi.connection_id = pp.connection_id AND o.status = 'pending' AND o.next_attempt_at < pp.until
              AND NOT (o.integration_id = ANY($1::text[])) AND NOT ${claimedElsewhere(CLAIMS, 'o.integration_id', '$2')}))
       )::double precision AS next`,
      [skipIntegrations, this.holder]);
    return rows[0]?.next ?? null;
  }

  /** Whether a push of the entity to the integration is pending or under way (on `client` when given). */
  async hasActive(integrationId: string, entity: string, entityId: string, kind: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<boolean> {
    const { rows } = await client.query<{ active: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM outbox WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND status IN ('pending', 'inflight')) AS active`,
      [integrationId, entity, entityId, kind]);
    return rows[0]!.active;
  }

  /**
   * Cancels pushes of one entity to one integration, pending or under way (the system already has
   * that content), as on SQLite; on `client` when given. A delivery under way, by any instance, that
   * then succeeds is reported `superseded` by markDelivered. Resolves with the rows cancelled.
   */
  async cancelPending(integrationId: string, entity: string, entityId: string, kind: string, reason: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<number> {
    const { rowCount } = await client.query(
      `UPDATE outbox SET status = 'cancelled', last_error = $5 WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND status IN ('pending', 'inflight')`,
      [integrationId, entity, entityId, kind, reason]);
    return rowCount ?? 0;
  }

  async markDelivered(id: number, status: number | null, now: number): Promise<DeliveryRecord> {
    const { rows } = await this.pool.query<{ done: boolean; status: string | null }>(
      `WITH d AS (UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = $1, last_status = $2, last_error = NULL, claimed_by = NULL
                  WHERE id = $3 AND status = 'inflight' AND claimed_by = $4 RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM d) AS done, (SELECT status FROM outbox WHERE id = $3) AS status`,
      [now, status, id, this.holder]);
    if (rows[0]!.done) return 'delivered';
    return rows[0]!.status === 'cancelled' ? 'superseded' : 'lost';
  }

  /** As on SQLite (OutboxStore.defer): back to pending at `at`, or superseded by a newer push of its entity pending or under way. */
  async defer(id: number, at: number): Promise<void> {
    await this.behindNewer(id, 0, at,
      (c) => c.query(`UPDATE outbox SET status = 'pending', next_attempt_at = $1, claimed_by = NULL WHERE id = $2`, [at, id]),
      (c) => c.query(`UPDATE outbox SET status = 'cancelled', last_error = 'superseded by a newer change', claimed_by = NULL WHERE id = $1`, [id]));
  }

  /** As on SQLite (OutboxStore.markRetry): a newer push of the row's entity, pending or under way, supersedes it; a pending one starts no sooner than `at`. */
  async markRetry(id: number, at: number, error: string, status: number | null): Promise<void> {
    await this.behindNewer(id, 1, at,
      (c) => c.query(
        `UPDATE outbox SET status = 'pending', attempts = attempts + 1, next_attempt_at = $1, last_error = $2, last_status = $3, claimed_by = NULL WHERE id = $4`,
        [at, error, status, id]),
      (c) => c.query(
        `UPDATE outbox SET status = 'cancelled', attempts = attempts + 1, last_error = 'superseded by a newer change after: ' || $1, last_status = $2, claimed_by = NULL WHERE id = $3`,
        [error, status, id]));
  }

  /**
   * Puts row `id`, inflight under this holder, back (`requeue`), or, when a newer push of its
   * entity is pending or under way, supersedes it (`supersede`): a pending newer one then starts
   * no sooner than `at`, with this row's attempts plus `counted` (supersedingStart). The row, then
   * the newer ones, are locked in id order, as `add` locks them.
   */
  private async behindNewer(id: number, counted: number, at: number, requeue: (c: pg.ClientBase) => Promise<unknown>, supersede: (c: pg.ClientBase) => Promise<unknown>): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      const { rows: [row] } = await c.query<{ integration_id: string; entity: string | null; entity_id: string | null; kind: string; attempts: number }>(
        `SELECT integration_id, entity, entity_id, kind, attempts FROM outbox WHERE id = $1 AND status = 'inflight' AND claimed_by = $2 FOR UPDATE`, [id, this.holder]);
      if (!row) return;
      const { rows: newer } = row.entity === null || row.entity_id === null ? { rows: [] } : await c.query<{ id: number; status: string; next_attempt_at: number; attempts: number }>(
        `SELECT id::double precision AS id, status, next_attempt_at::double precision AS next_attempt_at, attempts FROM outbox
         WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND status IN ('pending', 'inflight') AND id > $5 ORDER BY id FOR UPDATE`,
        [row.integration_id, row.entity, row.entity_id, row.kind, id]);
      if (newer.length === 0) {
        await requeue(c);
        return;
      }
      await supersede(c);
      for (const n of newer.filter((x) => x.status === 'pending')) {
        const start = supersedingStart(n.next_attempt_at, [{ dueAt: at, attempts: row.attempts + counted }, { dueAt: n.next_attempt_at, attempts: n.attempts }]);
        await c.query('UPDATE outbox SET next_attempt_at = $1, attempts = $2 WHERE id = $3', [start.dueAt, start.attempts, n.id]);
      }
    });
  }

  /**
   * As on SQLite (OutboxStore.markDead): a dead letter, or superseded when a newer push of its entity
   * was made meanwhile. The row is locked first, so an `add` under way (which locks it) has either
   * committed its newer row, seen by the check after, or not begun.
   */
  async markDead(id: number, error: string, status: number | null): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      const { rows: [row] } = await c.query<{ integration_id: string; entity: string | null; entity_id: string | null; kind: string }>(
        `SELECT integration_id, entity, entity_id, kind FROM outbox WHERE id = $1 AND status = 'inflight' AND claimed_by = $2 FOR UPDATE`, [id, this.holder]);
      if (!row) return;
      const { rows: [newer] } = row.entity === null || row.entity_id === null ? { rows: [] } : await c.query(
        'SELECT 1 FROM outbox WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND id > $5 LIMIT 1',
        [row.integration_id, row.entity, row.entity_id, row.kind, id]);
      await c.query(newer
        ? `UPDATE outbox SET status = 'cancelled', attempts = attempts + 1, last_error = 'superseded by a newer change after: ' || $1, last_status = $2, claimed_by = NULL WHERE id = $3`
        : `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = $1, last_status = $2, claimed_by = NULL WHERE id = $3`,
      [error, status, id]);
    });
  }

  async get(id: number): Promise<OutboxRow | undefined> {
    const { rows } = await this.pool.query<OutboxRecord>(`SELECT ${COLUMNS} FROM outbox WHERE id = $1`, [id]);
    return rows[0] ? toOutboxRow(rows[0]) : undefined;
  }

  async countsFor(integrationId: string, now: number): Promise<{ pending: number; dead: number; oldestPendingAgeMs: number | null }> {
    const { rows } = await this.pool.query<{ pending: number; dead: number; oldest: number | null }>(
      `SELECT count(*) FILTER (WHERE status IN ('pending', 'inflight'))::integer AS pending, count(*) FILTER (WHERE status = 'dead')::integer AS dead,
         (min(created_at) FILTER (WHERE status IN ('pending', 'inflight')))::double precision AS oldest
       FROM outbox WHERE integration_id = $1 AND status IN ('pending', 'inflight', 'dead')`, [integrationId]);
    const r = rows[0]!;
    return { pending: r.pending, dead: r.dead, oldestPendingAgeMs: r.oldest === null ? null : Math.max(0, now - r.oldest) };
  }

  async activeForEntity(weddingId: string, entity: string): Promise<{ id: number; integrationId: string }[]> {
    const { rows } = await this.pool.query<{ id: number; integration_id: string }>(
      `SELECT id::double precision AS id, integration_id FROM outbox WHERE wedding_id = $1 AND entity = $2 AND status IN ('pending', 'inflight') ORDER BY id`, [weddingId, entity]);
    return rows.map((r) => ({ id: r.id, integrationId: r.integration_id }));
  }

  async activeEntities(integrationId: string): Promise<{ entity: string; entityId: string }[]> {
    const { rows } = await this.pool.query<{ entity: string; entity_id: string }>(
      `SELECT DISTINCT entity, entity_id FROM outbox WHERE integration_id = $1 AND entity IS NOT NULL AND entity_id IS NOT NULL AND status IN ('pending', 'inflight')`, [integrationId]);
    return rows.map((r) => ({ entity: r.entity, entityId: r.entity_id }));
  }

  async deadFor(weddingId: string, limit = 100): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRecord>(`SELECT ${COLUMNS} FROM outbox WHERE wedding_id = $1 AND status = 'dead' ORDER BY id DESC LIMIT $2`, [weddingId, limit]);
    return rows.map(toOutboxRow);
  }

  /**
   * A dead or cancelled row is pending again (attempts reset, no holder); whichever instance claims
   * its integration delivers it. As on SQLite, `superseded` when it is not its entity's newest push.
   * Only the row is locked (so no lock order to keep); the newer pushes are looked for once it is
   * held, when an `add` that held it meanwhile (to supersede it) has committed its newer row.
   */
  async replay(id: number, now: number): Promise<ReplayOutcome> {
    return inTransaction(this.pool, async (c): Promise<ReplayOutcome> => {
      const { rows: [row] } = await c.query<{ integration_id: string; entity: string | null; entity_id: string | null; kind: string; status: string }>(
        'SELECT integration_id, entity, entity_id, kind, status FROM outbox WHERE id = $1 FOR UPDATE', [id]);
      if (!row || (row.status !== 'dead' && row.status !== 'cancelled')) return 'not_replayable';
      if (row.entity !== null && row.entity_id !== null) {
        const { rowCount } = await c.query('SELECT 1 FROM outbox WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND kind = $4 AND id > $5',
          [row.integration_id, row.entity, row.entity_id, row.kind, id]);
        if ((rowCount ?? 0) > 0) return 'superseded';
      }
      await c.query(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, last_error = NULL, claimed_by = NULL WHERE id = $2`, [now, id]);
      return 'replayed';
    });
  }

  /** Stops renewing and gives up every claim this holder has (a clean stop): other instances take its integrations at once. */
  async close(): Promise<void> {
    await this.claims.close();
  }
}
