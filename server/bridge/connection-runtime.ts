import { RemoteBackfill } from './remote-backfill.ts';
import crypto from 'node:crypto';
import { AdapterError, findSecretValues, toAdapterError, type Adapter, type AdapterDefinition, type AdapterRuntime, type Egress } from '../../adapters/core/index.ts';
import type { AdapterModule } from '../../adapters/registry.ts';
import { clipText } from '../../schema/document/text.ts';
import type { Logger } from '../logger.ts';
import { BridgeError } from './bridge-error.ts';
import { assertReadable } from './connection-rows.ts';
import type { Connection } from './connection-store.ts';
import { LiveBinding, type IntegrationRegistry, type LiveIntegration } from './integration-registry.ts';
import type { Integration, IntegrationRecords } from './integration-store.ts';
import { maskingErrors, secretStrings } from './secret-masking.ts';
import { OrderedWrites } from '../storage/ordered-writes.ts';

/** A connection as it runs: its account-level adapter and how records reach weddings. */
export interface LiveConnection {
  connection: Connection;
  definition: AdapterDefinition;
  /**
   * The account-level adapter: verifies webhooks, pulls, activates (watch channels, webhook
   * endpoints). For a system that routes across weddings it is created in connection scope
   * (`weddingId: ''`); otherwise it is the one binding's own adapter.
   */
  adapter: Adapter;
  /** The system reads every wedding's records and tags each (AdapterDefinition.servesManyWeddings). */
  routes: boolean;
}

export interface ConnectionRuntimeDeps {
  store: IntegrationRecords;
  /** Active bindings with their wedding-scoped adapters. */
  registry: IntegrationRegistry;
  adapters: readonly AdapterModule[];
  egress: Egress;
  /** Read each time: the server learns its port after listening. */
  publicUrl: () => string;
  logger: Logger;
  now: () => number;
  /** Told when a connection starts running here (it was not running before this refresh). */
  onRunning?: (connectionId: string) => void;
}

/**
 * The connection runtime: builds adapters for connections and their bindings, keeps the running
 * ones, activates and deactivates accounts (one watch channel or webhook endpoint per connection,
 * whatever the number of weddings), and runs their upkeep.
 */
export class ConnectionRuntime {
  private readonly live = new Map<string, LiveConnection>();
  private readonly definitions = new Map<string, Promise<AdapterDefinition>>();
  /** AdapterRuntime.shared of each connection, with the settings it was made under: dropped when those change or the connection stops. */
  private readonly shared = new Map<string, { settings: string; objects: Map<string, unknown> }>();
  /** Writes an adapter asked for without waiting (its state, rotated credentials), in order per row. */
  private readonly writes: OrderedWrites;
  /** Names the remotes of connections made before remote ids were kept, at the upkeep. */
  private readonly remotes: RemoteBackfill;
  /** The upkeep running now (maintain). */
  private upkeep: Promise<void> | null = null;

  constructor(private readonly deps: ConnectionRuntimeDeps) {
    this.writes = new OrderedWrites(deps.logger, 'what an adapter asked to keep');
    this.remotes = new RemoteBackfill({ connections: deps.store.connections, logger: deps.logger, now: deps.now });
  }

  /** The adapter definition of `system`. Throws BridgeError `unknown_system`. */
  definitionOf(system: string): Promise<AdapterDefinition> {
    const module = this.deps.adapters.find((a) => a.system === system);
    if (!module) return Promise.reject(new BridgeError('unknown_system', `no adapter for ${JSON.stringify(system)}; known: ${this.deps.adapters.map((a) => a.system).join(', ')}`));
    let loading = this.definitions.get(system);
    if (!loading) {
      loading = module.load();
      this.definitions.set(system, loading);
      loading.catch(() => this.definitions.delete(system));
    }
    return loading;
  }

  knowsSystem(system: string): boolean {
    return this.deps.adapters.some((a) => a.system === system);
  }

