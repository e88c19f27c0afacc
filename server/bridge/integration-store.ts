import type { SystemCategory } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import type { Connector } from '../auth/inbound-rights.ts';
import type { SecretValue } from '../../adapters/core/index.ts';
import { ConnectionStore, type Connection, type ConnectionRow } from './connection-store.ts';

export type IntegrationStatus = 'active' | 'disabled' | 'error';
export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * A binding (a connection attached to one wedding) as the bridge works with it, joined with its
 * connection: credentials decrypted, never serialized to clients. Links, inbox, outbox and audit
 * rows are keyed by the binding's id (`integrationId`, the name they had before connections).
 */
export interface Integration {
  id: string;
  weddingId: string;
  /** The connection (external account) this binding belongs to. */
  connectionId: string;
  /** Every record of the connection that routes nowhere else belongs to this wedding (a dedicated calendar or account). */
  claimsUnmatched: boolean;
  /** What unbinding does to what was pushed for the wedding: `remove` deletes it from the external system. */
  onUnbind: 'keep' | 'remove';
  /** The external system's own ids of this wedding (a CRM job id): records naming one route here. */
  references: string[];
  /** The binding's own configuration values (over the connection's): direction, categories, vendor, strategies. */
  overrides: Record<string, unknown>;
  system: string;
  category: SystemCategory;
  vendorId: string | null;
  status: IntegrationStatus;
  runMode: 'in_process' | 'external';
  credentials: Record<string, unknown>;
  webhookSecret: string;
  /** The connection's configuration with the binding's overrides. Plain, secrets included: for the adapter only. */
  configuration: Record<string, unknown>;
  /** What the API may show: secrets as `{ "set": true }`, secret URLs redacted (configuration-secrets.ts). */
  configurationView: Record<string, unknown>;
  capabilities: string[];
  cursor: string | null;
  createdAt: string;
  createdBy: string;
  /** Who connected it: the integration acts with these rights (server/auth/inbound-rights.ts). */
  connector: Connector;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  breakerState: BreakerState;
  breakerUntil: number | null;
  consecutiveFailures: number;
  /** The binding's own adapter state (a wedding-scoped instance's); the connection's is `connection.adapterState`. */
  adapterState: Record<string, unknown>;
  connection: Connection;
}

interface Row {
  id: string; wedding_id: string; system: string; category: string; vendor_id: string | null; status: IntegrationStatus;
  run_mode: 'in_process' | 'external'; credentials_enc: string; webhook_secret_enc: string; configuration: string; capabilities: string;
  cursor: string | null; created_at: string; created_by: string; last_sync_at: string | null; last_success_at: string | null;
  last_error_at: string | null; last_error: string | null; breaker_state: BreakerState; breaker_until: number | null;
  consecutive_failures: number; adapter_state: string;
  connector_sub: string | null; connector_role: Connector['role'] | null; connector_vendor_id: string | null;
  connection_id: string; claims_unmatched: number; on_unbind: 'keep' | 'remove'; external_refs: string;
}

/** The columns of the joined connection, prefixed `c_`. */
const CONNECTION_COLUMNS = ['id', 'workspace_id', 'system', 'category', 'label', 'status', 'run_mode', 'credentials_enc', 'webhook_secret_enc', 'configuration',
  'capabilities', 'cursor', 'adapter_state', 'auto_create_weddings', 'auto_match_confidence', 'created_at', 'created_by', 'connector_sub', 'connector_role',
  'connector_vendor_id', 'last_sync_at', 'last_error_at', 'last_error'] as const;
const SELECT = `SELECT i.*, ${CONNECTION_COLUMNS.map((k) => `c.${k} AS c_${k}`).join(', ')} FROM integrations i JOIN connections c ON c.id = i.connection_id`;

function connectionPart(r: Record<string, unknown>): ConnectionRow {
  return Object.fromEntries(CONNECTION_COLUMNS.map((k) => [k, r[`c_${k}`]])) as unknown as ConnectionRow;
}

/**
 * Integration rows; credentials, webhook secrets and the secret values of configurations are stored
 * AES-256-GCM encrypted under the key-encryption key.
 */
