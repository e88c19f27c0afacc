import crypto from 'node:crypto';
import { refuseServerMadeFields, secretUrlOf, withNewUrlToken } from './secret-url-token.ts';
import { rotateWebhookSecret, type RotatedWebhookSecret } from './webhook-secret-rotation.ts';
import { updateConnectionSettings, updateIntegrationSettings, type UpdateDeps } from './connection-update.ts';
import { probeAdapter, testedAdapter } from './connection-probe.ts';
import { findSecretValues } from '../../adapters/core/index.ts';
import type {
  BindBody, BindingSummary, ConnectBody, ConnectResult, ConnectionResult, ConnectionSettingsBody, IntegrationSummary, SystemCategory,
  UpdateIntegrationBody, WorkspaceConnectBody,
} from '../../schema/index.ts';
import { BindingStarts } from './binding-starts.ts';
import { ConnectionSettingsQueue } from './connection-settings-queue.ts';
import { RemoteGuard } from './same-remote.ts';
import { removePushed } from './unbind-removal.ts';
import { AuthError } from '../auth/auth-error.ts';
import { assertMayConnect } from '../auth/connect-rights.ts';
import type { Connector } from '../auth/inbound-rights.ts';
import type { Principal } from '../auth/tokens.ts';
import { BridgeError, bindError } from './bridge-error.ts';
import { assertReadable } from './connection-rows.ts';
import type { Connection } from './connection-store.ts';
import { assertManage, canManage, vendorOf } from './integration-access.ts';
import { BindRefused, bindRefusal, type Integration, type IntegrationRecords, type NewBinding } from './integration-store.ts';
import type { ConnectionsServiceDeps } from './connections-service-deps.ts';
import { bindingOverrides, bindingSummary, connectorOf, webhookSecretOf } from './connection-values.ts';

export { bindingSummary };

/**
 * Connections and bindings (docs/connections.md): connect an account once (its connection test
 * runs before anything is stored), bind it to weddings and unbind it, change its settings,
 * disconnect it. A connection made from a wedding (`ConnectBody.weddingId`) is a connection with
 * one binding that claims every record, under the same id: what an integration was.
 */
export class ConnectionsService {
  /** Starts of bindings, one at a time per connection with its unbinds and disconnects. */
  private readonly starting: BindingStarts;
  private readonly settings: ConnectionSettingsQueue;
  private readonly remotes: RemoteGuard;

  constructor(private readonly deps: ConnectionsServiceDeps) {
    this.settings = new ConnectionSettingsQueue(deps.store.connections);
    this.starting = new BindingStarts(deps);
    this.remotes = new RemoteGuard(deps.store);
  }

