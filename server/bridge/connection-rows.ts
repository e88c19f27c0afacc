import type { SystemCategory } from '../../schema/index.ts';
import type { SecretValue, TestedRemote } from '../../adapters/core/index.ts';
import type { Connector } from '../auth/inbound-rights.ts';
import { opaqueText, openedText, storableText } from '../storage/storable-text.ts';
import { configurationView, openConfiguration, sealConfiguration } from './configuration-secrets.ts';
import type { Connection, ConnectionStatus, NewConnection } from './connection-store.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import { BridgeError } from './bridge-error.ts';
import type { BreakerState, Integration, IntegrationStatus, NewBinding } from './integration-store.ts';

// What the SQLite and PostgreSQL stores of connections and bindings share: the rows they store and
// how a row becomes a Connection or an Integration (decrypted with the key-encryption key).

export interface ConnectionRow {
  id: string; workspace_id: string | null; system: string; category: string; label: string; status: ConnectionStatus; run_mode: 'in_process' | 'external';
  credentials_enc: string; webhook_secret_enc: string; configuration: string; capabilities: string; cursor: string | null; adapter_state: string;
  auto_create_weddings: number; auto_match_confidence: number; created_at: string; created_by: string;
  connector_sub: string | null; connector_role: Connector['role'] | null; connector_vendor_id: string | null;
  last_sync_at: string | null; last_error_at: string | null; last_error: string | null; remote_id: string | null; remote_name: string | null;
}

/** A binding's row (table `integrations`). */
export interface BindingRow {
  id: string; wedding_id: string; system: string; category: string; vendor_id: string | null; status: IntegrationStatus;
  run_mode: 'in_process' | 'external'; credentials_enc: string; webhook_secret_enc: string; configuration: string; capabilities: string;
  cursor: string | null; created_at: string; created_by: string; last_sync_at: string | null; last_success_at: string | null;
  last_error_at: string | null; last_error: string | null; breaker_state: BreakerState; breaker_until: number | null;
  consecutive_failures: number; adapter_state: string;
  connector_sub: string | null; connector_role: Connector['role'] | null; connector_vendor_id: string | null;
  connection_id: string; claims_unmatched: number; on_unbind: 'keep' | 'remove'; external_refs: string;
}

/** The columns of a binding's connection, selected beside the binding's own prefixed `c_`. */
export const CONNECTION_COLUMNS = ['id', 'workspace_id', 'system', 'category', 'label', 'status', 'run_mode', 'credentials_enc', 'webhook_secret_enc', 'configuration',
  'capabilities', 'cursor', 'adapter_state', 'auto_create_weddings', 'auto_match_confidence', 'created_at', 'created_by', 'connector_sub', 'connector_role',
  'connector_vendor_id', 'last_sync_at', 'last_error_at', 'last_error', 'remote_id', 'remote_name'] as const;

/** The connection part of a joined binding row. */
export function connectionPart(r: Record<string, unknown>): ConnectionRow {
  return Object.fromEntries(CONNECTION_COLUMNS.map((k) => [k, r[`c_${k}`]])) as unknown as ConnectionRow;
}

/**
 * Throws BridgeError `connection_unreadable` (409) when the connection's secrets did not open
 * (Connection.unreadable): nothing runs, probes or re-seals with it.
 */
export function assertReadable(connection: Pick<Connection, 'unreadable'>): void {
  if (connection.unreadable) throw new BridgeError('connection_unreadable', connection.unreadable);
}

const unreadableMessage = (connectionId: string) => `connection ${connectionId}: its sealed credentials do not open under this server's key-encryption key`
  + ' (CREDENTIALS_KEY or DATA_DIR/credentials-key): disconnect it and connect it again';

/** The sealed values of a row, opened; when they do not open, what Connection.unreadable describes. */
function unsealed(r: ConnectionRow, stored: Record<string, unknown>, cipher: CredentialCipher): Pick<Connection, 'credentials' | 'webhookSecret' | 'configuration' | 'unreadable'> {
  try {
    return {
      credentials: JSON.parse(cipher.decrypt(r.credentials_enc, r.id)) as Record<string, unknown>,
      webhookSecret: cipher.decrypt(r.webhook_secret_enc, r.id),
      configuration: openConfiguration(stored, cipher, r.id),
    };
  } catch {
    return { credentials: {}, webhookSecret: '', configuration: configurationView(stored), unreadable: unreadableMessage(r.id) };
  }
}

