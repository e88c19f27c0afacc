import type { SystemCategory } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import type { SecretValue } from '../../adapters/core/index.ts';
import { configurationView, openConfiguration, sealConfiguration } from './configuration-secrets.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import type { Connector } from '../auth/inbound-rights.ts';

export type IntegrationStatus = 'active' | 'disabled' | 'error';
export type BreakerState = 'closed' | 'open' | 'half_open';

/** An integration as the bridge works with it: credentials decrypted, never serialized to clients. */
export interface Integration {
  id: string;
  weddingId: string;
  system: string;
  category: SystemCategory;
  vendorId: string | null;
  status: IntegrationStatus;
  runMode: 'in_process' | 'external';
  credentials: Record<string, unknown>;
  webhookSecret: string;
  /** Plain, secrets included: for the adapter only. */
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
  adapterState: Record<string, unknown>;
}

interface Row {
  id: string; wedding_id: string; system: string; category: string; vendor_id: string | null; status: IntegrationStatus;
  run_mode: 'in_process' | 'external'; credentials_enc: string; webhook_secret_enc: string; configuration: string; capabilities: string;
  cursor: string | null; created_at: string; created_by: string; last_sync_at: string | null; last_success_at: string | null;
  last_error_at: string | null; last_error: string | null; breaker_state: BreakerState; breaker_until: number | null;
  consecutive_failures: number; adapter_state: string;
  connector_sub: string | null; connector_role: Connector['role'] | null; connector_vendor_id: string | null;
}

/**
 * Integration rows; credentials, webhook secrets and the secret values of configurations are stored
 * AES-256-GCM encrypted under the key-encryption key.
 */
export class IntegrationStore {
  private readonly byId;
  private readonly byWedding;
  private readonly active;
  private readonly insertRow;
  private readonly deleteRow;
  private readonly updates = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db, private readonly cipher: CredentialCipher) {
    this.byId = db.prepare('SELECT * FROM integrations WHERE id = ?');
    this.byWedding = db.prepare('SELECT * FROM integrations WHERE wedding_id = ? ORDER BY created_at, id');
    this.active = db.prepare("SELECT * FROM integrations WHERE status = 'active' ORDER BY created_at, id");
    this.insertRow = db.prepare(`INSERT INTO integrations (id, wedding_id, system, category, vendor_id, status, run_mode, credentials_enc,
      webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at, connector_sub, connector_role, connector_vendor_id)
      VALUES (@id, @wedding_id, @system, @category, @vendor_id, 'active', @run_mode, @credentials_enc, @webhook_secret_enc, @configuration,
      @capabilities, @now, @created_by, @now, @connector_sub, @connector_role, @connector_vendor_id)`);
    this.deleteRow = db.prepare('DELETE FROM integrations WHERE id = ?');
  }

  private toIntegration(r: Row): Integration {
    const stored = JSON.parse(r.configuration) as Record<string, unknown>;
    return {
      id: r.id, weddingId: r.wedding_id, system: r.system, category: r.category as SystemCategory, vendorId: r.vendor_id,
      status: r.status, runMode: r.run_mode,
      credentials: JSON.parse(this.cipher.decrypt(r.credentials_enc, r.id)) as Record<string, unknown>,
      webhookSecret: this.cipher.decrypt(r.webhook_secret_enc, r.id),
      configuration: openConfiguration(stored, this.cipher, r.id),
      configurationView: configurationView(stored),
      capabilities: JSON.parse(r.capabilities) as string[],
      cursor: r.cursor, createdAt: r.created_at, createdBy: r.created_by,
      // The migration fills every row; a row without a role would be one written around it: read-only.
      connector: { sub: r.connector_sub ?? r.created_by, role: r.connector_role ?? 'couple', vendorId: r.connector_vendor_id },
      lastSyncAt: r.last_sync_at, lastSuccessAt: r.last_success_at,
      lastErrorAt: r.last_error_at, lastError: r.last_error, breakerState: r.breaker_state, breakerUntil: r.breaker_until,
      consecutiveFailures: r.consecutive_failures, adapterState: JSON.parse(r.adapter_state) as Record<string, unknown>,
    };
  }

  create(i: { id: string; weddingId: string; system: string; category: SystemCategory; vendorId: string | null; runMode: Integration['runMode']; credentials: Record<string, unknown>; webhookSecret: string; configuration: Record<string, unknown>; configurationSecrets: SecretValue[]; capabilities: string[]; createdBy: string; connector: Connector }): Integration {
    this.insertRow.run({
      id: i.id, wedding_id: i.weddingId, system: i.system, category: i.category, vendor_id: i.vendorId, run_mode: i.runMode,
      credentials_enc: this.cipher.encrypt(JSON.stringify(i.credentials), i.id),
      webhook_secret_enc: this.cipher.encrypt(i.webhookSecret, i.id),
      configuration: JSON.stringify(sealConfiguration(i.configuration, i.configurationSecrets, this.cipher, i.id)), capabilities: JSON.stringify(i.capabilities),
      now: new Date().toISOString(), created_by: i.createdBy,
      connector_sub: i.connector.sub, connector_role: i.connector.role, connector_vendor_id: i.connector.vendorId,
    });
    return this.get(i.id)!;
  }

  get(id: string): Integration | undefined {
    const r = this.byId.get(id) as Row | undefined;
    return r ? this.toIntegration(r) : undefined;
  }

  listForWedding(weddingId: string): Integration[] {
    return (this.byWedding.all(weddingId) as Row[]).map((r) => this.toIntegration(r));
  }

  listActive(): Integration[] {
    return (this.active.all() as Row[]).map((r) => this.toIntegration(r));
  }

  /** Replaces an integration's credentials and configuration (an update through the API), sealing as on create. */
  replaceSettings(id: string, s: { credentials: Record<string, unknown>; configuration: Record<string, unknown>; configurationSecrets: SecretValue[]; capabilities: string[] }): void {
    this.db.prepare('UPDATE integrations SET credentials_enc = ?, configuration = ?, capabilities = ?, updated_at = ? WHERE id = ?').run(
      this.cipher.encrypt(JSON.stringify(s.credentials), id),
      JSON.stringify(sealConfiguration(s.configuration, s.configurationSecrets, this.cipher, id)),
      JSON.stringify(s.capabilities), new Date().toISOString(), id,
    );
  }

  remove(id: string): boolean {
    return this.deleteRow.run(id).changes > 0;
  }

  /** Updates the given columns (snake_case names as in the table). */
  update(id: string, fields: Partial<Record<'status' | 'cursor' | 'last_sync_at' | 'last_success_at' | 'last_error_at' | 'last_error' | 'breaker_state' | 'breaker_until' | 'consecutive_failures' | 'adapter_state', string | number | null>>): void {
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
