import type { Adapter, AdapterDefinition } from '../../adapters/core/index.ts';
import type { Integration } from './integration-store.ts';

export interface LiveIntegration {
  readonly integration: Integration;
  /** The binding's wedding-scoped adapter (for a LiveBinding, built on first use). */
  readonly adapter: Adapter;
  readonly definition: AdapterDefinition;
}

/**
 * A running binding whose adapter is built the first time something asks for it (a push, a status
 * read, an inbound change to apply). An idle binding of a connection that serves many weddings
 * then holds no client of its own: the connection's adapter does its pulls and webhooks
 * (docs/connections.md, "Memory").
 */
export class LiveBinding implements LiveIntegration {
  #adapter: Adapter | undefined;

  constructor(readonly integration: Integration, readonly definition: AdapterDefinition, private readonly build: () => Adapter) {}

  get adapter(): Adapter {
    return (this.#adapter ??= this.build());
  }

  /** Whether the adapter exists yet. */
  get built(): boolean {
    return this.#adapter !== undefined;
  }
}

/** The fields a binding syncs, from its definition when they are fixed (no adapter is built for them). */
export function fieldsOf(live: LiveIntegration): Adapter['fields'] {
  return live.definition.fields ?? live.adapter.fields;
}

/**
 * Active in-process integrations (bindings) with their adapter instances, by id, by wedding and by connection. The outbound
 * planner consults this on every document update, so it lives in memory; the store is the truth.
 */
export class IntegrationRegistry {
  private readonly byId = new Map<string, LiveIntegration>();
  private readonly byWedding = new Map<string, Set<string>>();
  private readonly byConnection = new Map<string, Set<string>>();

  put(live: LiveIntegration): void {
    this.remove(live.integration.id);
    this.byId.set(live.integration.id, live);
    index(this.byWedding, live.integration.weddingId).add(live.integration.id);
    index(this.byConnection, live.integration.connectionId).add(live.integration.id);
  }

  remove(id: string): LiveIntegration | undefined {
    const live = this.byId.get(id);
    if (!live) return undefined;
    this.byId.delete(id);
    unindex(this.byWedding, live.integration.weddingId, id);
    unindex(this.byConnection, live.integration.connectionId, id);
    return live;
  }

  /** The active bindings of a connection (every webhook and pull asks: kept indexed). */
  forConnection(connectionId: string): LiveIntegration[] {
    return [...(this.byConnection.get(connectionId) ?? [])].map((id) => this.byId.get(id)!);
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

  /** How many bindings have built their adapter (the others are idle). */
  get builtCount(): number {
    let n = 0;
    for (const live of this.byId.values()) if (!(live instanceof LiveBinding) || live.built) n++;
    return n;
  }
}

function index(map: Map<string, Set<string>>, key: string): Set<string> {
  let ids = map.get(key);
  if (!ids) map.set(key, (ids = new Set()));
  return ids;
}

function unindex(map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key);
  ids?.delete(id);
  if (ids && ids.size === 0) map.delete(key);
}
