import type { Logger } from '../logger.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { Connection } from './connection-store.ts';
import type { Integration, IntegrationRecords } from './integration-store.ts';
import type { ConnectionChanges } from './postgres-connection-changes.ts';

export interface ConnectionReloadDeps {
  runtime: ConnectionRuntime;
  registry: IntegrationRegistry;
  store: IntegrationRecords;
  /** Stops delivering a binding that is gone (OutboxWorker.forget). */
  forgetBinding(bindingId: string): void;
  logger: Logger;
}

/** Whether a connection runs: in process, active or needing attention (as ConnectionRuntime.refresh and listActive choose). */
const connectionRuns = (c: Pick<Connection, 'runMode' | 'status'> | undefined) => !!c && c.runMode === 'in_process' && (c.status === 'active' || c.status === 'needs_attention');
/** What runs of a binding: active, in process, of a connection that runs. */
const runs = (b: Integration) => b.status === 'active' && b.runMode === 'in_process' && connectionRuns(b.connection);

/**
 * Rebuilds what runs here of a connection from its stored rows, after another instance sharing the
 * stores changed it (ConnectionsService.announce; on PostgreSQL): its active in-process bindings
 * are built again (new settings, references, vendor), bindings no longer active are dropped, and
 * the connection is refreshed, or forgotten when it is gone. Channels and endpoints are not
 * activated or stopped here: the instance that made the change did that in the external system.
 * Rejects with the store's error (the caller logs it; the next change or restart reloads it).
 */
export async function reloadConnection(deps: ConnectionReloadDeps, connectionId: string): Promise<void> {
  const active = (await deps.store.listForConnection(connectionId)).filter(runs);
  const keep = new Set(active.map((b) => b.id));
  for (const live of deps.registry.forConnection(connectionId)) {
    if (keep.has(live.integration.id)) continue;
    deps.registry.remove(live.integration.id);
    deps.forgetBinding(live.integration.id);
  }
  for (const b of active) {
    try {
      deps.registry.put(await deps.runtime.buildBinding(b));
    } catch (error) {
      // Its own instance recorded why it cannot start; here it does not run.
      deps.registry.remove(b.id);
      deps.logger.warn({ err: error, integrationId: b.id }, 'a binding changed elsewhere could not be built here');
    }
  }
  if (!(await deps.runtime.refresh(connectionId)) && !(await deps.store.connections.get(connectionId))) deps.runtime.forget(connectionId);
}

/**
 * Keeps the connections running here in step with the other instances (BridgeStorage.connectionChanges):
 * announces this instance's changes and reloads, one at a time per connection, those announced by others.
 */
export class ConnectionFollower {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  /**
   * `serialize` runs a reload in the queue this instance's own starts and unbinds of the connection
   * run in (ConnectionsService.serialize), so a reload read before a local change cannot undo it.
   */
  constructor(private readonly deps: ConnectionReloadDeps & { changes: ConnectionChanges; serialize<T>(connectionId: string, fn: () => Promise<T>): Promise<T> }) {
    deps.changes.onChange((ids) => { for (const id of ids) this.reload(id); }, () => deps.runtime.all().map((l) => l.connection.id));
  }

  /** Rebuilds the connection here (in the background; a failure is logged). */
  reload(connectionId: string): void {
    if (this.stopped) return;
    void this.track(this.deps.serialize(connectionId, () => reloadConnection(this.deps, connectionId)))
      .catch((error: unknown) => this.deps.logger.warn({ err: error, connectionId }, 'could not reload a connection changed elsewhere; it is reloaded at the next change or restart'));
  }

  /**
   * The running binding `integrationId`, reloading its connection first when it is stored and runs
   * but is not running here yet (made through another instance, announced but not reloaded yet):
   * work claimed for it here is then done, not dead-lettered or parked. Undefined when it does not
   * run. Rejects with the store's error.
   */
  async ensure(integrationId: string): Promise<LiveIntegration | undefined> {
    const known = this.deps.registry.get(integrationId);
    if (known || this.stopped) return known;
    const first = await this.deps.store.get(integrationId);
    if (!first || !runs(first)) return undefined;
    // Read again in the connection's queue: a disconnect or unbind here that ran meanwhile wins.
    return this.track(this.deps.serialize(first.connectionId, async () => {
      if (this.deps.registry.get(integrationId)) return this.deps.registry.get(integrationId);
      const stored = await this.deps.store.get(integrationId);
      if (!stored || !runs(stored)) return undefined;
      await reloadConnection(this.deps, stored.connectionId);
      return this.deps.registry.get(integrationId);
    }));
  }

  /**
   * As ensure, for a connection of `system` that is not running here: true when it was loaded
   * because it is stored and runs. One running here already, or of another system, is not
   * reloaded (a webhook to a wrong address must not make work). Rejects with the store's error.
   */
  async ensureConnection(connectionId: string, system: string): Promise<boolean> {
    if (this.stopped || this.deps.runtime.get(connectionId)) return false;
    const runsHere = (c: Connection | undefined) => connectionRuns(c) && c!.system === system;
    if (!runsHere(await this.deps.store.connections.get(connectionId))) return false;
    return this.track(this.deps.serialize(connectionId, async () => {
      if (this.deps.runtime.get(connectionId)) return true;
      if (!runsHere(await this.deps.store.connections.get(connectionId))) return false;
      await reloadConnection(this.deps, connectionId);
      return true;
    }));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(() => undefined, () => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return work;
  }

  /** Takes no more reloads and waits for those in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.inFlight]);
  }

  /** Starts listening (before the connections are resumed, so no change made meanwhile is missed). */
  listen(): Promise<void> {
    return this.deps.changes.listen();
  }

  announce(connectionId: string): void {
    void this.deps.changes.announce(connectionId)
      .catch((error: unknown) => this.deps.logger.warn({ err: error, connectionId }, 'a connection change was not told to the other instances before this one stopped; they see it at their restart'));
  }
}
