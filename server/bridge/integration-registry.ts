import type { Adapter, AdapterDefinition } from '../../adapters/core/index.ts';
import type { Integration } from './integration-store.ts';

export interface LiveIntegration {
  integration: Integration;
  adapter: Adapter;
  definition: AdapterDefinition;
}

/**
 * Active in-process integrations with their adapter instances, by id and by wedding. The outbound
 * planner consults this on every document update, so it lives in memory; the store is the truth.
 */
export class IntegrationRegistry {
  private readonly byId = new Map<string, LiveIntegration>();
  private readonly byWedding = new Map<string, Set<string>>();

  put(live: LiveIntegration): void {
    this.remove(live.integration.id);
    this.byId.set(live.integration.id, live);
    let ids = this.byWedding.get(live.integration.weddingId);
    if (!ids) this.byWedding.set(live.integration.weddingId, (ids = new Set()));
    ids.add(live.integration.id);
  }

  remove(id: string): LiveIntegration | undefined {
    const live = this.byId.get(id);
    if (!live) return undefined;
    this.byId.delete(id);
    const ids = this.byWedding.get(live.integration.weddingId);
    ids?.delete(id);
    if (ids && ids.size === 0) this.byWedding.delete(live.integration.weddingId);
    return live;
  }

  get(id: string): LiveIntegration | undefined {
    return this.byId.get(id);
  }

  forWedding(weddingId: string): LiveIntegration[] {
    return [...(this.byWedding.get(weddingId) ?? [])].map((id) => this.byId.get(id)!);
  }

  all(): LiveIntegration[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
