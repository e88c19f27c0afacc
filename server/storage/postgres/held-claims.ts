import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';

/** A PostgreSQL claims table: one row per key (an integration, a wedding), `holder` and `expires_at` (timestamptz). */
export interface ClaimsTable {
  /** Table name, e.g. `outbox_claims`. Ours, never from input. */
  table: string;
  /** Its key column, e.g. `integration_id`. */
  key: string;
}

/** `expires_at` for a claim of `$n` ms from now, on the database's clock (instances need no synchronised clocks). */
export const claimUntil = (n: number) => `clock_timestamp() + make_interval(secs => $${n}::double precision / 1000)`;

/**
 * SQL that is true when key `col` is claimed by another holder than `$holderParam` and the claim has
 * not expired (the database's clock).
 */
export const claimedElsewhere = (t: ClaimsTable, col: string, holderParam: string) =>
  `EXISTS (SELECT 1 FROM ${t.table} c WHERE c.${t.key} = ${col} AND c.holder <> ${holderParam} AND c.expires_at > clock_timestamp())`;

/**
 * SQL taking claims on the keys in `$1` (text[]) for holder `$2`, `$3` ms long: a key is taken only
 * where no live claim of another holder is (of holders racing, exactly one wins each key), and the
 * keys are sorted so racing claims lock rows in one order. RETURNING the keys taken.
 */
export const takeClaims = (t: ClaimsTable) =>
  `INSERT INTO ${t.table} (${t.key}, holder, expires_at)
   SELECT k, $2, ${claimUntil(3)} FROM unnest($1::text[]) AS k ORDER BY k
   ON CONFLICT (${t.key}) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
   WHERE ${t.table}.expires_at <= clock_timestamp() OR ${t.table}.holder = EXCLUDED.holder
   RETURNING ${t.key} AS key`;

/** How many candidates to offer `takeFirst` for `wanted` keys: room for racers to take different ones. */
export const claimCandidates = (wanted: number): number => wanted * 3;

/**
 * This process's side of the claims it holds in one claims table (the outbox's per integration, the
 * inbox's per wedding): which keys it holds, until when it may act on them by its own clock, their
 * renewal, release and close. The rows themselves are taken with `takeFirst` (its `takeClaims`
 * statement), inside the transaction that also takes the work; the store then calls `taken`.
 *
 * - `holder` is `<instanceId>:<random per process>`, so a restart under the same INSTANCE_ID never
 *   inherits a claim.
 * - A claim is treated as lapsed a tenth of its ttl before the database would, counted from when
 *   the statement that took or renewed it was sent (`holds`).
 * - Held claims are renewed together every third of the ttl (one UPDATE, plus one per claim row
 *   another transaction holds locked meanwhile); a key taken over meanwhile
 *   (this process stalled past it) is dropped, so `holds` turns false. A renewal that fails (the
 *   database unreachable) changes nothing: the claims lapse by themselves unless a later one succeeds.
 */
export class HeldClaims {
  readonly holder: string;
  /** When (performance.now, ms) each held claim may have lapsed, and which claim it is (a renewal for one claim never touches a later claim of the same key). */
  private readonly held = new Map<string, { until: number; claim: number }>();
  private claims = 0;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> = Promise.resolve();
  private closed = false;

  /** @param ttlMs how long a claim lasts unless renewed, ms */
  constructor(private readonly pool: pg.Pool, private readonly t: ClaimsTable, instanceId: string, readonly ttlMs: number) {
    this.holder = `${instanceId}:${crypto.randomUUID().slice(0, 8)}`;
  }

  /** Records claims on `keys` taken by a statement sent at `sentAt` (performance.now, ms), and starts renewing them. */
  taken(keys: Iterable<string>, sentAt: number): void {
    for (const key of keys) this.held.set(key, { until: sentAt + this.lapseAfterMs(), claim: ++this.claims });
    if (this.held.size > 0) this.scheduleRenewal();
  }

  /** True while this process may act on `key`: it holds the claim and, by its own clock, the claim has not lapsed. */
  holds(key: string): boolean {
    const held = this.held.get(key);
    return held !== undefined && performance.now() < held.until;
  }

