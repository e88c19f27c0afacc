import type { SystemCategory } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import type { Connector } from '../auth/inbound-rights.ts';
import type { SecretValue, TestedRemote } from '../../adapters/core/index.ts';
import {
  CONNECTION_COLUMNS, connectionPart, integrationOf, mergedReferences, newBindingRow, storableFields,
  type BindingFields, type BindingRow,
} from './connection-rows.ts';
import { ConnectionStore, sqliteConnectionRecords, type Connection, type ConnectionRecords, type NewConnection } from './connection-store.ts';

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

/** A new binding of an existing connection. `overrides` are the wedding's own, non-secret configuration values (the caller checks they hold no secret). */
export interface NewBinding {
  id: string; connectionId: string; weddingId: string; system: string; category: SystemCategory; vendorId: string | null; runMode: Integration['runMode'];
  overrides: Record<string, unknown>; capabilities: string[]; createdBy: string; connector: Connector; claimsUnmatched: boolean; onUnbind: Integration['onUnbind']; references?: string[];
}

/** What a new binding must not break (IntegrationRecords.bind). */
export interface BindRules {
  /** The connection's system serves one wedding per connection (AdapterDefinition.servesManyWeddings false). */
  onlyBinding: boolean;
}

/** Why a bind was refused: see IntegrationRecords.bind. */
export class BindRefused extends Error {
  constructor(readonly reason: 'already_bound' | 'single_wedding' | 'claims_taken', message: string) {
    super(message);
    this.name = 'BindRefused';
  }
}

/** The first rule a new binding would break among the connection's bindings, or null. */
export function bindRefusal(existing: ReadonlyArray<{ weddingId: string; claimsUnmatched: boolean }>, i: NewBinding, rules: BindRules): BindRefused | null {
  if (existing.some((b) => b.weddingId === i.weddingId)) return new BindRefused('already_bound', `connection ${i.connectionId} is already bound to wedding ${i.weddingId}`);
  if (rules.onlyBinding && existing.length > 0) return new BindRefused('single_wedding', `${i.system} serves one wedding per connection`);
  if (i.claimsUnmatched && existing.some((b) => b.claimsUnmatched)) return new BindRefused('claims_taken', 'another wedding already claims this connection\'s unmatched records');
  return null;
}

/** A connection with one binding that claims every record, under one id (what an integration made from a wedding is). */
export interface NewStandalone {
  id: string; weddingId: string; workspaceId?: string | null; system: string; category: SystemCategory; vendorId: string | null; runMode: Integration['runMode'];
  credentials: Record<string, unknown>; webhookSecret: string; configuration: Record<string, unknown>; configurationSecrets: SecretValue[]; capabilities: string[];
  createdBy: string; connector: Connector;
  /** What its connection test reached (Connection.remoteId, remoteName). */
  remote?: TestedRemote;
}

/**
 * Bindings on either backend, each read joined with its connection (credentials decrypted):
 * sqliteIntegrationRecords (over IntegrationStore) and PostgresIntegrationStore, with one contract
 * (tests/bridge/connection-store-backends.test.ts). Listings are oldest first, ties by id (by code
 * point); bindings of one connection in a listing share its Connection object.
 */
export interface IntegrationRecords {
  readonly connections: ConnectionRecords;
  create(i: NewBinding): Promise<Integration>;
  /**
   * Binds a wedding: checks the connection's bindings and stores the new one under the
   * connection's lock (one transaction; on PostgreSQL the connection row is locked, so binds
   * through several instances at once are checked one after the other). Rejects with BindRefused
   * (`already_bound`: the wedding is bound already; `single_wedding`: `rules.onlyBinding` and the
   * connection has a binding; `claims_taken`: the new binding claims unmatched records and another
   * does), storing nothing.
   */
  bind(i: NewBinding, rules: BindRules): Promise<Integration>;
  /** The connection and its binding, in one transaction. */
  createStandalone(i: NewStandalone): Promise<Integration>;
  listForConnection(connectionId: string): Promise<Integration[]>;
  get(id: string): Promise<Integration | undefined>;
  listForWedding(weddingId: string): Promise<Integration[]>;
  /** Every active binding of an active (or needs-attention) connection. */
  listActive(): Promise<Integration[]>;
  /** Replaces a binding's own configuration values (non-secret: the caller checks). */
  replaceOverrides(id: string, overrides: Record<string, unknown>): Promise<void>;
  /** Sets the vendor entry the binding acts for, with its own configuration values (non-secret: the caller checks). */
  setVendor(id: string, vendorId: string | null, overrides: Record<string, unknown>): Promise<void>;
  /** Adds references to the binding (kept once each, in the order first given); resolves with the binding's references after ([] when there is no such binding). */
  addReferences(id: string, references: string[]): Promise<string[]>;
  /** Deletes the binding with its links, inbox and outbox rows; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Updates the given columns of the binding (snake_case); `cursor` is the connection's (one cursor per stream of the account). */
  update(id: string, fields: BindingFields): Promise<void>;
}

const SELECT = `SELECT i.*, ${CONNECTION_COLUMNS.map((k) => `c.${k} AS c_${k}`).join(', ')} FROM integrations i JOIN connections c ON c.id = i.connection_id`;

