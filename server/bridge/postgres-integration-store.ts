import type pg from 'pg';
import { inTransaction } from '../storage/postgres/pool.ts';
import {
  CONNECTION_COLUMNS, connectionOf, connectionPart, integrationOf, mergedReferences, newBindingRow, storableFields,
  type BindingFields, type BindingRow,
} from './connection-rows.ts';
import type { Connection } from './connection-store.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import {
  bindRefusal, standaloneBinding, standaloneConnection,
  type BindRules, type Integration, type IntegrationRecords, type NewBinding, type NewStandalone,
} from './integration-store.ts';
import { deleteBindingRows, PostgresConnectionStore } from './postgres-connection-store.ts';

type Queryable = pg.Pool | pg.ClientBase;

/** A binding's own columns; `breaker_until` (bigint) read as a number. */
const BINDING_COLUMNS = ['id', 'wedding_id', 'system', 'category', 'vendor_id', 'status', 'run_mode', 'credentials_enc', 'webhook_secret_enc', 'configuration',
  'capabilities', 'cursor', 'created_at', 'created_by', 'last_sync_at', 'last_success_at', 'last_error_at', 'last_error', 'breaker_state', 'consecutive_failures',
  'adapter_state', 'connector_sub', 'connector_role', 'connector_vendor_id', 'connection_id', 'claims_unmatched', 'on_unbind', 'external_refs'];
const SELECT = `SELECT ${BINDING_COLUMNS.map((k) => `i.${k}`).join(', ')}, i.breaker_until::double precision AS breaker_until,
  ${CONNECTION_COLUMNS.map((k) => `c.${k} AS c_${k}`).join(', ')} FROM integrations i JOIN connections c ON c.id = i.connection_id`;
const ORDER = 'ORDER BY i.created_at COLLATE "C", i.id COLLATE "C"';

/** The updatable columns that are not text (updateAll casts its text parameters to them). */
const COLUMN_TYPES: Record<string, string> = { breaker_until: 'bigint', consecutive_failures: 'integer' };
const UPDATABLE = new Set(['status', 'last_sync_at', 'last_success_at', 'last_error_at', 'last_error', 'breaker_state', 'breaker_until', 'consecutive_failures', 'adapter_state']);

/**
 * Bindings on PostgreSQL (schema/migrations/postgres/019_connections.sql), each read joined with its
 * connection, shared by every instance: the contract of IntegrationRecords, as SQLite keeps it.
 * Statements reject with the pg error (`23505` for a second binding of one connection to one
 * wedding, `23503` for an unknown connection).
 */
export class PostgresIntegrationStore implements IntegrationRecords {
  readonly connections: PostgresConnectionStore;

  constructor(private readonly pool: pg.Pool, private readonly cipher: CredentialCipher) {
    this.connections = new PostgresConnectionStore(pool, cipher);
  }

  private async select(where: string, params: unknown[], client: Queryable = this.pool): Promise<Integration[]> {
    const { rows } = await client.query(`${SELECT} ${where}`, params);
    // One decrypted Connection per connection in a listing, shared by its bindings.
    const connections = new Map<string, Connection>();
    return (rows as Record<string, unknown>[]).map((r) => {
      const row = r as unknown as BindingRow;
      let connection = connections.get(row.connection_id);
      if (!connection) connections.set(row.connection_id, (connection = connectionOf(connectionPart(r), this.cipher)));
      return integrationOf(row, connection);
    });
  }

  async create(i: NewBinding, client: Queryable = this.pool): Promise<Integration> {
    const r = newBindingRow(i, new Date().toISOString());
    await client.query(`INSERT INTO integrations (id, wedding_id, system, category, vendor_id, status, run_mode, credentials_enc, webhook_secret_enc, configuration,
      capabilities, created_at, created_by, updated_at, connector_sub, connector_role, connector_vendor_id, connection_id, claims_unmatched, on_unbind, external_refs)
      VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, $12, $11, $13, $14, $15, $16, $17, $18, $19)`,
    [r.id, r.wedding_id, r.system, r.category, r.vendor_id, r.run_mode, r.credentials_enc, r.webhook_secret_enc, r.configuration, r.capabilities, r.now, r.created_by,
      r.connector_sub, r.connector_role, r.connector_vendor_id, r.connection_id, r.claims_unmatched, r.on_unbind, r.external_refs]);
    return (await this.select('WHERE i.id = $1', [i.id], client))[0]!;
  }

  /** IntegrationRecords.bind: the connection's row is locked, so binds through several instances are checked one after the other. */
  bind(i: NewBinding, rules: BindRules): Promise<Integration> {
    return inTransaction(this.pool, async (client) => {
      // NO KEY UPDATE: binds run one after the other without holding up the receipts and bindings whose foreign keys share-lock the row.
      await client.query('SELECT 1 FROM connections WHERE id = $1 FOR NO KEY UPDATE', [i.connectionId]);
      const { rows } = await client.query<{ weddingId: string; claimsUnmatched: boolean }>(
        'SELECT wedding_id AS "weddingId", claims_unmatched = 1 AS "claimsUnmatched" FROM integrations WHERE connection_id = $1', [i.connectionId]);
      const refused = bindRefusal(rows, i, rules);
      if (refused) throw refused;
      return this.create(i, client);
    });
  }