  /** Where the connection's webhooks are delivered. */
  webhookUrl(system: string, connectionId: string): string {
    return `${this.deps.publicUrl().replace(/\/$/, '')}/api/integrations/webhook/${system}/${connectionId}`;
  }

  /**
   * The runtime an adapter instance gets. `saveState` persists its state: the connection's row for
   * account-level instances, the binding's for wedding-scoped ones of a routing system. Instances
   * of one connection share `runtime.shared` (one OAuth client for the account), except those built
   * only to be tried (`options.shared` false). Rotated credentials are sealed on the connection's
   * row, or go to `options.saveCredentials` (a tried instance: nothing is stored yet).
   */
  runtimeFor(
    i: { integrationId: string; weddingId: string; system: string; connectionId: string; webhookSecret: string },
    state: Record<string, unknown>, saveState: (next: Record<string, unknown>) => void,
    options: { shared?: boolean; saveCredentials?: (next: Record<string, unknown>) => void } = {},
  ): AdapterRuntime {
    let current = state;
    const shared = options.shared === false ? undefined : this.shared.get(i.connectionId)?.objects;
    return {
      ...(shared ? { shared } : {}),
      // Rotated refresh tokens are kept: on the connection's row, or where a tried instance's caller says.
      saveCredentials: options.saveCredentials ?? ((next: Record<string, unknown>) => this.writes.run(`connection:${i.connectionId}:credentials`, () => this.deps.store.connections.replaceCredentials(i.connectionId, next))),
      integrationId: i.integrationId,
      weddingId: i.weddingId,
      webhookUrl: this.webhookUrl(i.system, i.connectionId),
      webhookSecret: i.webhookSecret,
      fetch: this.deps.egress.fetch,
      egress: this.deps.egress,
      now: this.deps.now,
      state: {
        get: () => current,
        set: (next) => {
          current = next;
          saveState(next);
        },
      },
    };
  }

  /** Creates an adapter instance with secrets masked from its errors. Throws AdapterError on a bad configuration. */
  instantiate(definition: AdapterDefinition, input: { integrationId: string; weddingId: string; credentials: Record<string, unknown>; configuration: Record<string, unknown>; runtime: AdapterRuntime }): Adapter {
    const adapter = definition.create(input);
    const secrets = secretStrings({ credentials: input.credentials, webhookSecret: input.runtime.webhookSecret, configuration: input.configuration }, findSecretValues(definition.configuration, input.configuration));
    return maskingErrors(adapter, secrets);
  }

  /**
   * The binding as it runs. Its wedding-scoped adapter is built on first use (LiveBinding): a
   * binding of a connection that serves many weddings needs it only to push or apply for its
   * wedding, and the connection's adapter pulls and verifies for all of them. A binding whose
   * adapter cannot be built (a stored configuration the adapter now refuses) is marked `error`
   * and leaves the registry, as at start-up; the caller that asked gets an adapter that does nothing.
   */
  async buildBinding(integration: Integration): Promise<LiveIntegration> {
    const definition = await this.definitionOf(integration.system);
    return new LiveBinding(integration, definition, () => {
      try {
        return this.bindingAdapter(integration, definition);
      } catch (error) {
        this.deps.logger.error({ err: error, integrationId: integration.id }, 'binding could not be started; marked as error');
        this.deps.registry.remove(integration.id);
        const fields = { status: 'error', last_error: clipText(`start: ${(error as Error).message}`, 500), last_error_at: new Date(this.deps.now()).toISOString() } as const;
        this.writes.run(`binding:${integration.id}`, () => this.deps.store.update(integration.id, fields));
        return inertAdapter(definition);
      }
    });
  }

  /** Builds the binding's adapter now. Throws AdapterError on a configuration the adapter refuses. */
  async validateBinding(integration: Integration): Promise<void> {
    this.bindingAdapter(integration, await this.definitionOf(integration.system));
  }

