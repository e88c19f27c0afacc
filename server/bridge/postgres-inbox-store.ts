import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { DOC_PREFIX } from '../../schema/index.ts';
import { HeldClaims, claimCandidates, claimedElsewhere, type ClaimsTable } from '../storage/postgres/held-claims.ts';
import { inTransaction, retrying } from '../storage/postgres/pool.ts';
import { opaqueText, openedText } from '../storage/storable-text.ts';
import type { InboxReads, InboxRow, InboxWrites, NewInboxRow } from './inbox-store.ts';

const CLAIMS: ClaimsTable = { table: 'inbox_claims', key: 'wedding_id' };

/** What a received webhook or a pulled page stores (`receivedAt` in ms since the epoch, UTC). */

/** PostgreSQL's bigints come back as text, so those are cast to numbers. */
const COLUMNS = `id::double precision AS id, integration_id, wedding_id, event_id, kind, payload, received_at::double precision AS received_at, status, attempts,
  next_attempt_at::double precision AS next_attempt_at, last_error`;
interface InboxRecord { id: number; integration_id: string; wedding_id: string; event_id: string; kind: InboxRow['kind']; payload: string; received_at: number; status: InboxRow['status']; attempts: number; next_attempt_at: number; last_error: string | null }
const toRow = (r: InboxRecord): InboxRow => ({
  id: r.id, integrationId: r.integration_id, weddingId: r.wedding_id, eventId: openedText(r.event_id), kind: r.kind, payload: r.payload,
  receivedAt: r.received_at, status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error,
});

/** Rows of one INSERT at most (what queued while the previous one ran). */
const MAX_ROWS_PER_INSERT = 500;
/** A refusal of the data itself (SQLSTATE class 22, data exception, or 23, integrity constraint): retrying row by row finds the rows at fault. */
const isDataError = (error: unknown) => /^2[23]/.test((error as { code?: string }).code ?? '');
/** Weddings claimed in one pass at most. */
const MAX_WEDDINGS_PER_CLAIM = 1000;

/**
 * True when the row's wedding is claimed by holder `$h` and the claim has not expired (the
 * database's clock). The claim row is share-locked until the statement's transaction ends, so no
 * other holder can take the wedding over between this check and the COMMIT of a joined `applied`
 * (a takeover waits for it, then finds the row applied).
 */
const HELD_BY = (h: string) => `EXISTS (SELECT 1 FROM inbox_claims c WHERE c.wedding_id = inbox.wedding_id AND c.holder = ${h} AND c.expires_at > clock_timestamp() FOR SHARE)`;

/** Sends one statement: the pool (each its own transaction) or an open transaction's client. */
type Send = <R extends pg.QueryResultRow>(sql: string, params: unknown[]) => Promise<pg.QueryResult<R>>;

/**
 * Stores `rows` in the inbox; their ids in order (null for a redelivery, including a repeat within
 * `rows`). New events go in with `ON CONFLICT DO NOTHING` (a row asking `unlessReceived` only when
 * its connection holds no receipt of the event); only the parked rows among the events
 * already stored are then updated (pending again with the new payload, their ids kept), and a
 * stored row that is pending or applied is not touched. (A redelivery of a row an applier's open
 * transaction is updating waits for that transaction.) Event ids are stored exactly (opaqueText: one
 * holding U+0000 or a lone surrogate is encoded). Used by PostgresInboxStore.add and, in a
 * delivery's transaction, by PostgresRouteRecords.
 */