/**
 * Decrypts a connection row. When a sealed value does not open under `cipher` (another key,
 * another row's value, a damaged value), the connection comes back without its secrets, as
 * `status: 'error'` with `unreadable` set (Connection.unreadable), so that listing, showing and
 * disconnecting it still work.
 */
export function connectionOf(r: ConnectionRow, cipher: CredentialCipher): Connection {
  const stored = JSON.parse(r.configuration) as Record<string, unknown>;
  const sealed = unsealed(r, stored, cipher);
  return {
    id: r.id, workspaceId: r.workspace_id, system: r.system, category: r.category as SystemCategory, label: r.label,
    status: sealed.unreadable ? 'error' : r.status, runMode: r.run_mode,
    ...sealed,
    configurationView: configurationView(stored),
    capabilities: JSON.parse(r.capabilities) as string[],
    cursor: r.cursor === null ? null : openedText(r.cursor), adapterState: JSON.parse(r.adapter_state) as Record<string, unknown>,
    autoCreateWeddings: r.auto_create_weddings === 1, autoMatchConfidence: r.auto_match_confidence,
    createdAt: r.created_at, createdBy: r.created_by,
    connector: { sub: r.connector_sub ?? r.created_by, role: r.connector_role ?? 'couple', vendorId: r.connector_vendor_id },
    lastSyncAt: r.last_sync_at, lastErrorAt: r.last_error_at, lastError: sealed.unreadable ?? r.last_error,
    remoteId: r.remote_id === null || r.remote_id === undefined ? null : openedText(r.remote_id), remoteName: r.remote_name ?? null,
  };
}

/** A binding row with its connection (already decrypted) as the bridge works with it. */
export function integrationOf(r: BindingRow, connection: Connection): Integration {
  const overrides = JSON.parse(r.configuration) as Record<string, unknown>;
  const own = Object.keys(overrides).length > 0;
  return {
    id: r.id, weddingId: r.wedding_id, connectionId: r.connection_id, claimsUnmatched: r.claims_unmatched === 1, onUnbind: r.on_unbind, overrides,
    references: JSON.parse(r.external_refs) as string[],
    system: r.system, category: r.category as SystemCategory, vendorId: r.vendor_id,
    // A connection whose secrets do not open (Connection.unreadable) leaves its bindings in error too.
    status: connection.unreadable ? 'error' : r.status, runMode: r.run_mode,
    credentials: connection.credentials,
    webhookSecret: connection.webhookSecret,
    configuration: own ? { ...connection.configuration, ...overrides } : connection.configuration,
    configurationView: own ? { ...connection.configurationView, ...overrides } : connection.configurationView,
    capabilities: connection.capabilities,
    cursor: connection.cursor, createdAt: r.created_at, createdBy: r.created_by, connection,
    // The migration fills every row; a row without a role would be one written around it: read-only.
    connector: { sub: r.connector_sub ?? r.created_by, role: r.connector_role ?? 'couple', vendorId: r.connector_vendor_id },
    lastSyncAt: r.last_sync_at, lastSuccessAt: r.last_success_at,
    lastErrorAt: r.last_error_at, lastError: connection.unreadable ?? r.last_error, breakerState: r.breaker_state, breakerUntil: r.breaker_until === null ? null : Number(r.breaker_until),
    consecutiveFailures: r.consecutive_failures, adapterState: JSON.parse(r.adapter_state) as Record<string, unknown>,
  };
}

