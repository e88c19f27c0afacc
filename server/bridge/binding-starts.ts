import { KeyedQueue } from '../keyed-queue.ts';
import type { ConnectionsServiceDeps } from './connections-service-deps.ts';
import type { LiveIntegration } from './integration-registry.ts';

/**
 * Starting stored bindings (ConnectionsService): each start builds the binding's adapter,
 * registers it, refreshes its connection and activates a connection that just started. Starts,
 * unbinds and disconnects of one connection run one at a time (`run`), so work arriving meanwhile
 * never sees half of one.
 */
export class BindingStarts {
  private readonly queue = new KeyedQueue();

  constructor(private readonly deps: Pick<ConnectionsServiceDeps, 'store' | 'runtime' | 'registry' | 'initialSyncs' | 'logger' | 'announce'>) {}

  /** Runs `fn` in the connection's queue of starts, unbinds and disconnects. */
  run<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(connectionId, fn);
  }

  /**
   * Starts a new binding and its first sync in the background. The sync counts as on its way
   * (InitialSyncs) from before the binding runs here, so no consistency audit judges it before.
   */
  async startNew(connectionId: string, bindingId: string): Promise<LiveIntegration> {
    const first = this.deps.initialSyncs.begin(bindingId);
    let live: LiveIntegration;
    try {
      live = await this.run(connectionId, () => this.startNow(connectionId, bindingId));
    } catch (error) {
      first.cancel();
      throw error;
    }
    void first.run(live).catch((error) => this.deps.logger.warn({ err: error, integrationId: bindingId }, 'initial sync failed'));
    return live;
  }

  private async startNow(connectionId: string, bindingId: string): Promise<LiveIntegration> {
    const integration = (await this.deps.store.get(bindingId))!;
    const live = await this.deps.runtime.buildBinding(integration);
    this.deps.registry.put(live);
    const before = this.deps.runtime.get(connectionId);
    const connection = await this.deps.runtime.refresh(connectionId);
    if (connection && !before) await this.deps.runtime.activate(connection);
    this.deps.announce?.(connectionId);
    return live;
  }
}