export async function insertInboxRows(send: Send, rows: NewInboxRow[]): Promise<(number | null)[]> {
  const keyOf = (r: { integrationId: string; eventId: string }) => JSON.stringify([r.integrationId, r.eventId]);
  // A repeat within the statement is a redelivery of its first copy.
  const first = new Map<string, NewInboxRow>();
  for (const r of rows) if (!first.has(keyOf(r))) first.set(keyOf(r), r);
  const columns = (list: NewInboxRow[]) => [list.map((r) => r.integrationId), list.map((r) => r.weddingId), list.map((r) => opaqueText(r.eventId)), list.map((r) => r.kind),
    list.map((r) => r.payload), list.map((r) => r.receivedAt), list.map((r) => r.unlessReceived === true)];
  const unnest = 'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::boolean[]) WITH ORDINALITY AS t(i, w, e, k, p, r, o, n)';
  const unique = [...first.values()];
  const ids = new Map<string, number>();
  const inserted = await send<{ id: number; integration_id: string; event_id: string }>(
    `INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at)
     SELECT i, w, e, k, p, r, 'pending', r FROM ${unnest}
     WHERE NOT (o AND EXISTS (SELECT 1 FROM connection_receipts cr JOIN integrations ci ON ci.connection_id = cr.connection_id WHERE ci.id = t.i AND cr.event_id = t.e))
     ORDER BY n
     ON CONFLICT (integration_id, event_id) DO NOTHING
     RETURNING id::double precision AS id, integration_id, event_id`, columns(unique));
  for (const r of inserted.rows) ids.set(keyOf({ integrationId: r.integration_id, eventId: openedText(r.event_id) }), r.id);
  const stored = unique.filter((r) => !ids.has(keyOf(r)));
  if (stored.length > 0) {
    // Sent alone: the INSERT before it has committed (or is earlier in the same transaction).
    const repended = await send<{ id: number; integration_id: string; event_id: string }>(
      `UPDATE inbox SET status = 'pending', kind = t.k, payload = t.p, received_at = t.r, next_attempt_at = t.r, attempts = 0, last_error = NULL, applied_by = NULL
       FROM ${unnest} WHERE inbox.integration_id = t.i AND inbox.event_id = t.e AND inbox.status = 'parked'
       RETURNING inbox.id::double precision AS id, inbox.integration_id, inbox.event_id`, columns(stored));
    for (const r of repended.rows) ids.set(keyOf({ integrationId: r.integration_id, eventId: openedText(r.event_id) }), r.id);
  }
  const given = new Set<string>();
  return rows.map((r) => {
    const key = keyOf(r);
    if (given.has(key)) return null;
    given.add(key);
    return ids.get(key) ?? null;
  });
}

export interface PostgresInboxOptions {
  /** This instance's INSTANCE_ID (the claims' holder is it plus a random part per process). */
  instanceId: string;
  /** How long a claim on a wedding lasts unless renewed (every third of it while held), ms. @default 15000 */
  claimTtlMs?: number;
}

/**
 * The inbox on PostgreSQL (schema/migrations/postgres/007_inbox.sql), shared by every instance: any
 * instance accepts webhooks into it, and a wedding's rows are applied by whichever instance claims
 * the wedding (table `inbox_claims`, the outbox's claim scheme keyed by wedding), in arrival order.
 *
 * - **Acknowledged means committed.** `add` resolves once the row's INSERT has committed (an
 *   autocommit statement; with `synchronous_commit = on` its WAL is flushed), so a 2xx sent after it
 *   cannot lose the webhook. Adds that arrive while an INSERT runs wait for it and then go in one
 *   statement together (at most one INSERT in flight per store): at 1,000 webhooks a second a
 *   statement carries the few rows that arrived during the last one, instead of each its own. A
 *   redelivery of a parked event re-pends it in a second statement. A statement the database
 *   aborts as a deadlock or serialization failure is sent again; a batch refused for its data
 *   (SQLSTATE class 22 or 23) is retried row by row, so only the rows at fault are rejected; any
 *   other error rejects the batch.
 * - **Order.** Rows are applied in id order per wedding. Ids come from a sequence, so two instances'
 *   concurrent INSERTs may commit out of id order; webhooks a provider sends one after another
 *   (each after the previous one's 2xx) keep their order, and concurrent deliveries have none.
 * - **One applier per wedding.** `claimWeddings` claims weddings with due rows that no live claim
 *   of another instance holds; `headAndParked` lists a claimed wedding's rows in order; `holds` says whether
 *   this process still holds it by its own clock (lapsing a tenth of the ttl early).
 * - **Outcomes are fenced.** `applied`, `retry`, `park` and `supersede` change a row only while this
 *   holder's claim on its wedding is live in the database; they resolve false otherwise (the wedding
 *   was taken over), and the next holder applies the row again. `applied` can run on the client of
 *   the transaction that stores the document change it made (a joined write), so the change and the
 *   mark commit together or not at all.
 *
 * Statements reject with the pg error.
 */
