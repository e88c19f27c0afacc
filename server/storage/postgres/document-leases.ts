import type pg from 'pg';
import type { Fence } from '../backend/document-store.ts';
import { StaleEpochError } from '../backend/stale-epoch-error.ts';

/** A held lease: the fence its writes carry, and when it lapses unless renewed (the database's clock). */
export interface Lease extends Fence {
  name: string;
  expiresAt: Date;
}

interface LeaseRecord {
  name: string;
  owner: string;
  epoch: string;
  expires_at: Date;
}

const toLease = (r: LeaseRecord): Lease => ({ name: r.name, owner: r.owner, epoch: Number(r.epoch), expiresAt: r.expires_at });

/** Leases renewed per statement by renewAll. */
const RENEW_CHUNK = 500;

/** `expires_at` for a lease of $n ms from now (the database's clock, not ours). */
const UNTIL = (n: number) => `clock_timestamp() + make_interval(secs => $${n}::double precision / 1000)`;

/**
 * One owner per document among instances sharing a PostgreSQL database (table `document_leases`,
 * schema/migrations/postgres/002_document_leases.sql). An instance serves a document only while it
 * holds its lease, and every write it makes carries the lease as a Fence: the epoch goes up by one
 * each time the lease changes hands, so a write from an owner that stalled past its lease (a long
 * GC pause, SIGSTOP, a partition) is refused once another instance has taken over.
 *
 * Times are the database's (`clock_timestamp()`), so instances need no synchronised clocks; `ttlMs`
 * is in milliseconds. Renew well before `expiresAt` (e.g. every ttl/3).
 */
export class DocumentLeases {
  constructor(private readonly pool: pg.Pool, /** This instance (INSTANCE_ID). */ readonly owner: string) {}

  /**
   * Takes the lease on `name` for `ttlMs` when no one holds it (never taken, released, or expired),
   * with the next epoch. Resolves null when another owner holds it, or this instance already does
   * (renew that one). Of any number of instances racing for one lease, exactly one gets it.
   */
  async acquire(name: string, ttlMs: number): Promise<Lease | null> {
    // The conflicting row is locked and the WHERE re-checked on its latest version, so two racing
    // acquires (inserting or taking over) cannot both return a row.
    const { rows } = await this.pool.query<LeaseRecord>(
      `INSERT INTO document_leases (name, owner, epoch, expires_at) VALUES ($1, $2, 1, ${UNTIL(3)})
       ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, epoch = document_leases.epoch + 1, expires_at = EXCLUDED.expires_at
       WHERE document_leases.owner IS NULL OR document_leases.expires_at <= clock_timestamp()
       RETURNING name, owner, epoch, expires_at`,
      [name, this.owner, ttlMs],
    );
    return rows[0] ? toLease(rows[0]) : null;
  }

  /**
   * Extends `lease` to `ttlMs` from now. Throws StaleEpochError when it moved on (released, or taken
   * over). A lease that lapsed but that no one took since is renewed: no other owner has written.
   */
  async renew(lease: Lease, ttlMs: number): Promise<Lease> {
    const { rows } = await this.pool.query<LeaseRecord>(
      `UPDATE document_leases SET expires_at = ${UNTIL(4)}
       WHERE name = $1 AND owner = $2 AND epoch = $3 RETURNING name, owner, epoch, expires_at`,
      [lease.name, this.owner, lease.epoch, ttlMs],
    );
    if (rows[0]) return toLease(rows[0]);
    const now = await this.current(lease.name);
    throw new StaleEpochError(lease.name, lease.epoch, now && { owner: now.owner, epoch: now.epoch });
  }

  /**
   * Extends every lease of `leases` this instance still holds (owner and epoch unchanged) to `ttlMs`
   * from now, in one statement per 500 and so one commit each, instead of one per document. The rows
   * are locked in name order, as the fence check locks them, so a renewal and a group commit never
   * deadlock. Resolves with the renewed leases by name; a lease missing from it moved on (released,
   * or taken over). Rejects with the pg error when the database cannot be reached.
   */
  async renewAll(leases: readonly Lease[], ttlMs: number): Promise<Map<string, Lease>> {
    const renewed = new Map<string, Lease>();
    for (let i = 0; i < leases.length; i += RENEW_CHUNK) {
      const chunk = leases.slice(i, i + RENEW_CHUNK);
      const { rows } = await this.pool.query<LeaseRecord>(
        `WITH held AS (
           SELECT d.name FROM document_leases d JOIN unnest($1::text[], $2::bigint[]) AS h(name, epoch) ON d.name = h.name AND d.epoch = h.epoch
           WHERE d.owner = $3 ORDER BY d.name FOR UPDATE OF d)
         UPDATE document_leases d SET expires_at = ${UNTIL(4)} FROM held WHERE d.name = held.name
         RETURNING d.name, d.owner, d.epoch, d.expires_at`,
        [chunk.map((l) => l.name), chunk.map((l) => l.epoch), this.owner, ttlMs],
      );
      for (const r of rows) renewed.set(r.name, toLease(r));
    }
    return renewed;
  }

  /** Gives `lease` up at once (owner cleared, expired): writes carrying it are refused from now on. False when it had moved on already. */
  async release(lease: Lease): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE document_leases SET owner = NULL, expires_at = clock_timestamp()
       WHERE name = $1 AND owner = $2 AND epoch = $3`,
      [lease.name, this.owner, lease.epoch],
    );
    return rowCount === 1;
  }

  /** Who holds `name` now (owner null: released), or null when it was never leased. Expired leases are reported as they are. */
  async current(name: string): Promise<{ owner: string | null; epoch: number; expiresAt: Date } | null> {
    const { rows } = await this.pool.query<{ owner: string | null; epoch: string; expires_at: Date }>(
      'SELECT owner, epoch, expires_at FROM document_leases WHERE name = $1', [name]);
    const r = rows[0];
    return r ? { owner: r.owner, epoch: Number(r.epoch), expiresAt: r.expires_at } : null;
  }
}
