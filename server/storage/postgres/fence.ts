import type pg from 'pg';
import type { Fence } from '../backend/document-store.ts';
import { StaleEpochError } from '../backend/stale-epoch-error.ts';

export interface LeaseRow {
  owner: string | null;
  epoch: number;
}

/**
 * Reads the lease rows of `names` inside the caller's transaction, locked FOR SHARE until it ends:
 * an acquire (which updates the row) waits for this transaction, so a write that passed the check
 * commits before the lease changes hands, and one that waited sees the new epoch.
 */
export async function lockLeases(client: pg.ClientBase, names: readonly string[]): Promise<Map<string, LeaseRow>> {
  const leases = new Map<string, LeaseRow>();
  if (names.length === 0) return leases;
  // Sorted, so two transactions locking overlapping sets take the rows in one order.
  const sorted = [...new Set(names)].sort();
  const { rows } = await client.query<{ name: string; owner: string | null; epoch: string }>(
    'SELECT name, owner, epoch FROM document_leases WHERE name = ANY($1::text[]) ORDER BY name FOR SHARE',
    [sorted],
  );
  for (const r of rows) leases.set(r.name, { owner: r.owner, epoch: Number(r.epoch) });
  return leases;
}

/** The StaleEpochError for a write to `name` carrying `fence`, or null when the fence holds. */
export function fenceRefusal(name: string, fence: Fence, lease: LeaseRow | undefined): StaleEpochError | null {
  if (lease && lease.epoch === fence.epoch && lease.owner === fence.owner) return null;
  return new StaleEpochError(name, fence.epoch, lease ?? null);
}

/** Throws StaleEpochError unless `fence` still holds `name`'s lease (checked and locked in `client`'s transaction). */
export async function checkFence(client: pg.ClientBase, name: string, fence: Fence): Promise<void> {
  const refusal = fenceRefusal(name, fence, (await lockLeases(client, [name])).get(name));
  if (refusal) throw refusal;
}