export class PostgresInboxStore implements InboxReads, InboxWrites {
  readonly holder: string;
  private readonly claims: HeldClaims;
  private queue: { row: NewInboxRow; resolve: (id: number | null) => void; reject: (error: unknown) => void }[] = [];
  /** The loop inserting what is queued, while it runs (at most one INSERT in flight). */
  private inserting: Promise<void> | null = null;
  private closing = false;

  private readonly instanceId: string;

  constructor(private readonly pool: pg.Pool, options: PostgresInboxOptions) {
    this.instanceId = options.instanceId;
    this.claims = new HeldClaims(pool, CLAIMS, options.instanceId, options.claimTtlMs ?? 15_000);
    this.holder = this.claims.holder;
  }

  /**
   * Stores a received event; resolves with its row id once committed, or null when (integration,
   * eventId) was already stored and is not parked (a redelivery). A parked row of the same event is
   * pending again with the new payload (its id kept), as on SQLite.
   */
  add(row: NewInboxRow): Promise<number | null> {
    if (this.closing) return Promise.reject(new Error('the inbox store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.startInserting();
    });
  }

  private startInserting(): void {
    if (this.inserting) return;
    // An add made between the loop's last check and this callback is picked up here.
    this.inserting = this.insertQueued().finally(() => { this.inserting = null; if (this.queue.length > 0) this.startInserting(); });
  }

