import type { Db } from '../storage/database.ts';
import {
  VENDOR_ROW_KINDS, type BindingToUnbind, type VendorPerson, type VendorRowCounts, type VendorRowKind, type VendorRowsSurvey,
} from './vendor-dependants.ts';

/** What a handler works on. Times in ms since the epoch (UTC). */
interface Scope {
  db: Db;
  weddingId: string;
  now: number;
}

interface RowHandler {
  count(s: Scope, vendorId: string): number;
  /** Rebinds to `toId` what acts for `fromId` (a merge). */
  move(s: Scope, fromId: string, toId: string): void;
  /** Removes or revokes what acts for `vendorId` (a removal); connection bindings are the caller's (vendor-dependants.ts). */
  remove(s: Scope, vendorId: string): void;
}

/** A binding `i` of wedding `@w` that acts for vendor `@v`: its vendor entry, its connector's, or its (or its connection's) `vendorId` setting. */
const ACTS_FOR = `i.wedding_id = @w AND (i.vendor_id = @v OR i.connector_vendor_id = @v OR json_extract(i.configuration, '$.vendorId') = @v
  OR (json_extract(i.configuration, '$.vendorId') IS NULL AND (SELECT json_extract(c.configuration, '$.vendorId') FROM connections c WHERE c.id = i.connection_id) = @v))`;

/** Vendor API keys that open this wedding: scoped to it (alone or among others), or to every wedding of its workspace. */
const KEY_OPENS = `vendor_id = @v AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM json_each(api_keys.weddings) j WHERE j.value = @w
  OR (j.value = '*' AND api_keys.workspace_id = (SELECT workspace_id FROM weddings WHERE id = @w)))`;

const n = (s: Scope, sql: string, v: string) => (s.db.prepare(sql).get({ w: s.weddingId, v }) as { n: number }).n;
const run = (s: Scope, sql: string, args: Record<string, unknown>) => s.db.prepare(sql).run({ w: s.weddingId, now: s.now, ...args });