  createStandalone(i: NewStandalone): Promise<Integration> {
    return inTransaction(this.pool, async (client) => {
      await this.connections.create(standaloneConnection(i), client);
      return this.create(standaloneBinding(i), client);
    });
  }

  listForConnection(connectionId: string): Promise<Integration[]> {
    return this.select(`WHERE i.connection_id = $1 ${ORDER}`, [connectionId]);
  }

  async get(id: string): Promise<Integration | undefined> {
    return (await this.select('WHERE i.id = $1', [id]))[0];
  }

  listForWedding(weddingId: string): Promise<Integration[]> {
    return this.select(`WHERE i.wedding_id = $1 ${ORDER}`, [weddingId]);
  }

  listActive(): Promise<Integration[]> {
    return this.select(`WHERE i.status = 'active' AND c.status IN ('active', 'needs_attention') ${ORDER}`, []);
  }

  async replaceOverrides(id: string, overrides: Record<string, unknown>): Promise<void> {
    await this.pool.query('UPDATE integrations SET configuration = $1, updated_at = $2 WHERE id = $3', [JSON.stringify(overrides), new Date().toISOString(), id]);
  }

  async setVendor(id: string, vendorId: string | null, overrides: Record<string, unknown>): Promise<void> {
    await this.pool.query('UPDATE integrations SET vendor_id = $1, configuration = $2, updated_at = $3 WHERE id = $4', [vendorId, JSON.stringify(overrides), new Date().toISOString(), id]);
  }

  /** Read and written under the row's lock, so references added through two instances at once are all kept. */
  addReferences(id: string, references: string[]): Promise<string[]> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ external_refs: string }>('SELECT external_refs FROM integrations WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return [];
      const next = mergedReferences(rows[0].external_refs, references);
      await client.query('UPDATE integrations SET external_refs = $1, updated_at = $2 WHERE id = $3', [JSON.stringify(next), new Date().toISOString(), id]);
      return next;
    });
  }

  /** Deletes the binding and its links, inbox and outbox rows, in one transaction. */
  remove(id: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await deleteBindingRows(client, [id]);
      return ((await client.query('DELETE FROM integrations WHERE id = $1', [id])).rowCount ?? 0) > 0;
    });
  }

  /** As on SQLite; on `client` when given (a transaction of the caller's), else both statements in one transaction. */
  async update(id: string, fields: BindingFields, client?: pg.ClientBase): Promise<void> {
    const { cursor, ...rest } = storableFields(fields) as BindingFields;
    const keys = Object.keys(rest).sort();
    for (const k of keys) if (!UPDATABLE.has(k)) throw new TypeError(`integrations has no updatable column ${k}`);
    const values = rest as Record<string, unknown>;
    const now = new Date().toISOString();
    const statements: [string, unknown[]][] = [];
    if ('cursor' in fields) statements.push(['UPDATE connections SET cursor = $1 WHERE id = (SELECT connection_id FROM integrations WHERE id = $2)', [cursor ?? null, id]]);
    if (keys.length > 0) {
      statements.push([`UPDATE integrations SET ${keys.map((k, i) => `${k} = $${i + 1}`).join(', ')}, updated_at = $${keys.length + 1} WHERE id = $${keys.length + 2}`,
        [...keys.map((k) => values[k]), now, id]]);
    }
    if (client) for (const [sql, params] of statements) await client.query(sql, params);
    else if (statements.length === 1) await this.pool.query(statements[0]![0], statements[0]![1]);
    else if (statements.length === 2) await inTransaction(this.pool, async (client) => { for (const [sql, params] of statements) await client.query(sql, params); });
  }

  /**
   * `update` of several bindings in order, on `client`: a run of entries for different bindings
   * that set the same columns (the inbox slices of a group each setting their binding's sync times)
   * is one statement; a cursor, or a binding already in the run, ends it.
   */
  async updateAll(entries: readonly (readonly [id: string, fields: BindingFields])[], client: pg.ClientBase): Promise<void> {
    let run: (readonly [string, BindingFields])[] = [];
    const flushRun = async () => {
      if (run.length === 1) await this.update(run[0]![0], run[0]![1], client);
      else if (run.length > 1) {
        const keys = Object.keys(run[0]![1]).sort();
        const rows = run.map(([id, fields]) => [id, storableFields(fields) as Record<string, unknown>] as const);
        const column = (k: string) => rows.map(([, f]) => (f[k] === null || f[k] === undefined ? null : String(f[k])));
        await client.query(`UPDATE integrations SET ${keys.map((k) => `${k} = v.${k}::${COLUMN_TYPES[k] ?? 'text'}`).join(', ')}, updated_at = $1
          FROM unnest($2::text[], ${keys.map((_, i) => `$${i + 3}::text[]`).join(', ')}) AS v(id, ${keys.join(', ')}) WHERE integrations.id = v.id`,
        [new Date().toISOString(), rows.map(([id]) => id), ...keys.map(column)]);
      }
      run = [];
    };
    const signature = (fields: BindingFields) => Object.keys(fields).sort().join(',');
    for (const entry of entries) {
      const [id, fields] = entry;
      const keys = Object.keys(fields);
      const joins = run.length > 0 && signature(fields) === signature(run[0]![1]) && !run.some(([other]) => other === id);
      if (!joins) await flushRun();
      if ('cursor' in fields || keys.length === 0 || keys.some((k) => !UPDATABLE.has(k))) await this.update(id, fields, client);
      else run.push(entry);
    }
    await flushRun();
  }
}