  /** Runs `fn` in the connection's queue of starts and unbinds (a reload of it from another instance's change runs there too). */
  serialize<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.starting.run(connectionId, fn);
  }

  // ── permissions ─────────────────────────────────────────────────────────────────────────────
  private async assertWorkspace(p: Principal, workspaceId: string | null): Promise<void> {
    if (workspaceId && await this.deps.actsForWorkspace(p, workspaceId)) return;
    if (!workspaceId && p.role === 'admin') return;
    // The same answer whether the workspace or connection exists or not.
    throw new AuthError('workspace_forbidden', workspaceId ? `you do not act for workspace ${workspaceId}` : 'only admins manage connections that belong to no workspace');
  }

  /**
   * The connection, when `p` may manage it: acts for its workspace, or (for a connection made from
   * a wedding: its binding has the connection's id) manages every wedding it is bound to. A
   * workspace's connection is never the business of someone who only manages a wedding it serves:
   * they unbind or re-vendor their wedding's binding (unbind, setBindingVendor), nothing more.
   */
  async manageable(p: Principal, connectionId: string): Promise<Connection> {
    const connection = await this.deps.store.connections.get(connectionId);
    if (connection) {
      if (connection.workspaceId && await this.deps.actsForWorkspace(p, connection.workspaceId)) return connection;
      if (p.role === 'admin' && !connection.workspaceId) return connection;
      const bindings = await this.deps.store.listForConnection(connectionId);
      const madeFromWedding = bindings.some((b) => b.id === connection.id);
      if (madeFromWedding && bindings.every((b) => canManage(p, b.weddingId, b.vendorId))) return connection;
    }
    // The same answer whether it exists or not, naming nothing of it.
    throw new BridgeError('connection_not_found', 'no such connection among those you manage');
  }

  // ── connect ─────────────────────────────────────────────────────────────────────────────────
  /** A connection made from a wedding: one binding claiming every record, under the connection's id. */
  async connectWedding(p: Principal, body: ConnectBody): Promise<ConnectResult> {
    const vendorId = vendorOf(p, body.vendorId);
    assertManage(p, body.weddingId, vendorId);
    const definition = await this.deps.runtime.definitionOf(body.system);
    assertMayConnect(p, definition);
    const id = `int_${crypto.randomBytes(9).toString('base64url')}`;
    refuseServerMadeFields(body.configuration, {});
    const { configuration, token } = withNewUrlToken(definition, body.configuration);
    body = { ...body, configuration };
    const webhookSecret = webhookSecretOf(body.credentials);
    const { adapter, remote } = await testedAdapter(this.deps, definition, { id, weddingId: body.weddingId, system: body.system, credentials: body.credentials, configuration: body.configuration, webhookSecret }, { weddingId: body.weddingId, actor: `user:${p.sub}` });
    const connector = connectorOf(p);
    const category = body.vendorSystemType ?? definition.category;
    await this.remotes.exclusive(body.system, remote, { weddingIds: [body.weddingId], mayName: (b) => canManage(p, b.weddingId, b.vendorId) }, async () => this.deps.store.createStandalone({
      id, weddingId: body.weddingId, workspaceId: await this.deps.workspaceOfWedding(body.weddingId), system: body.system, category, vendorId, runMode: 'in_process',
      credentials: body.credentials, webhookSecret, configuration: body.configuration, configurationSecrets: findSecretValues(definition.configuration, body.configuration),
      capabilities: [...adapter.capabilities], createdBy: p.sub, connector, ...(remote ? { remote } : {}),
    }));
    const live = await this.starting.startNew(id, id);
    this.deps.audit.record({ weddingId: body.weddingId, integrationId: id, actor: `user:${p.sub}`, action: 'integration.connect', result: 'ok', detail: { system: body.system, capabilities: live.adapter.capabilities } });
    return {
      integrationId: id, connectionId: id, system: body.system, category, capabilities: [...live.adapter.capabilities],
      webhookUrl: this.deps.runtime.webhookUrl(body.system, id), webhookSecret,
      ...(token ? { secretUrl: secretUrlOf(this.deps.runtime.webhookUrl(body.system, id), token) } : {}),
    };
  }

  /** A connection of a workspace, bound to no wedding or to the ones given. Only systems that serve many weddings. */
  async connectWorkspace(p: Principal, body: WorkspaceConnectBody): Promise<ConnectionResult> {
    await this.assertWorkspace(p, body.workspaceId);
    const definition = await this.deps.runtime.definitionOf(body.system);
    assertMayConnect(p, definition);
    if (!definition.servesManyWeddings) {
      throw new BridgeError('connection_single_wedding', `${body.system} serves one wedding per connection: connect it from the wedding (weddingId)`);
    }
    const id = `con_${crypto.randomBytes(9).toString('base64url')}`;
    refuseServerMadeFields(body.configuration, {});
    const { configuration, token } = withNewUrlToken(definition, body.configuration);
    body = { ...body, configuration };
    const webhookSecret = webhookSecretOf(body.credentials);
    // Each wedding to bind is one the caller manages, before anything about it is looked at.
    for (const b of body.bindings) assertManage(p, b.weddingId, vendorOf(p, b.vendorId));
    const { adapter, remote } = await testedAdapter(this.deps, definition, { id, weddingId: '', system: body.system, credentials: body.credentials, configuration: body.configuration, webhookSecret }, { weddingId: '', actor: `user:${p.sub}` });
    const scope = { workspaceId: body.workspaceId, weddingIds: body.bindings.map((b) => b.weddingId), mayName: (b: Integration) => canManage(p, b.weddingId, b.vendorId) };
    const made = await this.remotes.exclusive(body.system, remote, scope, () => this.deps.store.connections.create({
      id, workspaceId: body.workspaceId, system: body.system, category: body.vendorSystemType ?? definition.category, label: body.label,
      credentials: body.credentials, webhookSecret, configuration: body.configuration, configurationSecrets: findSecretValues(definition.configuration, body.configuration),
      capabilities: [...adapter.capabilities], createdBy: p.sub, connector: connectorOf(p),
      autoCreateWeddings: body.autoCreateWeddings, autoMatchConfidence: body.autoMatchConfidence, ...(remote ? { remote } : {}),
    }));
    const live = await this.deps.runtime.refresh(id);
    if (live) await this.deps.runtime.activate(live);
    this.deps.audit.record({ weddingId: '', integrationId: id, actor: `user:${p.sub}`, action: 'connection.connect', result: 'ok', detail: { system: body.system, workspaceId: body.workspaceId } });
    // Every binding is stored before any starts, and other instances hear of the connection once
    // they have: one refused (a bad override, a wedding connected meanwhile) or failing to start
    // takes the connection back out, and that is what is answered.
    const bindings: BindingSummary[] = [];
    try {
      const starts: (() => Promise<BindingSummary>)[] = [];
      for (const b of body.bindings) starts.push(await this.storeBinding(p, id, b));
      for (const start of starts) bindings.push(await start());
    } catch (error) {
      await this.disconnectNow(made, p, null).catch((undo: unknown) => this.deps.logger.warn({ err: undo, connectionId: id }, 'a connection whose binding was refused could not be taken back out'));
      throw error;
    }
    this.deps.announce?.(id);
    return {
      connectionId: id, workspaceId: body.workspaceId, system: body.system, category: body.vendorSystemType ?? definition.category,
      capabilities: [...adapter.capabilities], webhookUrl: this.deps.runtime.webhookUrl(body.system, id), webhookSecret, bindings,
      ...(token ? { secretUrl: secretUrlOf(this.deps.runtime.webhookUrl(body.system, id), token) } : {}),
    };
  }

  // ── bind, unbind ────────────────────────────────────────────────────────────────────────────
  /**
   * Binds the connection to a wedding. Throws BridgeError `connection_not_found`, `already_bound`,
   * `connection_single_wedding`, `invalid_config` (a secret or an invalid value in the wedding's
   * configuration); AuthError when `p` does not manage the wedding.
   */
  async bind(p: Principal, connectionId: string, body: BindBody): Promise<BindingSummary> {
    return (await this.storeBinding(p, connectionId, body))();
  }

  /** bind's checks and store; the returned start runs the binding. */
  private async storeBinding(p: Principal, connectionId: string, body: BindBody): Promise<() => Promise<BindingSummary>> {
    const connection = await this.manageable(p, connectionId);
    assertReadable(connection);
    const vendorId = vendorOf(p, body.vendorId);
    assertManage(p, body.weddingId, vendorId);
    return this.store(connection, body, vendorId, connectorOf(p), p.sub, (b) => canManage(p, b.weddingId, b.vendorId));
  }

  /**
   * Binds a wedding the connection's workspace has just made from one of its records (the caller
   * checked that `by` acts for the workspace): the workspace plans it, so the binding acts with
   * planner rights and for no vendor entry.
   */
  async bindNewWedding(connectionId: string, weddingId: string, by: string, references: string[] = []): Promise<BindingSummary> {
    const connection = await this.deps.store.connections.get(connectionId);
    if (!connection) throw new BridgeError('connection_not_found', 'no such connection among those you manage');
    assertReadable(connection);
    return this.attach(connection, { weddingId, configuration: {}, onUnbind: 'keep', claimsUnmatched: false, references }, null, { sub: by, role: 'planner', vendorId: null }, by);
  }

  private async attach(connection: Connection, body: BindBody, vendorId: string | null, connector: Connector, by: string, mayName?: (b: Integration) => boolean): Promise<BindingSummary> {
    return (await this.store(connection, body, vendorId, connector, by, mayName))();
  }

  /**
   * Checks and stores a binding (attach) without starting it: nothing is pushed or pulled for it
   * until the returned start runs, which answers its summary.
   */
  private async store(connection: Connection, body: BindBody, vendorId: string | null, connector: Connector, by: string, mayName?: (b: Integration) => boolean): Promise<() => Promise<BindingSummary>> {
    const connectionId = connection.id;
    const definition = await this.deps.runtime.definitionOf(connection.system);
    // Checked here first (no adapter is probed for a bind refused anyway), and again by the store
    // under the connection's lock, which holds across instances (IntegrationRecords.bind).
    const existing = await this.deps.store.listForConnection(connectionId);
    const rules = { onlyBinding: !definition.servesManyWeddings };
    const overrides = bindingOverrides(definition, connection, body.configuration);
    const id = `int_${crypto.randomBytes(9).toString('base64url')}`;
    const binding: NewBinding = {
      id, connectionId, weddingId: body.weddingId, system: connection.system, category: connection.category as SystemCategory, vendorId, runMode: connection.runMode,
      overrides, capabilities: connection.capabilities, createdBy: by, connector, claimsUnmatched: body.claimsUnmatched, onUnbind: body.onUnbind,
      references: body.references,
    };
    const refused = bindRefusal(existing, binding, rules);
    if (refused) throw bindError(refused, body.weddingId);
    // Try the wedding's configuration before storing anything.
    probeAdapter(this.deps.runtime, definition, {
      id, weddingId: body.weddingId, system: connection.system, connectionId, credentials: connection.credentials,
      configuration: { ...connection.configuration, ...overrides }, webhookSecret: connection.webhookSecret, state: {},
    });
    const remote = connection.remoteId ? { remoteId: connection.remoteId } : undefined;
    await this.remotes.exclusive(connection.system, remote, { weddingIds: [body.weddingId], except: connectionId, ...(mayName ? { mayName } : {}) }, () =>
      this.deps.store.bind(binding, rules).catch((error: unknown) => { throw error instanceof BindRefused ? bindError(error, body.weddingId) : error; }));
    return async () => {
      const live = await this.starting.startNew(connectionId, id);
      this.deps.audit.record({ weddingId: body.weddingId, integrationId: id, actor: `user:${by}`, action: 'connection.bound', result: 'ok', detail: { connectionId, system: connection.system, vendorId } });
      return bindingSummary(live.integration);
    };
  }

  /**
   * Unbinds a wedding. With `remove` (or the binding's `onUnbind: remove`) what was pushed for it
   * is deleted from the external system first; `failed` lists what could not be.
   */
  async unbind(p: Principal, connectionId: string, weddingId: string, options: { remove?: boolean } = {}): Promise<{ removed: number; failed: string[] }> {
    const connection = await this.manageable(p, connectionId).catch(() => null);
    const binding = (await this.deps.store.listForConnection(connectionId)).find((b) => b.weddingId === weddingId);
    if (!binding || (!connection && !canManage(p, weddingId, binding.vendorId))) throw new BridgeError('binding_not_found', 'that connection is not bound to that wedding, or not one you manage');
    const live = this.deps.registry.get(binding.id);
    const { removed, failed } = (options.remove ?? binding.onUnbind === 'remove') && live ? await removePushed(live.adapter, this.deps.links, binding) : { removed: 0, failed: [] };
    const running = this.deps.runtime.get(connectionId);
    await this.starting.run(connectionId, async () => {
      this.deps.registry.remove(binding.id);
      this.deps.forgetBinding(binding.id);
      await this.deps.store.remove(binding.id);
      await this.deps.runtime.refresh(connectionId);
    });
    this.deps.announce?.(connectionId);
    // A system serving one wedding per connection has nothing left to receive: its channel or endpoint goes.
    if (running && !running.routes && !this.deps.runtime.get(connectionId)) {
      await Promise.resolve(running.adapter.deactivate?.()).catch((error: unknown) => this.deps.logger.warn({ err: error, connectionId }, 'deactivation after the last unbind failed'));
    }
    this.deps.audit.record({ weddingId, integrationId: binding.id, actor: `user:${p.sub}`, action: 'connection.unbound', result: failed.length ? 'failed' : 'ok', detail: { connectionId, removed, failed: failed.slice(0, 20) } });
    return { removed, failed };
  }

  /** DELETE /api/integrations/:id: a connection made from a wedding goes whole; a binding of a shared connection is unbound. */
  async removeIntegration(p: Principal, id: string): Promise<void> {
    const integration = await this.deps.store.get(id);
    if (!integration || !canManage(p, integration.weddingId, integration.vendorId)) {
      if (integration) assertManage(p, integration.weddingId, integration.vendorId);
      throw new BridgeError('integration_not_found', `no integration ${id}`);
    }
    if (integration.connectionId === integration.id) {
      await this.disconnectNow(integration.connection, p, integration.weddingId);
      return;
    }
    await this.unbind(p, integration.connectionId, integration.weddingId);
  }

  /** Disconnects: channels and endpoints are stopped, every binding goes with its links and queues. */
  async disconnect(p: Principal, connectionId: string): Promise<void> {
    const connection = await this.manageable(p, connectionId);
    await this.disconnectNow(connection, p, null);
  }

  private async disconnectNow(connection: Connection, p: Principal, weddingId: string | null): Promise<void> {
    // In the connection's queue: work arriving meanwhile cannot load it back (ConnectionFollower.ensure).
    const bindings = await this.starting.run(connection.id, async () => {
      const live = this.deps.runtime.forget(connection.id);
      const stored = await this.deps.store.listForConnection(connection.id);
      for (const b of stored) {
        this.deps.registry.remove(b.id);
        this.deps.forgetBinding(b.id);
      }
      try {
        await live?.adapter.deactivate?.();
      } catch (error) {
        this.deps.logger.warn({ err: error, connectionId: connection.id }, 'deactivation failed; removing anyway');
      }
      await this.deps.store.connections.remove(connection.id);
      return stored;
    });
    this.deps.announce?.(connection.id);
    for (const b of bindings) this.deps.audit.record({ weddingId: b.weddingId, integrationId: b.id, actor: `user:${p.sub}`, action: 'integration.remove', result: 'ok', detail: { system: connection.system, connectionId: connection.id } });
    if (bindings.length === 0 || weddingId === null) this.deps.audit.record({ weddingId: '', integrationId: connection.id, actor: `user:${p.sub}`, action: 'connection.disconnect', result: 'ok', detail: { system: connection.system, bindings: bindings.length } });
  }

  // ── settings ────────────────────────────────────────────────────────────────────────────────
  /**
   * PATCH /api/integrations/:id (see UpdateIntegrationBody). The configuration of a connection
   * made from a wedding is the connection's; of a binding of a shared connection, the wedding's
   * own values. Credentials are always the connection's. The connection test runs before anything
   * is stored; adapter state (watch channels, endpoints) is kept.
   */
  async updateIntegration(p: Principal, id: string, body: UpdateIntegrationBody): Promise<IntegrationSummary> {
    return updateIntegrationSettings(this.updateDeps(), p, id, body);
  }

  /**
   * An OAuth reconnect (docs/oauth.md): new credentials for a connection of the same system, tested
   * first; its bindings stay and a connection that needed attention is active again. Throws
   * BridgeError `connection_not_found` (not manageable by `p`, or absent), `invalid_config` (another
   * system), `connection_test_failed`.
   */
  async renewCredentials(p: Principal, connectionId: string, system: string, credentials: Record<string, unknown>): Promise<void> {
    const connection = await this.manageable(p, connectionId);
    if (connection.system !== system) throw new BridgeError('invalid_config', `connection ${connectionId} is ${connection.system}, not ${system}: connect ${system} as a new connection`);
    await this.updateConnection(p, connection, { credentials }, { weddingId: '', integrationId: connectionId });
  }

  /** PATCH /api/connections/:id */
  async updateSettings(p: Principal, connectionId: string, body: ConnectionSettingsBody): Promise<Connection> {
    const connection = await this.manageable(p, connectionId);
    if (body.configuration || body.credentials) await this.updateConnection(p, connection, { configuration: body.configuration, credentials: body.credentials }, { weddingId: '', integrationId: connectionId });
    const fields: Parameters<IntegrationRecords['connections']['update']>[1] = {};
    if (body.label !== undefined) fields.label = body.label;
    if (body.autoCreateWeddings !== undefined) fields.auto_create_weddings = body.autoCreateWeddings ? 1 : 0;
    if (body.autoMatchConfidence !== undefined) fields.auto_match_confidence = body.autoMatchConfidence;
    await this.deps.store.connections.update(connectionId, fields);
    await this.deps.runtime.refresh(connectionId);
    this.deps.announce?.(connectionId);
    return (await this.deps.store.connections.get(connectionId))!;
  }

  /**
   * POST /api/connections/:id/rotate-url-token: a new secret URL token (secret-url-token.ts); the
   * old URL is refused from the answer on. Returns the new full URL, shown this once.
   */
  async rotateUrlToken(p: Principal, connectionId: string): Promise<{ secretUrl: string }> {
    const connection = await this.manageable(p, connectionId);
    const made = withNewUrlToken(await this.deps.runtime.definitionOf(connection.system), {});
    if (!made.token) throw new BridgeError('invalid_config', `${connection.system} connections have no secret URL`);
    await this.updateConnection(p, connection, { configuration: made.configuration }, { weddingId: '', integrationId: connectionId }, true);
    return { secretUrl: secretUrlOf(this.deps.runtime.webhookUrl(connection.system, connectionId), made.token) };
  }

  /** POST /api/connections/:id/rotate-webhook-secret (webhook-secret-rotation.ts). */
  async rotateWebhookSecret(p: Principal, connectionId: string, expirePreviousInSeconds?: number): Promise<RotatedWebhookSecret> {
    const connection = await this.manageable(p, connectionId);
    const definition = await this.deps.runtime.definitionOf(connection.system);
    return this.settings.run(connection.id, (fresh) => rotateWebhookSecret({ ...this.deps, restart: (id) => this.restart(id) }, p, fresh, definition, expirePreviousInSeconds));
  }

  private updateConnection(p: Principal, connection: Connection, body: { configuration?: Record<string, unknown>; credentials?: Record<string, unknown> }, audit: { weddingId: string; integrationId: string }, rotating = false): Promise<void> {
    return this.settings.run(connection.id, (fresh) => updateConnectionSettings(this.updateDeps(), p, fresh, body, audit, rotating));
  }

  private updateDeps(): UpdateDeps {
    return {
      ...this.deps, probe: (definition, probe) => probeAdapter(this.deps.runtime, definition, probe), restart: (id) => this.restart(id), manageable: (p, id) => this.manageable(p, id), remotes: this.remotes,
      reconfigure: (p, connection, body, audit) => this.updateConnection(p, connection, body, audit),
    };
  }

  /** Adds the external system's ids of the binding's wedding (records naming one route there), in the store and the running binding. */
  async addReferences(bindingId: string, references: string[]): Promise<void> {
    if (references.length === 0) return;
    const all = await this.deps.store.addReferences(bindingId, references);
    const live = this.deps.registry.get(bindingId);
    if (live) live.integration.references = all;
    if (live) this.deps.announce?.(live.integration.connectionId);
  }

  /** Rebuilds every running binding of the connection and the connection itself from the stored rows. */
  async restart(connectionId: string): Promise<void> {
    await this.starting.run(connectionId, async () => {
      for (const b of await this.deps.store.listForConnection(connectionId)) {
        if (b.status !== 'active' || b.runMode !== 'in_process' || !this.deps.registry.get(b.id)) continue;
        this.deps.registry.put(await this.deps.runtime.buildBinding(b));
      }
      await this.deps.runtime.refresh(connectionId);
    });
    this.deps.announce?.(connectionId);
  }
}
