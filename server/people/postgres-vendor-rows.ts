import type pg from 'pg';
import { opaqueText } from '../storage/storable-text.ts';
import {
  VENDOR_ROW_KINDS, type BindingToUnbind, type VendorPerson, type VendorRowCounts, type VendorRowKind, type VendorRowsSurvey,
} from './vendor-dependants.ts';

type Queryable = pg.ClientBase | pg.Pool;

/**
 * What a handler works on. In its statements `$1` is the wedding id and `$2` the vendor (`from` on
 * a merge); `$3` is `to` on a merge and the time (ms since the epoch, UTC) on a removal.
 */
interface Scope {
  client: Queryable;
  weddingId: string;
  now: number;
}

interface RowHandler {
  count(s: Scope, vendorId: string): Promise<number>;
  /** Rebinds to `toId` what acts for `fromId` (a merge). */
  move(s: Scope, fromId: string, toId: string): Promise<void>;
  /**
   * Removes or revokes what acts for `vendorId` (a removal); connection bindings are the caller's
   * (vendor-dependants.ts). Returns the ids it revoked that must be announced (API keys), else nothing.
   */
  remove(s: Scope, vendorId: string): Promise<string[] | void>;
}

/** A JSON text column's `vendorId` as jsonb (SQLite's json_extract compares it to text only when it is a JSON string). */
const VENDOR_SETTING = (column: string) => `((${column})::jsonb -> 'vendorId')`;
/** A binding `i` of wedding `$1` that acts for vendor `$2` (as SQLite's ACTS_FOR). */
const ACTS_FOR = `i.wedding_id = $1 AND (i.vendor_id = $2 OR i.connector_vendor_id = $2 OR ${VENDOR_SETTING('i.configuration')} = to_jsonb($2::text)
  OR ((i.configuration::jsonb ->> 'vendorId') IS NULL
    AND (SELECT ${VENDOR_SETTING('c.configuration')} FROM connections c WHERE c.id = i.connection_id) = to_jsonb($2::text)))`;
/** Vendor API keys that open wedding `$1` for vendor `$2` (as SQLite's KEY_OPENS). */
const KEY_OPENS = `vendor_id = $2 AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(api_keys.weddings::jsonb) j(value) WHERE j.value = $1
  OR (j.value = '*' AND api_keys.workspace_id = (SELECT workspace_id FROM weddings WHERE id = $1)))`;

const n = async (s: Scope, sql: string, v: string) => Number((await s.client.query<{ n: string }>(sql, [s.weddingId, v])).rows[0]!.n);
const run = (s: Scope, sql: string, args: unknown[]) => s.client.query(sql, [s.weddingId, ...args]);

