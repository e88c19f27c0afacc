import { KeyedQueue } from '../keyed-queue.ts';
import type { Logger } from '../logger.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import type { IntegrationRegistry } from './integration-registry.ts';
import type { IntegrationRecords } from './integration-store.ts';
import type { ConnectionChanges } from './postgres-connection-changes.ts';

export interface ConnectionReloadDeps {
  runtime: ConnectionRuntime;
  registry: IntegrationRegistry;
  store: IntegrationRecords;
  /** Stops delivering a binding that is gone (OutboxWorker.forget). */
  forgetBinding(bindingId: string): void;
  logger: Logger;
}

/**
 * Rebuilds what runs here of a connection from its stored rows, after another instance sharing the
 * stores changed it (ConnectionsService.announce; on PostgreSQL): its active in-process bindings
 * are built again (new settings, references, vendor), bindings no longer active are dropped, and
 * the connection is refreshed, or forgotten when it is gone. Channels and endpoints are not
 * activated or stopped here: the instance that made the change did that in the external system.
 * Rejects with the store's error (the caller logs it; the next change or restart reloads it).
 */
export async function reloadConnection(deps: ConnectionReloadDeps, connectionId: string): Promise<void> {
  const active = (await deps.store.listForConnection(connectionId)).filter((b) => b.status === 'active' && b.runMode === 'in_process');
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
  private readonly reloads = new KeyedQueue();

  constructor(private readonly deps: ConnectionReloadDeps & { changes: ConnectionChanges }) {
    deps.changes.onChange((ids) => {
      for (const id of ids) {
        void this.reloads.run(id, () => reloadConnection(deps, id))
          .catch((error: unknown) => deps.logger.warn({ err: error, connectionId: id }, 'could not reload a connection changed elsewhere; it is reloaded at the next change or restart'));
      }
    }, () => deps.runtime.all().map((l) => l.connection.id));
  }

  /** Starts listening (before the connections are resumed, so no change made meanwhile is missed). */
  listen(): Promise<void> {
    return this.deps.changes.listen();
  }

  announce(connectionId: string): void {
    void this.deps.changes.announce(connectionId)
      .catch((error: unknown) => this.deps.logger.warn({ err: error, connectionId }, 'could not tell the other instances of a connection change; they see it at their restart'));
  }
}