  /** Gives up the claim on `key` (its work is done): another instance may take it at once. */
  async release(key: string): Promise<void> {
    this.held.delete(key);
    await this.pool.query(`DELETE FROM ${this.t.table} WHERE ${this.t.key} = $1 AND holder = $2`, [key, this.holder]);
  }

  /**
   * Takes claims on at most `wanted` of `candidates` (best first) inside the caller's transaction
   * `c`, and returns them in that order (call `taken` after the commit). Instances racing for work
   * see the same candidates in the same order: each tries every candidate in one sorted statement
   * (`takeClaims`, so no deadlock) and, before its commit, gives back the ones past its first
   * `wanted`. A racer blocked on those then takes them, instead of coming away empty while work
   * is due. Select about `claimCandidates(wanted)` candidates. Keys this holder already held are
   * never given back.
   */
  async takeFirst(c: pg.ClientBase, candidates: string[], wanted: number): Promise<string[]> {
    if (candidates.length === 0 || wanted <= 0) return [];
    const { rows } = await c.query<{ key: string }>(takeClaims(this.t), [candidates, this.holder, this.ttlMs]);
    const got = new Set(rows.map((r) => r.key));
    const keep = candidates.filter((k) => got.has(k)).slice(0, wanted);
    const kept = new Set(keep);
    const extra = [...got].filter((k) => !kept.has(k) && !this.held.has(k));
    if (extra.length > 0) await c.query(`DELETE FROM ${this.t.table} WHERE ${this.t.key} = ANY($1::text[]) AND holder = $2`, [extra, this.holder]);
    return keep;
  }

  /** Gives up the claims on `keys` in one statement. */
  async releaseAll(keys: string[], client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    if (keys.length === 0) return;
    for (const key of keys) this.held.delete(key);
    await client.query(`DELETE FROM ${this.t.table} WHERE ${this.t.key} = ANY($1::text[]) AND holder = $2`, [keys, this.holder]);
  }

  /** Stops renewing and gives up every claim of this holder (a clean stop): other instances take its keys at once. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
    await this.renewing;
    this.held.clear();
    await this.pool.query(`DELETE FROM ${this.t.table} WHERE holder = $1`, [this.holder]);
  }

  private lapseAfterMs(): number {
    return this.ttlMs * 0.9;
  }

  private scheduleRenewal(): void {
    if (this.renewTimer || this.closed) return;
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      this.renewing = this.renew().finally(() => { if (this.held.size > 0) this.scheduleRenewal(); });
    }, this.ttlMs / 3);
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    const sent = new Map([...this.held].map(([key, h]) => [key, h.claim]));
    const keys = [...sent.keys()];
    if (keys.length === 0) return;
    const sentAt = performance.now();
    let kept: Set<string>;
    try {
      // Rows locked in key order, as takeClaims takes them, so a renewal and a claim pass never
      // deadlock. Rows a transaction holds share-locked meanwhile (one recording work done under the
      // claim, which may hold several claims' rows in another order) are skipped here, then renewed
      // one by one, each in a statement of its own: a renewal never holds one row while it waits for
      // another, so it cannot deadlock with such a transaction either.
      const { rows } = await this.pool.query<{ key: string }>(
        `WITH mine AS (SELECT ${this.t.key} AS key FROM ${this.t.table} WHERE holder = $1 AND ${this.t.key} = ANY($2::text[]) ORDER BY ${this.t.key} FOR UPDATE SKIP LOCKED)
         UPDATE ${this.t.table} c SET expires_at = ${claimUntil(3)} FROM mine WHERE c.${this.t.key} = mine.key RETURNING c.${this.t.key} AS key`,
        [this.holder, keys, this.ttlMs]);
      kept = new Set(rows.map((r) => r.key));
      for (const key of keys) {
        if (kept.has(key)) continue;
        const one = await this.pool.query(`UPDATE ${this.t.table} SET expires_at = ${claimUntil(3)} WHERE ${this.t.key} = $2 AND holder = $1`, [this.holder, key, this.ttlMs]);
        if ((one.rowCount ?? 0) > 0) kept.add(key);
      }
    } catch {
      return;
    }
    for (const key of keys) {
      const held = this.held.get(key);
      if (!held || held.claim !== sent.get(key)) continue; // released (and perhaps claimed again) meanwhile
      if (kept.has(key)) held.until = sentAt + this.lapseAfterMs();
      else this.held.delete(key);
    }
  }
}
