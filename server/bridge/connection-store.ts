import type { SystemCategory } from '../../schema/index.ts';
import type { SecretValue, TestedRemote } from '../../adapters/core/index.ts';
import type { Connector } from '../auth/inbound-rights.ts';
import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';
import { opaqueText, openedText } from '../storage/storable-text.ts';
import {
  connectionOf, newConnectionRow, remoteColumns, sealedSettings, storableFields,
  type ConnectionFields, type ConnectionRow, type SettingsReplacement,
} from './connection-rows.ts';
import type { CredentialCipher } from './credential-cipher.ts';

export const CONNECTION_STATUSES = ['active', 'disabled', 'error', 'needs_attention'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/**
 * One external account, connected once (docs/connections.md): the credentials, the webhook
 * endpoint's secret, the adapter's account-level configuration and state (watch channels,
 * registered endpoints) and the pull cursor. Decrypted here; never serialized to clients.
 */
export interface Connection {
  id: string;
  /** The workspace that owns it; null for an operator's connection (a wedding with no workspace). */
  workspaceId: string | null;
  system: string;
  category: SystemCategory;
  label: string;
  status: ConnectionStatus;
  runMode: 'in_process' | 'external';
  credentials: Record<string, unknown>;
  webhookSecret: string;
  /** Plain, secrets included: for the adapter only. */
  configuration: Record<string, unknown>;
  /** Secrets as `{ "set": true }`, secret URLs redacted. */
  configurationView: Record<string, unknown>;
  capabilities: string[];
  cursor: string | null;
  adapterState: Record<string, unknown>;
  /** Unmatched records naming a couple and a date become weddings of the workspace. */
  autoCreateWeddings: boolean;
  /** Matching-rule proposals at or above this (0..1) are routed without asking. */
  autoMatchConfidence: number;
  createdAt: string;
  createdBy: string;
  connector: Connector;
  lastSyncAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  /**
   * The object in the external system it syncs with, as its connection test found it
   * (TestedRemote.remoteId); null when the system names none or the connection predates it. Unique
   * per workspace and system: a second connection of the same calendar or account is refused
   * (`already_connected`, same-remote.ts).
   */
  remoteId: string | null;
  /** How a person knows that object (a calendar's name; TestedRemote.remoteName); null when not given. */
  remoteName: string | null;
  /**
   * Set (to why) when the row's sealed values do not open under the server's key: `credentials` are
   * then `{}`, `webhookSecret` '', `configuration` the view without secrets, and `status` 'error'.
   * Such a connection is listed, shown and can be disconnected; nothing runs or probes with it
   * (ConnectionRuntime and ConnectionsService refuse it: assertReadable, 409 `connection_unreadable`).
   */
  unreadable?: string;
}

export interface NewConnection {
  id: string;
  workspaceId: string | null;
  system: string;
  category: SystemCategory;
  label?: string;
  runMode?: Connection['runMode'];
  credentials: Record<string, unknown>;
  webhookSecret: string;
  configuration: Record<string, unknown>;
  configurationSecrets: SecretValue[];
  capabilities: string[];
  createdBy: string;
  connector: Connector;
  autoCreateWeddings?: boolean;
  autoMatchConfidence?: number;
  /** What its connection test reached. */
  remote?: TestedRemote;
}

/**
 * Connections on either backend (schema/migrations/020_connections.sql; on PostgreSQL
 * postgres/019_connections.sql): sqliteConnectionRecords (over ConnectionStore) and PostgresConnectionStore, with one
 * contract (tests/bridge/connection-store-backends.test.ts). Credentials, webhook secrets and the
 * secret values of configurations are AES-256-GCM encrypted, bound to the connection id; reads
 * decrypt them. Listings are oldest first, ties by id (by code point). Display text (a label, an
 * error message) is stored as both engines can hold it (U+0000 and lone surrogates as U+FFFD); a
 * cursor and a webhook event id exactly (opaqueText).
 */
export interface ConnectionRecords {
  create(c: NewConnection): Promise<Connection>;
  /** The connection's stored cursor (null: none yet; undefined: no such connection), without decrypting anything. */
  cursor(id: string): Promise<string | null | undefined>;
  get(id: string): Promise<Connection | undefined>;
  listForWorkspace(workspaceId: string): Promise<Connection[]>;
  /** Ids of the connections this server runs at start-up (in process, active or needing attention), oldest first. */
  runnable(): Promise<string[]>;
  /** Replaces credentials and configuration (sealing as on create), and the webhook secret when one is given. */
  replaceSettings(id: string, s: SettingsReplacement): Promise<void>;
  /** Replaces only the credentials (a rotated refresh token), sealed as on create. */
  replaceCredentials(id: string, credentials: Record<string, unknown>): Promise<void>;
  /** Deletes the connection with its bindings and what is keyed by them (links, inbox, outbox, unmatched records); false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Updates the given columns (snake_case names as in the table). */
  update(id: string, fields: ConnectionFields): Promise<void>;
  /** Records a delivery's event id (`at` in ms since the epoch); false when the connection already received it (a retried webhook). */
  receipt(connectionId: string, eventId: string, at: number): Promise<boolean>;
  /**
   * Stores the remote of a connection that names none yet (remote-backfill.ts); false when it names
   * one already (a settings change stored it meanwhile, which is newer) or is gone.
   */
  nameRemote(id: string, remote: TestedRemote): Promise<boolean>;
}

/** Connection rows on SQLite, synchronous (the server's bridge); sqliteConnectionRecords gives ConnectionRecords over it. */
export class ConnectionStore {
  private readonly byId;
  private readonly byWorkspace;
  private readonly insertRow;
  private readonly updates = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db, private readonly cipher: CredentialCipher) {
    this.byId = db.prepare('SELECT * FROM connections WHERE id = ?');
    this.byWorkspace = db.prepare('SELECT * FROM connections WHERE workspace_id = ? ORDER BY created_at, id');
    this.insertRow = db.prepare(`INSERT INTO connections (id, workspace_id, system, category, label, status, run_mode, credentials_enc, webhook_secret_enc,
      configuration, capabilities, auto_create_weddings, auto_match_confidence, created_at, created_by, updated_at, connector_sub, connector_role, connector_vendor_id, remote_id, remote_name)
      VALUES (@id, @workspace_id, @system, @category, @label, 'active', @run_mode, @credentials_enc, @webhook_secret_enc, @configuration, @capabilities,
      @auto_create_weddings, @auto_match_confidence, @now, @created_by, @now, @connector_sub, @connector_role, @connector_vendor_id, @remote_id, @remote_name)`);
  }

  /** Decrypts a row (also used by IntegrationStore, which reads bindings joined with their connection). */
  toConnection(r: ConnectionRow): Connection {
    return connectionOf(r, this.cipher);
  }

  create(c: NewConnection): Connection {
    this.insertRow.run(newConnectionRow(c, this.cipher, new Date().toISOString()));
    return this.get(c.id)!;
  }

  runnable(): string[] {
    return this.db.prepare("SELECT id FROM connections WHERE status IN ('active', 'needs_attention') AND run_mode = 'in_process' ORDER BY created_at, id").pluck().all() as string[];
  }

  cursor(id: string): string | null | undefined {
    const cursor = this.db.prepare('SELECT cursor FROM connections WHERE id = ?').pluck().get(id) as string | null | undefined;
    return typeof cursor === 'string' ? openedText(cursor) : cursor;
  }

  get(id: string): Connection | undefined {
    const r = this.byId.get(id) as ConnectionRow | undefined;
    return r ? this.toConnection(r) : undefined;
  }

  listForWorkspace(workspaceId: string): Connection[] {
    return (this.byWorkspace.all(workspaceId) as ConnectionRow[]).map((r) => this.toConnection(r));
  }

  replaceSettings(id: string, s: SettingsReplacement): void {
    const sealed = sealedSettings(id, s, this.cipher);
    this.db.prepare('UPDATE connections SET credentials_enc = ?, configuration = ?, capabilities = ?, updated_at = ?, webhook_secret_enc = coalesce(?, webhook_secret_enc), remote_name = iif(? IS NULL, remote_name, ?), remote_id = coalesce(?, remote_id) WHERE id = ?').run(
      sealed.credentials_enc, sealed.configuration, sealed.capabilities, new Date().toISOString(), sealed.webhook_secret_enc, sealed.remote_id, sealed.remote_name, sealed.remote_id, id,
    );
  }

  replaceCredentials(id: string, credentials: Record<string, unknown>): void {
    this.db.prepare('UPDATE connections SET credentials_enc = ?, updated_at = ? WHERE id = ?').run(this.cipher.encrypt(JSON.stringify(credentials), id), new Date().toISOString(), id);
  }

  /** Deletes the connection; its bindings, their links, inbox, outbox rows and its unmatched records go with it (ON DELETE CASCADE). */
  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM connections WHERE id = ?').run(id).changes > 0;
  }

  update(id: string, fields: ConnectionFields): void {
    const keys = Object.keys(fields).sort();
    if (keys.length === 0) return;
    const shape = keys.join(',');
    let stmt = this.updates.get(shape);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE connections SET ${keys.map((k) => `${k} = @${k}`).join(', ')}, updated_at = @updated_at WHERE id = @id`);
      this.updates.set(shape, stmt);
    }
    stmt.run({ ...storableFields(fields), id, updated_at: new Date().toISOString() });
  }

  receipt(connectionId: string, eventId: string, at: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO connection_receipts (connection_id, event_id, received_at) VALUES (?, ?, ?)').run(connectionId, opaqueText(eventId), at).changes > 0;
  }

  nameRemote(id: string, remote: TestedRemote): boolean {
    const { remote_id, remote_name } = remoteColumns(remote);
    return this.db.prepare('UPDATE connections SET remote_id = ?, remote_name = ?, updated_at = ? WHERE id = ? AND remote_id IS NULL').run(remote_id, remote_name, new Date().toISOString(), id).changes > 0;
  }
}

const CONNECTION_METHODS = ['create', 'cursor', 'get', 'listForWorkspace', 'runnable', 'replaceSettings', 'replaceCredentials', 'remove', 'update', 'receipt', 'nameRemote'] as const;

/** ConnectionRecords over a SQLite ConnectionStore. */
export function sqliteConnectionRecords(store: ConnectionStore): ConnectionRecords {
  return resolving(store, CONNECTION_METHODS);
}
