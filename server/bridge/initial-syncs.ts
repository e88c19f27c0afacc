import type { LiveIntegration } from './integration-registry.ts';

/** One binding's first sync, counted as on its way from InitialSyncs.begin. */
export interface InitialSync {
  /** Runs it (once); it stays on its way until the returned promise settles. */
  run(live: LiveIntegration): Promise<void>;
  /** The binding never started: nothing is on its way. */
  cancel(): void;
}

/**
 * The first sync of each binding started on this instance (Bridge.initialSyncs: the wedding planned
 * out to the system, then the system's records read in), while it is on its way. The consistency
 * audit leaves such a binding alone: until its first pushes are planned, every entity of the
 * wedding would look like a push that was lost, and until its first read is in, every record like
 * a webhook that was missed.
 */
export class InitialSyncs {
  /** Binding id → how many of its first syncs are on their way (a binding started again while one is). */
  private readonly running = new Map<string, number>();

  /** `sync` must be asynchronous (an async function): it settles the count when its promise does. */
  constructor(private readonly sync: (live: LiveIntegration) => Promise<void>) {}

  /**
   * Counts binding `id`'s first sync as on its way from now. Call it before the binding starts
   * running (ConnectionRuntime, the registry), so that no audit finds it running without.
   */
  begin(id: string): InitialSync {
    this.running.set(id, (this.running.get(id) ?? 0) + 1);
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      const left = (this.running.get(id) ?? 1) - 1;
      if (left > 0) this.running.set(id, left);
      else this.running.delete(id);
    };
    return {
      run: (live) => this.sync(live).finally(done),
      cancel: done,
    };
  }

  /** Whether a first sync of binding `id` is on its way on this instance. */
  pending(id: string): boolean {
    return this.running.has(id);
  }
}