  private async insertQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_ROWS_PER_INSERT);
      try {
        const ids = await this.insert(batch.map((b) => b.row));
        batch.forEach((b, i) => b.resolve(ids[i]!));
      } catch (error) {
        if (!isDataError(error)) {
          for (const b of batch) b.reject(error);
          continue;
        }
        // A row the database refuses (bad data) must not fail the webhooks it shared a statement
        // with; anything else (the database unreachable) fails the batch at once.
        for (const b of batch) await this.insert([b.row]).then((ids) => b.resolve(ids[0]!), b.reject);
      }
    }
  }

  private insert(rows: NewInboxRow[]): Promise<(number | null)[]> {
    return insertInboxRows((sql, params) => retrying(() => this.pool.query(sql, params)), rows);
  }

  /**
   * Claims up to `maxWeddings` weddings whose first pending row is due at `now` (ms since the epoch) that no other
   * instance holds, oldest row first, skipping `skipWeddings` (those this process is applying).
   * A wedding whose document another instance owns (a live lease in `document_leases`) is left to
   * that instance: rows are applied in the live document, which only its owner has. Resolves with
   * the weddings claimed; their rows are read with `headAndParked`.
   */
  async claimWeddings(now: number, maxWeddings: number, skipWeddings: string[] = []): Promise<string[]> {
    const wanted = Math.max(0, Math.min(maxWeddings, MAX_WEDDINGS_PER_CLAIM));
    if (wanted === 0) return [];
    const sentAt = performance.now();
    const claimed = await inTransaction(this.pool, async (c) => {
      // A wedding is due when its first pending row is: its later rows wait behind a row waiting for
      // its retry (order), so claiming it for them would apply nothing.
      const due = await c.query<{ wedding_id: string }>(
        `SELECT i.wedding_id FROM (SELECT DISTINCT ON (wedding_id) wedding_id, id, next_attempt_at FROM inbox WHERE status = 'pending' ORDER BY wedding_id, id) i
         WHERE i.next_attempt_at <= $1 AND NOT (i.wedding_id = ANY($2::text[])) AND NOT ${claimedElsewhere(CLAIMS, 'i.wedding_id', '$3')}
           AND NOT EXISTS (SELECT 1 FROM document_leases l WHERE l.name = $6 || i.wedding_id AND l.owner <> $5 AND l.expires_at > clock_timestamp())
         ORDER BY i.id LIMIT $4`,
        [now, skipWeddings, this.holder, claimCandidates(wanted), this.instanceId, DOC_PREFIX]);
      return this.claims.takeFirst(c, due.rows.map((r) => r.wedding_id), wanted);
    });
    this.claims.taken(claimed, sentAt);
    return claimed;
  }

  /** True while this process holds `weddingId`'s claim by its own clock (check before applying each row). */
  holds(weddingId: string): boolean {
    return this.claims.holds(weddingId);
  }

  /** Gives the wedding's claim up (its rows are done or not yet due): another instance may take it at once. */
  async release(weddingId: string): Promise<void> {
    await this.claims.release(weddingId);
  }

  /**
   * Marks the row applied with `result` (stored as JSON) at `now` (ms), on `client` when given (the
   * transaction storing the document change). False when this holder no longer holds the row's
   * wedding or the row is not pending: nothing changed.
   */
  async applied(id: number, result: unknown, now: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<boolean> {
    return this.fenced(client, `status = 'applied', applied_at = $3, attempts = attempts + 1, result = $4, last_error = NULL, applied_by = $2`, `status = 'pending'`, [id, this.holder, now, JSON.stringify(result)]);
  }

  /** `applied` for many rows in one statement; how many were marked (the others' weddings are not held here). */
  async appliedAll(rows: readonly { id: number; result: unknown; at: number }[], client: pg.ClientBase | pg.Pool = this.pool): Promise<number> {
    if (rows.length === 0) return 0;
    const { rowCount } = await client.query(`UPDATE inbox SET status = 'applied', applied_at = v.at, attempts = attempts + 1, result = v.result, last_error = NULL, applied_by = $1
      FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS v(id, at, result)
      WHERE inbox.id = v.id AND status = 'pending' AND ${HELD_BY('$1')}`,
    [this.holder, rows.map((r) => r.id), rows.map((r) => r.at), rows.map((r) => JSON.stringify(r.result))]);
    return rowCount ?? 0;
  }

  /** Counts a failed attempt; the row is tried again at `nextAttemptAt` (ms). False when not held (nothing changed). */
  async retry(id: number, nextAttemptAt: number, error: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<boolean> {
    return this.fenced(client, `attempts = attempts + 1, next_attempt_at = $3, last_error = $4`, `status = 'pending'`, [id, this.holder, nextAttemptAt, error]);
  }

  /** Parks the row with `error` (it waits for a person or a later delivery). False when not held (nothing changed). */
  async park(id: number, error: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<boolean> {
    return this.fenced(client, `status = 'parked', attempts = attempts + 1, last_error = $3, applied_by = $2`, `status = 'pending'`, [id, this.holder, error]);
  }

  /** A parked row whose records the later row `by` brought: done, with `{ supersededBy }` as its result. False when not held. */
  async supersede(id: number, by: number, now: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<boolean> {
    return this.fenced(client, `status = 'applied', applied_at = $3, result = $4, applied_by = $2`, `status = 'parked'`, [id, this.holder, now, JSON.stringify({ supersededBy: by })]);
  }

  private async fenced(client: pg.ClientBase | pg.Pool, set: string, when: string, params: unknown[]): Promise<boolean> {
    const { rowCount } = await client.query(`UPDATE inbox SET ${set} WHERE id = $1 AND ${when} AND ${HELD_BY('$2')}`, params);
    return (rowCount ?? 0) > 0;
  }

  async appliedResult(id: number): Promise<string | null> {
    const { rows } = await this.pool.query<{ result: string | null }>(`SELECT result FROM inbox WHERE id = $1 AND status = 'applied'`, [id]);
    return rows[0]?.result ?? null;
  }

  async get(id: number): Promise<InboxRow | undefined> {
    const { rows } = await this.pool.query<InboxRecord>(`SELECT ${COLUMNS} FROM inbox WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** Weddings with pending rows and their earliest due time (ms), whoever holds them. */
  async weddingsWithPending(): Promise<{ weddingId: string; due: number }[]> {
    const { rows } = await this.pool.query<{ wedding_id: string; due: number }>(
      `SELECT wedding_id, min(next_attempt_at)::double precision AS due FROM inbox WHERE status = 'pending' GROUP BY wedding_id`);
    return rows.map((r) => ({ weddingId: r.wedding_id, due: r.due }));
  }

  async countsFor(integrationId: string): Promise<{ pending: number; parked: number }> {
    const { rows } = await this.pool.query<{ status: 'pending' | 'parked'; n: number }>(
      `SELECT status, count(*)::integer AS n FROM inbox WHERE integration_id = $1 AND status IN ('pending', 'parked') GROUP BY status`, [integrationId]);
    const out = { pending: 0, parked: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  /** Parked rows of the binding whose error contains `words`. */
  async parkedFor(integrationId: string, words: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM inbox WHERE integration_id = $1 AND status = 'parked' AND strpos(last_error, $2) > 0`, [integrationId, words]);
    return rows[0]!.n;
  }

  /** The binding's newest parked row whose error does not contain `except`: its id and error, or null (index inbox_parked). */
  async newestParkedError(integrationId: string, except: string): Promise<{ id: number; error: string } | null> {
    const { rows } = await this.pool.query<{ row_id: number; error: string }>(
      `SELECT id::double precision AS row_id, last_error AS error FROM inbox WHERE integration_id = $1 AND status = 'parked' AND strpos(last_error, $2) = 0 ORDER BY inbox.id DESC LIMIT 1`, [integrationId, except]);
    return rows[0] ? { id: rows[0].row_id, error: rows[0].error } : null;
  }

  /**
   * What an inbox slice reads before it applies its rows, in one statement: `head`, the wedding's
   * pending rows in arrival order (at most `limit`), and `parked`, for each binding those rows are
   * for, its oldest parked rows whose error contains `words` (at most 100 each), in id order.
   */
  async headAndParked(weddingId: string, limit: number, words: string): Promise<{ head: InboxRow[]; parked: InboxRow[] }> {
    const { rows } = await this.pool.query<InboxRecord & { parked: boolean }>(
      `WITH head AS (SELECT ${COLUMNS} FROM inbox WHERE wedding_id = $1 AND status = 'pending' ORDER BY id LIMIT $2)
       SELECT false AS parked, * FROM head
       UNION ALL
       SELECT true AS parked, p.* FROM (SELECT DISTINCT integration_id AS bound FROM head) b
       CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM inbox WHERE inbox.integration_id = b.bound AND status = 'parked' AND strpos(last_error, $3) > 0 ORDER BY id LIMIT 100) p`,
      [weddingId, limit, words]);
    const byId = (a: InboxRecord, b: InboxRecord) => a.id - b.id;
    return { head: rows.filter((r) => !r.parked).sort(byId).map(toRow), parked: rows.filter((r) => r.parked).sort(byId).map(toRow) };
  }

  /** Refuses further adds, waits for those already made to be stored (or refused), then stops renewing and gives up every claim of this holder (a clean stop). */
  async close(): Promise<void> {
    this.closing = true;
    while (this.inserting) await this.inserting;
    await this.claims.close();
  }
}