export class IntegrationStore {
  readonly connections: ConnectionStore;
  private readonly byId;
  private readonly byWedding;
  private readonly byConnection;
  private readonly active;
  private readonly insertRow;
  private readonly deleteRow;
  private readonly updates = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db, private readonly cipher: CredentialCipher) {
    this.connections = new ConnectionStore(db, cipher);
    this.byId = db.prepare(`${SELECT} WHERE i.id = ?`);
    this.byWedding = db.prepare(`${SELECT} WHERE i.wedding_id = ? ORDER BY i.created_at, i.id`);
    this.byConnection = db.prepare(`${SELECT} WHERE i.connection_id = ? ORDER BY i.created_at, i.id`);
    this.active = db.prepare(`${SELECT} WHERE i.status = 'active' AND c.status IN ('active', 'needs_attention') ORDER BY i.created_at, i.id`);
    // A binding's secrets are its connection's: the binding row holds none ('').
    this.insertRow = db.prepare(`INSERT INTO integrations (id, wedding_id, system, category, vendor_id, status, run_mode, credentials_enc,
      webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at, connector_sub, connector_role, connector_vendor_id,
      connection_id, claims_unmatched, on_unbind, external_refs)
      VALUES (@id, @wedding_id, @system, @category, @vendor_id, 'active', @run_mode, @credentials_enc, @webhook_secret_enc, @configuration,
      @capabilities, @now, @created_by, @now, @connector_sub, @connector_role, @connector_vendor_id, @connection_id, @claims_unmatched, @on_unbind, @external_refs)`);
    this.deleteRow = db.prepare('DELETE FROM integrations WHERE id = ?');
  }

  /**
   * `connections` (by id) lets one listing share each connection's decrypted form among its
   * bindings: thousands of bindings then hold one copy of each account's settings, not one each.
   */
  private toIntegration(r: Row, connections?: Map<string, Connection>): Integration {
    let connection = connections?.get(r.connection_id);
    if (!connection) {
      connection = this.connections.toConnection(connectionPart(r as unknown as Record<string, unknown>));
      connections?.set(r.connection_id, connection);
    }
    const overrides = JSON.parse(r.configuration) as Record<string, unknown>;
    const own = Object.keys(overrides).length > 0;
    return {
      id: r.id, weddingId: r.wedding_id, connectionId: r.connection_id, claimsUnmatched: r.claims_unmatched === 1, onUnbind: r.on_unbind, overrides,
      references: JSON.parse(r.external_refs) as string[],
      system: r.system, category: r.category as SystemCategory, vendorId: r.vendor_id,
      status: r.status, runMode: r.run_mode,
      credentials: connection.credentials,
      webhookSecret: connection.webhookSecret,
      configuration: own ? { ...connection.configuration, ...overrides } : connection.configuration,
      configurationView: own ? { ...connection.configurationView, ...overrides } : connection.configurationView,
      capabilities: connection.capabilities,
      cursor: connection.cursor, createdAt: r.created_at, createdBy: r.created_by, connection,
      // The migration fills every row; a row without a role would be one written around it: read-only.
      connector: { sub: r.connector_sub ?? r.created_by, role: r.connector_role ?? 'couple', vendorId: r.connector_vendor_id },
      lastSyncAt: r.last_sync_at, lastSuccessAt: r.last_success_at,
      lastErrorAt: r.last_error_at, lastError: r.last_error, breakerState: r.breaker_state, breakerUntil: r.breaker_until,
      consecutiveFailures: r.consecutive_failures, adapterState: JSON.parse(r.adapter_state) as Record<string, unknown>,
    };
  }

  /**
   * Creates a binding of an existing connection. `overrides` are the wedding's own, non-secret
   * configuration values (the caller checks they hold no secret).
   */
  create(i: { id: string; connectionId: string; weddingId: string; system: string; category: SystemCategory; vendorId: string | null; runMode: Integration['runMode']; overrides: Record<string, unknown>; capabilities: string[]; createdBy: string; connector: Connector; claimsUnmatched: boolean; onUnbind: Integration['onUnbind']; references?: string[] }): Integration {
    this.insertRow.run({
      id: i.id, wedding_id: i.weddingId, system: i.system, category: i.category, vendor_id: i.vendorId, run_mode: i.runMode,
      credentials_enc: '',
      webhook_secret_enc: '',
      configuration: JSON.stringify(i.overrides), capabilities: JSON.stringify(i.capabilities),
      now: new Date().toISOString(), created_by: i.createdBy,
      connector_sub: i.connector.sub, connector_role: i.connector.role, connector_vendor_id: i.connector.vendorId,
      connection_id: i.connectionId, claims_unmatched: i.claimsUnmatched ? 1 : 0, on_unbind: i.onUnbind,
      external_refs: JSON.stringify([...new Set(i.references ?? [])]),
    });
    return this.get(i.id)!;
  }

  /**
   * A connection with one binding that claims every record, under one id (what an integration made
   * from a wedding is), in one transaction.
   */
  createStandalone(i: { id: string; weddingId: string; workspaceId?: string | null; system: string; category: SystemCategory; vendorId: string | null; runMode: Integration['runMode']; credentials: Record<string, unknown>; webhookSecret: string; configuration: Record<string, unknown>; configurationSecrets: SecretValue[]; capabilities: string[]; createdBy: string; connector: Connector }): Integration {
    this.db.transaction(() => {
      this.connections.create({
        id: i.id, workspaceId: i.workspaceId ?? null, system: i.system, category: i.category, runMode: i.runMode, credentials: i.credentials, webhookSecret: i.webhookSecret,
        configuration: i.configuration, configurationSecrets: i.configurationSecrets, capabilities: i.capabilities, createdBy: i.createdBy, connector: i.connector,
      });
      this.create({
        id: i.id, connectionId: i.id, weddingId: i.weddingId, system: i.system, category: i.category, vendorId: i.vendorId, runMode: i.runMode, overrides: {},
        capabilities: i.capabilities, createdBy: i.createdBy, connector: i.connector, claimsUnmatched: true, onUnbind: 'keep',
      });
    })();
    return this.get(i.id)!;
  }

  listForConnection(connectionId: string): Integration[] {
    return (this.byConnection.all(connectionId) as Row[]).map((r) => this.toIntegration(r));
  }

  get(id: string): Integration | undefined {
    const r = this.byId.get(id) as Row | undefined;
    return r ? this.toIntegration(r) : undefined;
  }

  listForWedding(weddingId: string): Integration[] {
    return (this.byWedding.all(weddingId) as Row[]).map((r) => this.toIntegration(r));
  }

  /** Every active binding of an active connection; bindings of one connection share its Connection object. */
  listActive(): Integration[] {
    const connections = new Map<string, Connection>();
    return (this.active.all() as Row[]).map((r) => this.toIntegration(r, connections));
  }

  /** Replaces a binding's own configuration values (non-secret: the caller checks). */
  replaceOverrides(id: string, overrides: Record<string, unknown>): void {
    this.db.prepare('UPDATE integrations SET configuration = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(overrides), new Date().toISOString(), id);
  }

  /** Sets the vendor entry the binding acts for, with its own configuration values (non-secret: the caller checks). */
  setVendor(id: string, vendorId: string | null, overrides: Record<string, unknown>): void {
    this.db.prepare('UPDATE integrations SET vendor_id = ?, configuration = ?, updated_at = ? WHERE id = ?').run(vendorId, JSON.stringify(overrides), new Date().toISOString(), id);
  }

  /** Adds references to the binding (kept once each); resolves with the binding's references after. */
  addReferences(id: string, references: string[]): string[] {
    const current = this.db.prepare('SELECT external_refs FROM integrations WHERE id = ?').pluck().get(id) as string | undefined;
    if (current === undefined) return [];
    const next = [...new Set([...(JSON.parse(current) as string[]), ...references])];
    this.db.prepare('UPDATE integrations SET external_refs = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(next), new Date().toISOString(), id);
    return next;
  }

  remove(id: string): boolean {
    return this.deleteRow.run(id).changes > 0;
  }

  /**
   * Updates the given columns of the binding (snake_case names as in the table); `cursor` is the
   * connection's (one cursor per stream of the account).
   */
  update(id: string, fields: Partial<Record<'status' | 'cursor' | 'last_sync_at' | 'last_success_at' | 'last_error_at' | 'last_error' | 'breaker_state' | 'breaker_until' | 'consecutive_failures' | 'adapter_state', string | number | null>>): void {
    if ('cursor' in fields) {
      const { cursor, ...rest } = fields;
      this.db.prepare('UPDATE connections SET cursor = ? WHERE id = (SELECT connection_id FROM integrations WHERE id = ?)').run(cursor ?? null, id);
      fields = rest;
    }
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    const shape = keys.sort().join(',');
    let stmt = this.updates.get(shape);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE integrations SET ${keys.map((k) => `${k} = @${k}`).join(', ')}, updated_at = @updated_at WHERE id = @id`);
      this.updates.set(shape, stmt);
    }
    stmt.run({ ...fields, id, updated_at: new Date().toISOString() });
  }
}
