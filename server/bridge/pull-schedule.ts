import { canPull } from '../../adapters/core/index.ts';
import type { Logger } from '../logger.ts';
import type { BridgeSettings } from './bridge-deps.ts';
import type { BridgeStorage } from './bridge-storage.ts';
import type { ConnectionRuntime, LiveConnection } from './connection-runtime.ts';
import type { LiveIntegration } from './integration-registry.ts';
import { Puller, type PullReason, type ReadPauses } from './puller.ts';
import { bindingPullTarget, connectionPullTarget, type PullTargetDeps } from './pull-targets.ts';

export interface PullScheduleDeps {
  runtime: Pick<ConnectionRuntime, 'get' | 'all' | 'bindingsOf'>;
  /** Where pulled pages go (pull-targets.ts). */
  targets: PullTargetDeps;
  now: () => number;
  logger: Logger;
  /** How long a connection goes without a scheduled pull (ms). */
  intervalMs: number;
  /**
   * The same for a connection whose changes arrive by push (`Adapter.pushLive`): a safety net for
   * dropped notifications, never shorter than `intervalMs` (ms). @default intervalMs
   */
  safetyIntervalMs?: number;
  /** Scheduled pulls running at once (Puller). @default unlimited */
  scheduledConcurrency?: number;
  /** Whether this instance does the connection's scheduled pulls (ConnectionDuties.mine; instances sharing the stores). @default every connection */
  mine?: (connectionId: string) => boolean;
  /** A 429's pause of a connection's reads shared with the other instances (PostgreSQL; Puller). */
  pauses?: ReadPauses;
}

/**
 * Which pull a binding or a connection gets (its connection's, when the connection routes records
 * to many weddings), and when the scheduled ones run: one pull per connection per interval (one
 * cursor per stream), whatever the number of weddings it serves, spread over the interval so
 * thousands of connections do not all pull at once. The pulls themselves are Puller's.
 *
 * A connection whose system pushes its changes (a live watch channel or subscription:
 * `Adapter.pushLive`) is pulled on a notification, and on schedule only every `safetyIntervalMs`,
 * to catch notifications the system dropped (Google: "Notifications are not 100% reliable"). At
 * 10,000 Google calendars, one list request per calendar a minute would be 10,000 requests a
 * minute: all of Calendar API's quota per project (10,000 a minute, developers.google.com/workspace/
 * calendar/api/guides/quota), before any push or notification's pull. Every connection is still
 * pulled once in the first `intervalMs` after start-up, for changes made while the hub was down.
 */
export class PullSchedule {
  private readonly puller: Puller;
  private startedAt = 0;
  /**
   * The earliest time (ms) `tick` need look at a connection again. Keyed by the running
   * connection, so one started again (new credentials, back from needs attention) is looked at anew.
   */
  private readonly notBefore = new WeakMap<LiveConnection, number>();

  constructor(private readonly deps: PullScheduleDeps) {
    this.puller = new Puller({
      now: deps.now,
      ...(deps.scheduledConcurrency ? { scheduledConcurrency: deps.scheduledConcurrency } : {}),
      ...(deps.pauses ? { shared: { pauses: deps.pauses, onError: (error, connectionId) => deps.logger.warn({ err: error, connectionId }, 'could not read or record a shared 429 pause of reads; going on with this instance\'s own') } } : {}),
    });
  }

  /** Marks start-up: connections not pulled since are due at points of the first interval from here. */
  start(): void {
    this.startedAt = this.deps.now();
  }

  /** How often `tick` should run (ms): short, so each tick starts the few pulls that came due since the last, not a burst of thousands. */
  get tickMs(): number {
    return Math.max(250, Math.min(1000, this.deps.intervalMs / 4));
  }

  /**
   * Pulls what the binding's system has into the inbox; resolves with the inbox row ids (see
   * Puller). For a connection serving many weddings that is the connection's pull: its rows for
   * every bound wedding.
   */
  pullBinding(live: LiveIntegration, full: boolean): Promise<number[]> {
    const connection = this.deps.runtime.get(live.integration.connectionId);
    if (connection?.routes) return this.pullConnection(connection, full);
    return this.puller.pull(bindingPullTarget(this.deps.targets, live), full);
  }

  /**
   * Pulls a connection: routed to its weddings, or (one wedding per connection) into its binding's
   * inbox. `scheduled` pulls wait for a turn; requested ones (webhooks, people) go first (Puller.pull).
   */
  pullConnection(live: LiveConnection, full: boolean, reason: PullReason = 'requested'): Promise<number[]> {
    if (!live.routes) {
      const binding = this.deps.runtime.bindingsOf(live.connection.id)[0];
      return binding ? this.puller.pull(bindingPullTarget(this.deps.targets, binding), full, reason) : Promise.resolve([]);
    }
    return this.puller.pull(connectionPullTarget(this.deps.targets, live), full, reason);
  }