  private bindingAdapter(integration: Integration, definition: AdapterDefinition): Adapter {
    assertReadable(integration.connection);
    const routes = definition.servesManyWeddings === true;
    const saveState = routes
      ? (next: Record<string, unknown>) => this.writes.run(`binding:${integration.id}`, () => this.deps.store.update(integration.id, { adapter_state: JSON.stringify(next) }))
      : (next: Record<string, unknown>) => this.writes.run(`connection:${integration.connectionId}`, () => this.deps.store.connections.update(integration.connectionId, { adapter_state: JSON.stringify(next) }));
    const adapter = this.instantiate(definition, {
      integrationId: integration.id, weddingId: integration.weddingId, credentials: integration.credentials, configuration: integration.configuration,
      runtime: this.runtimeFor({ integrationId: integration.id, weddingId: integration.weddingId, system: integration.system, connectionId: integration.connectionId, webhookSecret: integration.webhookSecret },
        routes ? integration.adapterState : integration.connection.adapterState, saveState),
    });
    return routes ? this.accountLevelOnConnection(adapter, integration.connectionId) : adapter;
  }

  /**
   * A wedding-scoped instance of a routing system: its account-level duties (watch channels,
   * webhook endpoints, their upkeep) are the connection's, so they go to the connection's adapter,
   * and a connection keeps one channel however many weddings it serves.
   */
  private accountLevelOnConnection(adapter: Adapter, connectionId: string): Adapter {
    const account = (name: 'activate' | 'deactivate' | 'maintain') => async () => { await this.live.get(connectionId)?.adapter[name]?.(); };
    const overrides: Partial<Adapter> = { activate: account('activate'), deactivate: account('deactivate'), maintain: account('maintain') };
    return new Proxy(adapter, { get: (target, prop, receiver) => (prop in overrides ? overrides[prop as keyof typeof overrides] : Reflect.get(target, prop, receiver)) });
  }

  /** The account-level adapter of a routing system (connection scope: `weddingId` ''). */
  async buildConnectionAdapter(connection: Connection, definition: AdapterDefinition): Promise<Adapter> {
    assertReadable(connection);
    return this.instantiate(definition, {
      integrationId: connection.id, weddingId: '', credentials: connection.credentials, configuration: connection.configuration,
      runtime: this.runtimeFor({ integrationId: connection.id, weddingId: '', system: connection.system, connectionId: connection.id, webhookSecret: connection.webhookSecret },
        connection.adapterState, (next) => this.writes.run(`connection:${connection.id}`, () => this.deps.store.connections.update(connection.id, { adapter_state: JSON.stringify(next) }))),
    });
  }

  /**
   * (Re)builds the running form of a connection from its stored row and its active bindings (in
   * the registry). A system that serves one wedding per connection runs only while bound.
   */
  async refresh(connectionId: string): Promise<LiveConnection | undefined> {
    const connection = await this.deps.store.connections.get(connectionId);
    // Clients made under other settings (credentials, token URL) are not reused.
    // A digest, not the settings themselves: no second copy of the credentials held per connection.
    const settings = connection ? crypto.createHash('sha256').update(JSON.stringify([connection.credentials, connection.configuration])).digest('base64url') : '';
    if (this.shared.get(connectionId)?.settings !== settings) this.shared.set(connectionId, { settings, objects: new Map() });
    if (!connection || (connection.status !== 'active' && connection.status !== 'needs_attention') || connection.runMode !== 'in_process') {
      this.live.delete(connectionId);
      return undefined;
    }
    const definition = await this.definitionOf(connection.system);
    const routes = definition.servesManyWeddings === true;
    let adapter: Adapter | undefined;
    if (routes) adapter = await this.buildConnectionAdapter(connection, definition);
    else adapter = this.bindingsOf(connectionId)[0]?.adapter;
    if (!adapter) {
      this.live.delete(connectionId);
      return undefined;
    }
    const live: LiveConnection = { connection, definition, adapter, routes };
    const wasRunning = this.live.has(connectionId);
    this.live.set(connectionId, live);
    if (!wasRunning) this.deps.onRunning?.(connectionId);
    return live;
  }