/** The SQL of each row kind on PostgreSQL: the same decisions as SQLITE_VENDOR_ROWS (tests/people/vendor-rows-backends.test.ts). */
const POSTGRES_VENDOR_ROWS: Readonly<Record<VendorRowKind, RowHandler>> = {
  participants: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM participants WHERE wedding_id = $1 AND vendor_id = $2', v),
    async move(s, from, to) {
      // A vendor workspace bound to both keeps its binding to `to`.
      await run(s, `DELETE FROM participants WHERE wedding_id = $1 AND vendor_id = $2 AND vendor_workspace_id IS NOT NULL
        AND vendor_workspace_id IN (SELECT vendor_workspace_id FROM participants WHERE wedding_id = $1 AND vendor_id = $3 AND vendor_workspace_id IS NOT NULL)`, [from, to]);
      await run(s, 'UPDATE participants SET vendor_id = $3 WHERE wedding_id = $1 AND vendor_id = $2', [from, to]);
    },
    async remove(s, v) { await run(s, 'DELETE FROM participants WHERE wedding_id = $1 AND vendor_id = $2', [v]); },
  },
  invitations: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM invitations WHERE wedding_id = $1 AND vendor_id = $2 AND revoked_at IS NULL', v),
    async move(s, from, to) { await run(s, 'UPDATE invitations SET vendor_id = $3 WHERE wedding_id = $1 AND vendor_id = $2', [from, to]); },
    async remove(s, v) { await run(s, 'UPDATE invitations SET revoked_at = $3 WHERE wedding_id = $1 AND vendor_id = $2 AND revoked_at IS NULL', [v, s.now]); },
  },
  calendarFeeds: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM calendar_feeds WHERE wedding_id = $1 AND vendor_id = $2 AND revoked_at IS NULL', v),
    async move(s, from, to) { await run(s, 'UPDATE calendar_feeds SET vendor_id = $3 WHERE wedding_id = $1 AND vendor_id = $2', [from, to]); },
    async remove(s, v) {
      await run(s, 'UPDATE calendar_feeds SET revoked_at = $3 WHERE wedding_id = $1 AND vendor_id = $2 AND revoked_at IS NULL', [v, new Date(s.now).toISOString()]);
    },
  },
  bookings: {
    // Ids are stored as PostgresBookingIndex stores them (opaqueText).
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM vendor_bookings WHERE wedding_id = $1 AND vendor_id = $2', opaqueText(v)),
    async move(s, from, to) {
      // A booking of both on one event is one booking: `from`'s, as SQLite's UPDATE OR REPLACE keeps.
      await run(s, `DELETE FROM vendor_bookings k WHERE k.wedding_id = $1 AND k.vendor_id = $3
        AND EXISTS (SELECT 1 FROM vendor_bookings f WHERE f.wedding_id = $1 AND f.event_id = k.event_id AND f.vendor_id = $2)`, [opaqueText(from), opaqueText(to)]);
      await run(s, 'UPDATE vendor_bookings SET vendor_id = $3 WHERE wedding_id = $1 AND vendor_id = $2', [opaqueText(from), opaqueText(to)]);
    },
    async remove(s, v) { await run(s, 'DELETE FROM vendor_bookings WHERE wedding_id = $1 AND vendor_id = $2', [opaqueText(v)]); },
  },
  busyBlocks: {
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM calendar_busy WHERE vendor_id = $2 AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = $1)', v),
    async move(s, from, to) {
      await run(s, 'UPDATE calendar_busy SET vendor_id = $3 WHERE vendor_id = $2 AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = $1)', [from, to]);
    },
    async remove(s, v) { await run(s, 'DELETE FROM calendar_busy WHERE vendor_id = $2 AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = $1)', [v]); },
  },
  connectionBindings: {
    count: (s, v) => n(s, `SELECT COUNT(*) AS n FROM integrations i WHERE ${ACTS_FOR}`, v),
    async move(s, from, to) {
      // A binding acting for `from` through its connection's setting gets its own (other weddings of a shared connection keep theirs).
      await run(s, `UPDATE integrations i SET configuration = (i.configuration::jsonb || jsonb_build_object('vendorId', $3::text))::text
        WHERE i.wedding_id = $1 AND (${VENDOR_SETTING('i.configuration')} = to_jsonb($2::text) OR ((i.configuration::jsonb ->> 'vendorId') IS NULL
          AND (SELECT ${VENDOR_SETTING('c.configuration')} FROM connections c WHERE c.id = i.connection_id) = to_jsonb($2::text)))`, [from, to]);
      await run(s, 'UPDATE integrations SET vendor_id = $3 WHERE wedding_id = $1 AND vendor_id = $2', [from, to]);
      await run(s, 'UPDATE integrations SET connector_vendor_id = $3 WHERE wedding_id = $1 AND connector_vendor_id = $2', [from, to]);
      // A connection made from this wedding alone (its id is its binding's) carries the connector too.
      await run(s, `UPDATE connections SET connector_vendor_id = $3 WHERE connector_vendor_id = $2
        AND id IN (SELECT id FROM integrations WHERE wedding_id = $1 AND connection_id = integrations.id)`, [from, to]);
    },
    async remove() { /* unbound by the caller, asynchronously (vendor-dependants.ts) */ },
  },
  apiKeys: {
    count: (s, v) => n(s, `SELECT COUNT(*) AS n FROM api_keys WHERE ${KEY_OPENS}`, v),
    async move(s, from, to) {
      // Vendor ids are per wedding: a key that also opens other weddings would change meaning there.
      await run(s, `UPDATE api_keys SET vendor_id = $3 WHERE vendor_id = $2 AND revoked_at IS NULL
        AND weddings = json_build_array($1::text)::text`, [from, to]);
    },
    async remove(s, v) {
      // Written as SQLite's json_group_array writes it (no spaces), so both backends hold the same text.
      await run(s, `UPDATE api_keys SET weddings = (SELECT '[' || COALESCE(string_agg(to_json(j.value)::text, ',' ORDER BY j.ord), '') || ']'
          FROM jsonb_array_elements_text(api_keys.weddings::jsonb) WITH ORDINALITY j(value, ord) WHERE j.value <> $1)
        WHERE ${KEY_OPENS} AND jsonb_array_length(weddings::jsonb) > 1
          AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(api_keys.weddings::jsonb) j(value) WHERE j.value = '*')`, [v]);
      const revoked = await run(s, `UPDATE api_keys SET revoked_at = $3 WHERE ${KEY_OPENS} RETURNING id`, [v, s.now]);
      return revoked.rows.map((r: { id: string }) => r.id).sort();
    },
  },
};