/** The SQL of each row kind on SQLite (the same decisions as POSTGRES_VENDOR_ROWS). */
const SQLITE_VENDOR_ROWS: Readonly<Record<VendorRowKind, RowHandler>> = {
  participants: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM participants WHERE wedding_id = @w AND vendor_id = @v', v),
    move(s, from, to) {
      // A vendor workspace bound to both keeps its binding to `to` (the unique index allows one per wedding).
      run(s, `DELETE FROM participants WHERE wedding_id = @w AND vendor_id = @from AND vendor_workspace_id IS NOT NULL
        AND vendor_workspace_id IN (SELECT vendor_workspace_id FROM participants WHERE wedding_id = @w AND vendor_id = @to AND vendor_workspace_id IS NOT NULL)`, { from, to });
      run(s, 'UPDATE participants SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to });
    },
    remove: (s, v) => { run(s, 'DELETE FROM participants WHERE wedding_id = @w AND vendor_id = @v', { v }); },
  },
  invitations: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM invitations WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', v),
    move: (s, from, to) => { run(s, 'UPDATE invitations SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to }); },
    remove: (s, v) => { run(s, 'UPDATE invitations SET revoked_at = @now WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', { v }); },
  },
  calendarFeeds: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM calendar_feeds WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', v),
    move: (s, from, to) => { run(s, 'UPDATE calendar_feeds SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to }); },
    remove: (s, v) => { run(s, 'UPDATE calendar_feeds SET revoked_at = @at WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', { v, at: new Date(s.now).toISOString() }); },
  },
  bookings: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM vendor_bookings WHERE wedding_id = @w AND vendor_id = @v', v),
    // A booking of both on one event is one booking.
    move: (s, from, to) => { run(s, 'UPDATE OR REPLACE vendor_bookings SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to }); },
    remove: (s, v) => { run(s, 'DELETE FROM vendor_bookings WHERE wedding_id = @w AND vendor_id = @v', { v }); },
  },
  busyBlocks: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM calendar_busy WHERE vendor_id = @v AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = @w)', v),
    move: (s, from, to) => { run(s, 'UPDATE calendar_busy SET vendor_id = @to WHERE vendor_id = @from AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = @w)', { from, to }); },
    remove: (s, v) => { run(s, 'DELETE FROM calendar_busy WHERE vendor_id = @v AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = @w)', { v }); },
  },
  connectionBindings: {
    count: (s, v) => n(s, `SELECT COUNT(*) AS n FROM integrations i WHERE ${ACTS_FOR}`, v),
    move(s, from, to) {
      // A binding acting for `from` through its connection's setting gets its own (other weddings of a shared connection keep theirs).
      run(s, `UPDATE integrations SET configuration = json_set(configuration, '$.vendorId', @to) WHERE wedding_id = @w AND (
        json_extract(configuration, '$.vendorId') = @from OR (json_extract(configuration, '$.vendorId') IS NULL
          AND (SELECT json_extract(c.configuration, '$.vendorId') FROM connections c WHERE c.id = integrations.connection_id) = @from))`, { from, to });
      run(s, 'UPDATE integrations SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to });
      run(s, 'UPDATE integrations SET connector_vendor_id = @to WHERE wedding_id = @w AND connector_vendor_id = @from', { from, to });
      // A connection made from this wedding alone (its id is its binding's) carries the connector too.
      run(s, `UPDATE connections SET connector_vendor_id = @to WHERE connector_vendor_id = @from
        AND id IN (SELECT id FROM integrations WHERE wedding_id = @w AND connection_id = integrations.id)`, { from, to });
    },
    remove: () => { /* unbound by the caller, asynchronously (vendor-dependants.ts) */ },
  },
  apiKeys: {
    count: (s, v) => n(s, `SELECT COUNT(*) AS n FROM api_keys WHERE ${KEY_OPENS}`, v),
    move(s, from, to) {
      // Vendor ids are per wedding: a key that also opens other weddings would change meaning there.
      run(s, `UPDATE api_keys SET vendor_id = @to WHERE vendor_id = @from AND revoked_at IS NULL AND weddings = json_array(@w)`, { from, to });
    },
    remove(s, v) {
      run(s, `UPDATE api_keys SET weddings = (SELECT json_group_array(j.value) FROM json_each(api_keys.weddings) j WHERE j.value <> @w)
        WHERE ${KEY_OPENS} AND json_array_length(weddings) > 1 AND NOT EXISTS (SELECT 1 FROM json_each(api_keys.weddings) j WHERE j.value = '*')`, { v });
      run(s, `UPDATE api_keys SET revoked_at = @now WHERE ${KEY_OPENS}`, { v });
    },
  },
};

/**
 * A vendor's dependant rows on SQLite, read and written synchronously (inside the caller's document
 * callback, so they join the open group commit with the document change, as they always did).
 * `move` and `remove` each run in one SQLite transaction. Times in ms since the epoch (UTC).
 */
export interface SqliteVendorRows {
  survey(weddingId: string, vendorId: string): VendorRowsSurvey;
  move(weddingId: string, fromId: string, toId: string, now: number): void;
  remove(weddingId: string, vendorId: string, now: number): void;
}

export function sqliteVendorRows(db: Db): SqliteVendorRows {
  const scope = (weddingId: string, now = 0): Scope => ({ db, weddingId, now });
  const people = (weddingId: string, vendorId: string): VendorPerson[] => db.prepare(`SELECT p.id, p.email FROM participants x JOIN people p ON p.id = x.person_id
    WHERE x.wedding_id = @w AND x.vendor_id = @v
      AND NOT EXISTS (SELECT 1 FROM participants o WHERE o.wedding_id = @w AND o.person_id = p.id AND (o.vendor_id IS NULL OR o.vendor_id <> @v))
      AND NOT EXISTS (SELECT 1 FROM weddings w JOIN workspace_members m ON m.workspace_id = w.workspace_id WHERE w.id = @w AND m.person_id = p.id)
    ORDER BY p.id`).all({ w: weddingId, v: vendorId }) as VendorPerson[];
  const bindings = (weddingId: string, vendorId: string): BindingToUnbind[] =>
    db.prepare(`SELECT i.id AS integrationId, i.connection_id AS connectionId FROM integrations i WHERE ${ACTS_FOR} ORDER BY i.id`)
      .all({ w: weddingId, v: vendorId }) as BindingToUnbind[];
  return {
    survey(weddingId, vendorId) {
      const s = scope(weddingId);
      const counts = Object.fromEntries(VENDOR_ROW_KINDS.map((k) => [k, SQLITE_VENDOR_ROWS[k].count(s, vendorId)])) as VendorRowCounts;
      return { counts, people: people(weddingId, vendorId), bindings: bindings(weddingId, vendorId) };
    },
    move(weddingId, fromId, toId, now) {
      const s = scope(weddingId, now);
      db.transaction(() => { for (const k of VENDOR_ROW_KINDS) SQLITE_VENDOR_ROWS[k].move(s, fromId, toId); })();
    },
    remove(weddingId, vendorId, now) {
      const s = scope(weddingId, now);
      db.transaction(() => { for (const k of VENDOR_ROW_KINDS) SQLITE_VENDOR_ROWS[k].remove(s, vendorId); })();
    },
  };
}