/** The values a new connection is inserted with (status `active`), secrets sealed and bound to its id; `now` is ISO 8601 UTC. */
export function newConnectionRow(c: NewConnection, cipher: CredentialCipher, now: string) {
  return {
    id: c.id, workspace_id: c.workspaceId, system: c.system, category: c.category, label: storableText(c.label ?? ''), run_mode: c.runMode ?? 'in_process',
    credentials_enc: cipher.encrypt(JSON.stringify(c.credentials), c.id),
    webhook_secret_enc: cipher.encrypt(c.webhookSecret, c.id),
    configuration: JSON.stringify(sealConfiguration(c.configuration, c.configurationSecrets, cipher, c.id)),
    capabilities: JSON.stringify(c.capabilities), auto_create_weddings: c.autoCreateWeddings ? 1 : 0, auto_match_confidence: c.autoMatchConfidence ?? 0.8,
    now, created_by: c.createdBy,
    connector_sub: c.connector.sub, connector_role: c.connector.role, connector_vendor_id: c.connector.vendorId,
    ...remoteColumns(c.remote),
  };
}

/** The values a new binding is inserted with (status `active`; a binding's secrets are its connection's, so it holds none). */
export function newBindingRow(i: NewBinding, now: string) {
  return {
    id: i.id, wedding_id: i.weddingId, system: i.system, category: i.category, vendor_id: i.vendorId, run_mode: i.runMode,
    credentials_enc: '', webhook_secret_enc: '',
    configuration: JSON.stringify(i.overrides), capabilities: JSON.stringify(i.capabilities),
    now, created_by: i.createdBy,
    connector_sub: i.connector.sub, connector_role: i.connector.role, connector_vendor_id: i.connector.vendorId,
    connection_id: i.connectionId, claims_unmatched: i.claimsUnmatched ? 1 : 0, on_unbind: i.onUnbind,
    external_refs: JSON.stringify([...new Set(i.references ?? [])]),
  };
}

/** The settings `replaceSettings` stores, sealed as on create. */
export function sealedSettings(id: string, s: SettingsReplacement, cipher: CredentialCipher) {
  return {
    /** null: the webhook secret is kept. */
    webhook_secret_enc: s.webhookSecret === undefined ? null : cipher.encrypt(s.webhookSecret, id),
    credentials_enc: cipher.encrypt(JSON.stringify(s.credentials), id),
    configuration: JSON.stringify(sealConfiguration(s.configuration, s.configurationSecrets, cipher, id)),
    capabilities: JSON.stringify(s.capabilities),
    /** null: the remote id and name are kept. */
    ...remoteColumns(s.remote),
  };
}

/** A TestedRemote as stored: its id exactly (opaqueText), its name as display text; null for none. */
export function remoteColumns(remote: TestedRemote | undefined): { remote_id: string | null; remote_name: string | null } {
  return { remote_id: remote ? opaqueText(remote.remoteId) : null, remote_name: remote?.remoteName ? storableText(remote.remoteName) : null };
}

export interface SettingsReplacement {
  /** A new webhook signing secret (a rotation, webhook-secret-rotation.ts); absent: kept as it is. */
  webhookSecret?: string;
  credentials: Record<string, unknown>;
  configuration: Record<string, unknown>;
  configurationSecrets: SecretValue[];
  capabilities: string[];
  /** What the connection test reached; absent: kept as it is. */
  remote?: TestedRemote;
}

/** Columns `update` may set, and whether each holds free text (stored as both engines can hold it). */
export type ConnectionFields = Partial<Record<'status' | 'cursor' | 'adapter_state' | 'label' | 'auto_create_weddings' | 'auto_match_confidence' | 'last_sync_at' | 'last_error_at' | 'last_error', string | number | null>>;
export type BindingFields = Partial<Record<'status' | 'cursor' | 'last_sync_at' | 'last_success_at' | 'last_error_at' | 'last_error' | 'breaker_state' | 'breaker_until' | 'consecutive_failures' | 'adapter_state', string | number | null>>;

const DISPLAY_TEXT = new Set(['label', 'last_error']);

/**
 * `fields` as both backends store them: display text (a label, an error message) with U+0000 and
 * lone surrogates as U+FFFD (storableText); an external system's cursor exactly (opaqueText).
 */
export function storableFields<F extends Record<string, string | number | null | undefined>>(fields: F): F {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v !== 'string' ? v : DISPLAY_TEXT.has(k) ? storableText(v) : k === 'cursor' ? opaqueText(v) : v;
  return out as F;
}

/** Adds `references` to `current` (JSON array text), each once, in the order first given. */
export function mergedReferences(current: string, references: string[]): string[] {
  return [...new Set([...(JSON.parse(current) as string[]), ...references])];
}
