import type pg from 'pg';
import type { TestedRemote } from '../../adapters/core/index.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import { opaqueText, openedText } from '../storage/storable-text.ts';
import {
  connectionOf, newConnectionRow, remoteColumns, sealedSettings, storableFields,
  type ConnectionFields, type ConnectionRow, type SettingsReplacement,
} from './connection-rows.ts';
import type { Connection, ConnectionRecords, NewConnection } from './connection-store.ts';
import type { CredentialCipher } from './credential-cipher.ts';

type Queryable = pg.Pool | pg.ClientBase;

/** The columns `update` may name (snake_case, as in the table): never input, checked before use. */
const UPDATABLE = new Set(['status', 'cursor', 'adapter_state', 'label', 'auto_create_weddings', 'auto_match_confidence', 'last_sync_at', 'last_error_at', 'last_error']);

/**
 * Deletes what is keyed by the given bindings and has no foreign key to them on PostgreSQL yet
 * (migration 019): their links, inbox and outbox rows. Run in the transaction that deletes them.
 */
export async function deleteBindingRows(client: pg.ClientBase, bindingIds: string[]): Promise<void> {
  if (bindingIds.length === 0) return;
  for (const table of ['links', 'inbox', 'outbox']) await client.query(`DELETE FROM ${table} WHERE integration_id = ANY($1::text[])`, [bindingIds]);
}

/**
 * Connections on PostgreSQL (schema/migrations/postgres/019_connections.sql), shared by every
 * instance: the contract of ConnectionRecords, as SQLite keeps it. Statements reject with the pg
 * error (`23505` for an id taken, `23503` for an unknown workspace).
 */
export class PostgresConnectionStore implements ConnectionRecords {
  constructor(private readonly pool: pg.Pool, private readonly cipher: CredentialCipher) {}

  async create(c: NewConnection, client: Queryable = this.pool): Promise<Connection> {
    const r = newConnectionRow(c, this.cipher, new Date().toISOString());
    const { rows } = await client.query<ConnectionRow>(`INSERT INTO connections (id, workspace_id, system, category, label, status, run_mode, credentials_enc,
      webhook_secret_enc, configuration, capabilities, auto_create_weddings, auto_match_confidence, created_at, created_by, updated_at, connector_sub, connector_role,
      connector_vendor_id, remote_id, remote_name)
      VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $15, $16, $17, $18, $19) RETURNING *`,
    [r.id, r.workspace_id, r.system, r.category, r.label, r.run_mode, r.credentials_enc, r.webhook_secret_enc, r.configuration, r.capabilities,
      r.auto_create_weddings, r.auto_match_confidence, r.now, r.created_by, r.connector_sub, r.connector_role, r.connector_vendor_id, r.remote_id, r.remote_name]);
    return connectionOf(rows[0]!, this.cipher);
  }

  async cursor(id: string): Promise<string | null | undefined> {
    const { rows } = await this.pool.query<{ cursor: string | null }>('SELECT cursor FROM connections WHERE id = $1', [id]);
    const cursor = rows[0]?.cursor;
    return typeof cursor === 'string' ? openedText(cursor) : cursor;
  }

  async get(id: string): Promise<Connection | undefined> {
    const { rows } = await this.pool.query<ConnectionRow>('SELECT * FROM connections WHERE id = $1', [id]);
    return rows[0] ? connectionOf(rows[0], this.cipher) : undefined;
  }

  async runnable(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM connections WHERE status IN ('active', 'needs_attention') AND run_mode = 'in_process' ORDER BY created_at COLLATE "C", id COLLATE "C"`);
    return rows.map((r) => r.id);
  }

  async listForWorkspace(workspaceId: string): Promise<Connection[]> {
    const { rows } = await this.pool.query<ConnectionRow>('SELECT * FROM connections WHERE workspace_id = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"', [workspaceId]);
    return rows.map((r) => connectionOf(r, this.cipher));
  }

  async replaceSettings(id: string, s: SettingsReplacement): Promise<void> {
    const sealed = sealedSettings(id, s, this.cipher);
    await this.pool.query('UPDATE connections SET credentials_enc = $1, configuration = $2, capabilities = $3, updated_at = $4, webhook_secret_enc = coalesce($6, webhook_secret_enc), remote_name = CASE WHEN $7::text IS NULL THEN remote_name ELSE $8 END, remote_id = coalesce($7, remote_id) WHERE id = $5',
      [sealed.credentials_enc, sealed.configuration, sealed.capabilities, new Date().toISOString(), id, sealed.webhook_secret_enc, sealed.remote_id, sealed.remote_name]);
  }

  async replaceCredentials(id: string, credentials: Record<string, unknown>): Promise<void> {
    await this.pool.query('UPDATE connections SET credentials_enc = $1, updated_at = $2 WHERE id = $3', [this.cipher.encrypt(JSON.stringify(credentials), id), new Date().toISOString(), id]);
  }

  /** Deletes the connection, its bindings and receipts (ON DELETE CASCADE) and its bindings' links, inbox and outbox rows, in one transaction. */
  async remove(id: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      // The connection's row first: a binding being added to it (its foreign key takes KEY SHARE on
      // that row) commits before, or waits and then fails; so the list below is complete.
      await client.query('SELECT 1 FROM connections WHERE id = $1 FOR UPDATE', [id]);
      const bindings = await client.query<{ id: string }>('SELECT id FROM integrations WHERE connection_id = $1 FOR UPDATE', [id]);
      await deleteBindingRows(client, bindings.rows.map((b) => b.id));
      return ((await client.query('DELETE FROM connections WHERE id = $1', [id])).rowCount ?? 0) > 0;
    });
  }

  async update(id: string, fields: ConnectionFields): Promise<void> {
    const keys = Object.keys(fields).sort();
    if (keys.length === 0) return;
    for (const k of keys) if (!UPDATABLE.has(k)) throw new TypeError(`connections has no updatable column ${k}`);
    const values = storableFields(fields) as Record<string, unknown>;
    await this.pool.query(`UPDATE connections SET ${keys.map((k, i) => `${k} = $${i + 1}`).join(', ')}, updated_at = $${keys.length + 1} WHERE id = $${keys.length + 2}`,
      [...keys.map((k) => values[k]), new Date().toISOString(), id]);
  }

  async receipt(connectionId: string, eventId: string, at: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('INSERT INTO connection_receipts (connection_id, event_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [connectionId, opaqueText(eventId), at]);
    return (rowCount ?? 0) > 0;
  }

  async nameRemote(id: string, remote: TestedRemote): Promise<boolean> {
    const { remote_id, remote_name } = remoteColumns(remote);
    const { rowCount } = await this.pool.query('UPDATE connections SET remote_id = $1, remote_name = $2, updated_at = $3 WHERE id = $4 AND remote_id IS NULL',
      [remote_id, remote_name, new Date().toISOString(), id]);
    return (rowCount ?? 0) > 0;
  }
}
