import type { SystemCategory } from '../../schema/index.ts';
import type { SecretValue } from '../../adapters/core/index.ts';
import type { Connector } from '../auth/inbound-rights.ts';
import type { Db } from '../storage/database.ts';
import { configurationView, openConfiguration, sealConfiguration } from './configuration-secrets.ts';
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
}

export interface ConnectionRow {
  id: string; workspace_id: string | null; system: string; category: string; label: string; status: ConnectionStatus; run_mode: 'in_process' | 'external';
  credentials_enc: string; webhook_secret_enc: string; configuration: string; capabilities: string; cursor: string | null; adapter_state: string;
  auto_create_weddings: number; auto_match_confidence: number; created_at: string; created_by: string;
  connector_sub: string | null; connector_role: Connector['role'] | null; connector_vendor_id: string | null;
  last_sync_at: string | null; last_error_at: string | null; last_error: string | null;
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
}

/** Connection rows; credentials, webhook secrets and secret configuration values AES-256-GCM encrypted, bound to the connection id. */
export class ConnectionStore {
  private readonly byId;
  private readonly byWorkspace;
  private readonly insertRow;
  private readonly updates = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db, private readonly cipher: CredentialCipher) {
    this.byId = db.prepare('SELECT * FROM connections WHERE id = ?');
    this.byWorkspace = db.prepare('SELECT * FROM connections WHERE workspace_id = ? ORDER BY created_at, id');
    this.insertRow = db.prepare(`INSERT INTO connections (id, workspace_id, system, category, label, status, run_mode, credentials_enc, webhook_secret_enc,
      configuration, capabilities, auto_create_weddings, auto_match_confidence, created_at, created_by, updated_at, connector_sub, connector_role, connector_vendor_id)
      VALUES (@id, @workspace_id, @system, @category, @label, 'active', @run_mode, @credentials_enc, @webhook_secret_enc, @configuration, @capabilities,
      @auto_create_weddings, @auto_match_confidence, @now, @created_by, @now, @connector_sub, @connector_role, @connector_vendor_id)`);
  }

  /** Decrypts a row (also used by IntegrationStore, which reads bindings joined with their connection). */
  toConnection(r: ConnectionRow): Connection {
    const stored = JSON.parse(r.configuration) as Record<string, unknown>;
    return {
      id: r.id, workspaceId: r.workspace_id, system: r.system, category: r.category as SystemCategory, label: r.label, status: r.status, runMode: r.run_mode,
      credentials: JSON.parse(this.cipher.decrypt(r.credentials_enc, r.id)) as Record<string, unknown>,
      webhookSecret: this.cipher.decrypt(r.webhook_secret_enc, r.id),
      configuration: openConfiguration(stored, this.cipher, r.id),
      configurationView: configurationView(stored),
      capabilities: JSON.parse(r.capabilities) as string[],
      cursor: r.cursor, adapterState: JSON.parse(r.adapter_state) as Record<string, unknown>,
      autoCreateWeddings: r.auto_create_weddings === 1, autoMatchConfidence: r.auto_match_confidence,
      createdAt: r.created_at, createdBy: r.created_by,
      connector: { sub: r.connector_sub ?? r.created_by, role: r.connector_role ?? 'couple', vendorId: r.connector_vendor_id },
      lastSyncAt: r.last_sync_at, lastErrorAt: r.last_error_at, lastError: r.last_error,
    };
  }

  create(c: NewConnection): Connection {
    this.insertRow.run({
      id: c.id, workspace_id: c.workspaceId, system: c.system, category: c.category, label: c.label ?? '', run_mode: c.runMode ?? 'in_process',
      credentials_enc: this.cipher.encrypt(JSON.stringify(c.credentials), c.id),
      webhook_secret_enc: this.cipher.encrypt(c.webhookSecret, c.id),
      configuration: JSON.stringify(sealConfiguration(c.configuration, c.configurationSecrets, this.cipher, c.id)),
      capabilities: JSON.stringify(c.capabilities), auto_create_weddings: c.autoCreateWeddings ? 1 : 0, auto_match_confidence: c.autoMatchConfidence ?? 0.8,
      now: new Date().toISOString(), created_by: c.createdBy,
      connector_sub: c.connector.sub, connector_role: c.connector.role, connector_vendor_id: c.connector.vendorId,
    });
    return this.get(c.id)!;
  }

  /** The connection's stored cursor (null: none yet; undefined: no such connection), without decrypting anything. */
  cursor(id: string): string | null | undefined {
    return this.db.prepare('SELECT cursor FROM connections WHERE id = ?').pluck().get(id) as string | null | undefined;
  }

  get(id: string): Connection | undefined {
    const r = this.byId.get(id) as ConnectionRow | undefined;
    return r ? this.toConnection(r) : undefined;
  }

  listForWorkspace(workspaceId: string): Connection[] {
    return (this.byWorkspace.all(workspaceId) as ConnectionRow[]).map((r) => this.toConnection(r));
  }

  /** Replaces credentials and configuration (sealing as on create). */
  replaceSettings(id: string, s: { credentials: Record<string, unknown>; configuration: Record<string, unknown>; configurationSecrets: SecretValue[]; capabilities: string[] }): void {
    this.db.prepare('UPDATE connections SET credentials_enc = ?, configuration = ?, capabilities = ?, updated_at = ? WHERE id = ?').run(
      this.cipher.encrypt(JSON.stringify(s.credentials), id),
      JSON.stringify(sealConfiguration(s.configuration, s.configurationSecrets, this.cipher, id)),
      JSON.stringify(s.capabilities), new Date().toISOString(), id,
    );
  }

  /** Replaces only the credentials (a rotated refresh token), sealed as on create. */
  replaceCredentials(id: string, credentials: Record<string, unknown>): void {
    this.db.prepare('UPDATE connections SET credentials_enc = ?, updated_at = ? WHERE id = ?').run(this.cipher.encrypt(JSON.stringify(credentials), id), new Date().toISOString(), id);
  }

  /** Deletes the connection; its bindings, their links, inbox, outbox rows and its unmatched records go with it (ON DELETE CASCADE). */
  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM connections WHERE id = ?').run(id).changes > 0;
  }

  /** Updates the given columns (snake_case names as in the table). */
  update(id: string, fields: Partial<Record<'status' | 'cursor' | 'adapter_state' | 'label' | 'auto_create_weddings' | 'auto_match_confidence' | 'last_sync_at' | 'last_error_at' | 'last_error', string | number | null>>): void {
    const keys = Object.keys(fields).sort();
    if (keys.length === 0) return;
    const shape = keys.join(',');
    let stmt = this.updates.get(shape);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE connections SET ${keys.map((k) => `${k} = @${k}`).join(', ')}, updated_at = @updated_at WHERE id = @id`);
      this.updates.set(shape, stmt);
    }
    stmt.run({ ...fields, id, updated_at: new Date().toISOString() });
  }

  /**
   * Records a delivery's event id; false when the connection already received it (a retried
   * webhook: acknowledged, not routed again).
   */
  receipt(connectionId: string, eventId: string, at: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO connection_receipts (connection_id, event_id, received_at) VALUES (?, ?, ?)').run(connectionId, eventId, at).changes > 0;
  }
}