/**
 * A vendor's dependant rows on PostgreSQL (the tables of migrations 009, 010, 012, 014, 019, 021,
 * 022). `survey` reads on any client; `move` and `remove` run their statements on `client`, which
 * the caller holds in a transaction (a joined write of the document change, VendorBindings), so
 * every kind commits together or not at all. Rejects with the pg error.
 */
export interface PostgresVendorRows {
  survey(weddingId: string, vendorId: string, client?: Queryable): Promise<VendorRowsSurvey>;
  move(client: pg.ClientBase, weddingId: string, fromId: string, toId: string, now: number): Promise<void>;
  /** Resolves with the ids of the API keys it revoked (sorted), to announce once committed. */
  remove(client: pg.ClientBase, weddingId: string, vendorId: string, now: number): Promise<string[]>;
}

export function postgresVendorRows(pool: pg.Pool): PostgresVendorRows {
  return {
    async survey(weddingId, vendorId, client = pool) {
      const s: Scope = { client, weddingId, now: 0 };
      const counts = {} as VendorRowCounts;
      for (const k of VENDOR_ROW_KINDS) counts[k] = await POSTGRES_VENDOR_ROWS[k].count(s, vendorId);
      const people = (await client.query<VendorPerson>(`SELECT p.id, p.email FROM participants x JOIN people p ON p.id = x.person_id
        WHERE x.wedding_id = $1 AND x.vendor_id = $2
          AND NOT EXISTS (SELECT 1 FROM participants o WHERE o.wedding_id = $1 AND o.person_id = p.id AND (o.vendor_id IS NULL OR o.vendor_id <> $2))
          AND NOT EXISTS (SELECT 1 FROM weddings w JOIN workspace_members m ON m.workspace_id = w.workspace_id WHERE w.id = $1 AND m.person_id = p.id)
        ORDER BY p.id COLLATE "C"`, [weddingId, vendorId])).rows;
      const bindings = (await client.query<BindingToUnbind>(`SELECT i.id AS "integrationId", i.connection_id AS "connectionId" FROM integrations i
        WHERE ${ACTS_FOR} ORDER BY i.id COLLATE "C"`, [weddingId, vendorId])).rows;
      return { counts, people, bindings };
    },
    async move(client, weddingId, fromId, toId, now) {
      const s: Scope = { client, weddingId, now };
      for (const k of VENDOR_ROW_KINDS) await POSTGRES_VENDOR_ROWS[k].move(s, fromId, toId);
    },
    async remove(client, weddingId, vendorId, now) {
      const s: Scope = { client, weddingId, now };
      const revoked: string[] = [];
      for (const k of VENDOR_ROW_KINDS) revoked.push(...(await POSTGRES_VENDOR_ROWS[k].remove(s, vendorId)) ?? []);
      return revoked;
    },
  };
}