  get(connectionId: string): LiveConnection | undefined {
    return this.live.get(connectionId);
  }

  all(): LiveConnection[] {
    return [...this.live.values()];
  }

  forget(connectionId: string): LiveConnection | undefined {
    this.shared.delete(connectionId);
    const live = this.live.get(connectionId);
    this.live.delete(connectionId);
    return live;
  }

  /** The connection's active bindings. */
  bindingsOf(connectionId: string): LiveIntegration[] {
    return this.deps.registry.forConnection(connectionId);
  }

  /** Creates watch channels or webhook endpoints; a failure leaves the connection active (it pulls instead) and is recorded. */
  async activate(live: LiveConnection): Promise<void> {
    try {
      await live.adapter.activate?.();
    } catch (error) {
      this.deps.logger.warn({ err: error, connectionId: live.connection.id }, 'activation failed; the connection stays active and pulls instead');
      await this.recordError(live.connection.id, `activation: ${toAdapterError(error, live.connection.system).message}`);
    }
  }

  /**
   * Points a running connection's watch channel, webhook endpoint or hooks at the current
   * webhookUrl, for a hub whose address changed since they were registered (the demo resumed on
   * another port: server/demo/demo-service.ts): the old registration is stopped in the system
   * (deactivate), then a new one is made (activate). Resolves false when the connection is not
   * running or either step failed (recorded as its last error, as activate does: it pulls meanwhile).
   */
  async reregister(connectionId: string): Promise<boolean> {
    const live = this.live.get(connectionId);
    if (!live) return false;
    try {
      await live.adapter.deactivate?.();
      await live.adapter.activate?.();
      return true;
    } catch (error) {
      this.deps.logger.warn({ err: error, connectionId }, 'registering again at the current address failed; the connection pulls instead');
      await this.recordError(connectionId, `activation: ${toAdapterError(error, live.connection.system).message}`);
      return false;
    }
  }

  /** Periodic upkeep (renewing channels; naming an old connection's remote, remote-backfill.ts), once per connection; only of the connections `mine` names (instances sharing the stores). */
  maintain(mine?: (connectionId: string) => boolean): Promise<void> {
    // One upkeep at a time: a call while one runs (a slow renewal outlasting the minute) joins it.
    this.upkeep ??= this.maintainNow(mine).finally(() => { this.upkeep = null; });
    return this.upkeep;
  }

  private async maintainNow(mine?: (connectionId: string) => boolean): Promise<void> {
    const connections = [...this.live.values()].filter((live) => !mine || mine(live.connection.id));
    for (const live of connections) {
      try {
        await live.adapter.maintain?.();
      } catch (error) {
        this.deps.logger.warn({ err: error, connectionId: live.connection.id }, 'adapter upkeep failed');
      }
    }
    await this.remotes.name(connections);
  }

  async recordError(connectionId: string, message: string): Promise<void> {
    await this.deps.store.connections.update(connectionId, { last_error: clipText(message, 500), last_error_at: new Date(this.deps.now()).toISOString() })
      .catch((error: unknown) => this.deps.logger.warn({ err: error, connectionId }, 'could not record the connection\'s last error'));
  }

  /** Resolves when every write asked for through adapters' callbacks so far has ended. */
  writesSettled(): Promise<void> {
    return this.writes.settled();
  }

}

/** What a binding whose adapter could not be built runs: no capability, so nothing is pulled or pushed. */
function inertAdapter(definition: AdapterDefinition): Adapter {
  return { system: definition.system, category: definition.category, capabilities: [], fields: {}, testConnection: () => Promise.reject(new AdapterError('invalid_config', `${definition.system}: this binding could not be started (see its last error)`)) };
}
