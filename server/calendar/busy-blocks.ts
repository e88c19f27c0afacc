import type { Db } from '../storage/database.ts';
import { opaqueText, openedText, storableText } from '../storage/storable-text.ts';

/** One busy block of a binding's calendar (times in ms since the epoch, UTC). */
export interface BusyBlock {
  integrationId: string;
  vendorId: string;
  externalId: string;
  startMs: number;
  endMs: number;
  title: string | null;
}

/** When a binding's busy times were last read (ms since the epoch), and that read's error. */
export interface BusyRefresh { refreshedAt: number; error: string | null }

/**
 * Busy blocks on either backend (schema/migrations/005_calendar.sql; on PostgreSQL
 * postgres/021_calendar_busy.sql): sqliteBusyRecords and PostgresBusyStore, with one contract
 * (tests/calendar/busy-blocks-backends.test.ts). External ids are kept exactly (opaqueText: they
 * are looked up in the links); titles are display text (storableText: U+0000 and lone surrogates
 * become U+FFFD). A block appearing twice in one read (same id and start) is stored once, the last.
 */
export interface BusyRecords {
  lastRefresh(integrationId: string): Promise<BusyRefresh | undefined>;
  /** Replaces each binding's blocks with `blocks` (one calendar read serves them all) and records the read at `at`, in one transaction. */
  replace(bindings: ReadonlyArray<{ integrationId: string; vendorId: string }>, blocks: ReadonlyArray<Omit<BusyBlock, 'integrationId' | 'vendorId'>>, at: number): Promise<void>;
  /** Records a failed read of the bindings at `at` (their blocks are kept). */
  failed(integrationIds: readonly string[], at: number, error: string): Promise<void>;
  /** The vendor's blocks overlapping [from, to), by start (ties by binding, then external id as stored). */
  busyFor(vendorId: string, from: number, to: number): Promise<BusyBlock[]>;
}

export interface BusyRow { integration_id: string; vendor_id: string; external_id: string; start_ms: number | string; end_ms: number | string; title: string | null }
export const toBlock = (r: BusyRow): BusyBlock => ({
  integrationId: r.integration_id, vendorId: r.vendor_id, externalId: openedText(r.external_id), startMs: Number(r.start_ms), endMs: Number(r.end_ms), title: r.title,
});

/** The rows a read stores: one per binding × distinct (external id, start), the last of each. */
export function busyRows(bindings: ReadonlyArray<{ integrationId: string; vendorId: string }>, blocks: ReadonlyArray<Omit<BusyBlock, 'integrationId' | 'vendorId'>>): BusyRow[] {
  const unique = new Map<string, Omit<BusyBlock, 'integrationId' | 'vendorId'>>();
  for (const b of blocks) unique.set(JSON.stringify([b.externalId, b.startMs]), b);
  return bindings.flatMap(({ integrationId, vendorId }) => [...unique.values()].map((b) => ({
    integration_id: integrationId, vendor_id: vendorId, external_id: opaqueText(b.externalId), start_ms: b.startMs, end_ms: b.endMs, title: b.title === null ? null : storableText(b.title),
  })));
}

const BUSY_ORDER = 'ORDER BY start_ms, integration_id, external_id';

/** BusyRecords on the embedded database. */
export function sqliteBusyRecords(db: Db): BusyRecords {
  const refreshGet = db.prepare('SELECT refreshed_at, error FROM calendar_busy_refresh WHERE integration_id = ?');
  const refreshSet = db.prepare('INSERT OR REPLACE INTO calendar_busy_refresh (integration_id, refreshed_at, error) VALUES (?, ?, ?)');
  const busyDelete = db.prepare('DELETE FROM calendar_busy WHERE integration_id = ?');
  const busyInsert = db.prepare(`INSERT OR REPLACE INTO calendar_busy (integration_id, vendor_id, external_id, start_ms, end_ms, title)
    VALUES (@integration_id, @vendor_id, @external_id, @start_ms, @end_ms, @title)`);
  const busyFor = db.prepare(`SELECT * FROM calendar_busy WHERE vendor_id = ? AND end_ms > ? AND start_ms < ? ${BUSY_ORDER}`);
  return {
    async lastRefresh(integrationId) {
      const r = refreshGet.get(integrationId) as { refreshed_at: number; error: string | null } | undefined;
      return r && { refreshedAt: r.refreshed_at, error: r.error };
    },
    async replace(bindings, blocks, at) {
      const rows = busyRows(bindings, blocks);
      db.transaction(() => {
        for (const b of bindings) busyDelete.run(b.integrationId);
        for (const r of rows) busyInsert.run(r);
        for (const b of bindings) refreshSet.run(b.integrationId, at, null);
      })();
    },
    async failed(integrationIds, at, error) {
      db.transaction(() => { for (const id of integrationIds) refreshSet.run(id, at, storableText(error)); })();
    },
    async busyFor(vendorId, from, to) {
      return (busyFor.all(vendorId, from, to) as BusyRow[]).map(toBlock);
    },
  };
}