  /**
   * Starts the scheduled pulls that came due; connections that need a person are skipped. A
   * connection found not due is not looked at again before the time it could be (`notBefore`): at
   * most one interval later, so a channel that lapsed or a status that changed is seen within
   * `intervalMs`. A pull in between (a webhook's) only moves the due time later.
   */
  tick(): void {
    const now = this.deps.now();
    const interval = this.deps.intervalMs;
    const safety = Math.max(interval, this.deps.safetyIntervalMs ?? interval);
    const wanted = this.puller.anyWanted;
    for (const live of this.deps.runtime.all()) {
      const id = live.connection.id;
      // A pull asked for during a 429's pause (here, whichever instance schedules it) follows as soon as it has passed.
      const asked = wanted ? this.puller.takeWanted(id) : undefined;
      if (asked && canPull(live.adapter) && live.connection.status !== 'needs_attention') {
        // Asked by the schedule only (refused by a pause another instance recorded): it waits for a turn as before.
        void this.pullConnection(live, asked.full, asked.reason).catch((error) => this.deps.logger.info({ err: error, connectionId: id }, 'pull asked for during a 429 failed'));
        continue;
      }
      if ((this.notBefore.get(live) ?? 0) > now) continue;
      // Another instance sharing the stores pulls it on schedule.
      if (this.deps.mine && !this.deps.mine(id)) continue;
      if (!canPull(live.adapter) || live.connection.status === 'needs_attention') {
        this.notBefore.set(live, now + interval);
        continue;
      }
      // Its system answered 429: not pulled on schedule before its Retry-After.
      const paused = this.puller.pausedUntilOf(id);
      if (paused) {
        this.notBefore.set(live, paused);
        continue;
      }
      // Never pulled since start-up: due at a point of the first interval fixed by the connection's
      // id, so thousands of connections do not all pull on the first tick.
      const pulledAt = this.puller.lastPulledAt(id);
      const last = pulledAt || this.startedAt - interval + spread(id, interval);
      if (now - last < interval) {
        this.notBefore.set(live, last + interval);
        continue;
      }
      // Its system pushes its changes: only the safety pull is scheduled, once the last pull
      // succeeded (a failed one, a notification's included, is tried again after `intervalMs`).
      if (pulledAt && this.puller.lastSucceededAt(id) === pulledAt && now - pulledAt < safety && live.adapter.pushLive?.()) {
        this.notBefore.set(live, Math.min(pulledAt + safety, now + interval));
        continue;
      }
      if (this.puller.pending(id)) continue;
      void this.pullConnection(live, false, 'scheduled').catch((error) => this.deps.logger.info({ err: error, connectionId: id }, 'scheduled pull failed'));
    }
  }

  /** Until when (ms) reads of the connection wait out a 429 told to any instance, 0 if they need not (Puller.pausedUntilAnywhere). */
  readsPausedUntil(connectionId: string): Promise<number> {
    return this.puller.pausedUntilAnywhere(connectionId);
  }

  /** Records a 429 answered to another read of the connection (the consistency audit's), for every instance: Puller.pause. */
  pauseReads(connectionId: string, retryAfterMs: number | undefined): Promise<void> {
    return this.puller.pause(connectionId, retryAfterMs);
  }

  /** Resolves when every pull now running, and any queued behind one, has ended (failed ones included). */
  settled(): Promise<void> {
    return this.puller.drain();
  }
}

/**
 * The schedule's settings from the bridge's, and what its storage shares between instances: which
 * connections' scheduled pulls are this instance's (`duties`) and the 429 pauses of reads.
 */
export function pullScheduleSettings(
  settings: Pick<BridgeSettings, 'pullIntervalMs' | 'safetyPullIntervalMs' | 'scheduledPullConcurrency'>,
  storage: Pick<BridgeStorage, 'duties' | 'readPauses'>,
): Pick<PullScheduleDeps, 'intervalMs' | 'safetyIntervalMs' | 'scheduledConcurrency' | 'mine' | 'pauses'> {
  const duties = storage.duties;
  return {
    intervalMs: settings.pullIntervalMs,
    ...(duties ? { mine: (id: string) => duties.mine(id) } : {}),
    ...(storage.readPauses ? { pauses: storage.readPauses } : {}),
    ...(settings.safetyPullIntervalMs ? { safetyIntervalMs: settings.safetyPullIntervalMs } : {}),
    ...(settings.scheduledPullConcurrency ? { scheduledConcurrency: settings.scheduledPullConcurrency } : {}),
  };
}

/** A stable offset in [0, interval) for a key (FNV-1a of its characters). */
function spread(key: string, interval: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % Math.max(1, interval);
}