/**
 * Binding rows on SQLite, synchronous (the server's bridge); sqliteIntegrationRecords gives
 * IntegrationRecords over it. Credentials, webhook secrets and the secret values of configurations
 * are stored AES-256-GCM encrypted under the key-encryption key, on the connection.
 */
export class IntegrationStore {
  readonly connections: ConnectionStore;
  private readonly byId;
  private readonly byWedding;
  private readonly byConnection;
  private readonly active;
  private readonly insertRow;
  private readonly deleteRow;
  private readonly bindingsOf;
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
    this.bindingsOf = db.prepare('SELECT wedding_id AS weddingId, claims_unmatched = 1 AS claimsUnmatched FROM integrations WHERE connection_id = ?');
  }

  /**
   * `connections` (by id) lets one listing share each connection's decrypted form among its
   * bindings: thousands of bindings then hold one copy of each account's settings, not one each.
   */
  private toIntegration(r: BindingRow, connections?: Map<string, Connection>): Integration {
    let connection = connections?.get(r.connection_id);
    if (!connection) {
      connection = this.connections.toConnection(connectionPart(r as unknown as Record<string, unknown>));
      connections?.set(r.connection_id, connection);
    }
    return integrationOf(r, connection);
  }

  create(i: NewBinding): Integration {
    this.insertRow.run(newBindingRow(i, new Date().toISOString()));
    return this.get(i.id)!;
  }

  /** IntegrationRecords.bind: one process writes the file, so a transaction is the connection's lock. */
  bind(i: NewBinding, rules: BindRules): Integration {
    return this.db.transaction(() => {
      const refused = bindRefusal(this.bindingsOf.all(i.connectionId) as Array<{ weddingId: string; claimsUnmatched: boolean }>, i, rules);
      if (refused) throw refused;
      return this.create(i);
    })();
  }

  createStandalone(i: NewStandalone): Integration {
    this.db.transaction(() => {
      this.connections.create(standaloneConnection(i));
      this.create(standaloneBinding(i));
    })();
    return this.get(i.id)!;
  }

  listForConnection(connectionId: string): Integration[] {
    return (this.byConnection.all(connectionId) as BindingRow[]).map((r) => this.toIntegration(r));
  }

  get(id: string): Integration | undefined {
    const r = this.byId.get(id) as BindingRow | undefined;
    return r ? this.toIntegration(r) : undefined;
  }

  listForWedding(weddingId: string): Integration[] {
    return (this.byWedding.all(weddingId) as BindingRow[]).map((r) => this.toIntegration(r));
  }

  listActive(): Integration[] {
    const connections = new Map<string, Connection>();
    return (this.active.all() as BindingRow[]).map((r) => this.toIntegration(r, connections));
  }

  replaceOverrides(id: string, overrides: Record<string, unknown>): void {
    this.db.prepare('UPDATE integrations SET configuration = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(overrides), new Date().toISOString(), id);
  }

  setVendor(id: string, vendorId: string | null, overrides: Record<string, unknown>): void {
    this.db.prepare('UPDATE integrations SET vendor_id = ?, configuration = ?, updated_at = ? WHERE id = ?').run(vendorId, JSON.stringify(overrides), new Date().toISOString(), id);
  }

  addReferences(id: string, references: string[]): string[] {
    const current = this.db.prepare('SELECT external_refs FROM integrations WHERE id = ?').pluck().get(id) as string | undefined;
    if (current === undefined) return [];
    const next = mergedReferences(current, references);
    this.db.prepare('UPDATE integrations SET external_refs = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(next), new Date().toISOString(), id);
    return next;
  }

  /** Deletes the binding; its links, inbox and outbox rows go with it (ON DELETE CASCADE). */
  remove(id: string): boolean {
    return this.deleteRow.run(id).changes > 0;
  }

  update(id: string, fields: BindingFields): void {
    fields = storableFields(fields);
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

/** The connection of a standalone integration (its own id). */
export function standaloneConnection(i: NewStandalone): NewConnection {
  return {
    id: i.id, workspaceId: i.workspaceId ?? null, system: i.system, category: i.category, runMode: i.runMode, credentials: i.credentials, webhookSecret: i.webhookSecret,
    configuration: i.configuration, configurationSecrets: i.configurationSecrets, capabilities: i.capabilities, createdBy: i.createdBy, connector: i.connector,
    ...(i.remote ? { remote: i.remote } : {}),
  };
}

/** The binding of a standalone integration: it claims every record of its connection. */
export function standaloneBinding(i: NewStandalone): NewBinding {
  return {
    id: i.id, connectionId: i.id, weddingId: i.weddingId, system: i.system, category: i.category, vendorId: i.vendorId, runMode: i.runMode, overrides: {},
    capabilities: i.capabilities, createdBy: i.createdBy, connector: i.connector, claimsUnmatched: true, onUnbind: 'keep',
  };
}

const INTEGRATION_METHODS = ['create', 'bind', 'createStandalone', 'listForConnection', 'get', 'listForWedding', 'listActive', 'replaceOverrides', 'setVendor', 'addReferences', 'remove', 'update'] as const;

/** IntegrationRecords over a SQLite IntegrationStore. */
export function sqliteIntegrationRecords(store: IntegrationStore): IntegrationRecords {
  return { connections: sqliteConnectionRecords(store.connections), ...resolving(store, INTEGRATION_METHODS) };
}
