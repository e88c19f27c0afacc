import { canPull } from '../../adapters/core/index.ts';
import type { LiveConnection } from './connection-runtime.ts';

export interface PullScheduleDeps {
  /** Every running connection (ConnectionRuntime.all). */
  connections: () => Iterable<LiveConnection>;
  /** The running connection with this id now (ConnectionRuntime.get): one disconnected or rebuilt while queued is not pulled stale. */
  connection: (connectionId: string) => LiveConnection | undefined;
  /** When the connection was last pulled (ms since the epoch), 0 if never (Puller.lastPulledAt). */
  lastPulledAt: (connectionId: string) => number;
  /** True while a pull of the connection runs or waits (Puller.pending). */
  pending: (connectionId: string) => boolean;
  /** Starts a scheduled pull of the connection (Bridge.pullConnection with reason `scheduled`). */
  pull: (live: LiveConnection) => void;
  now: () => number;
  /** How often each connection is pulled, ms (PULL_INTERVAL_MS). */
  intervalMs: number;
}

/** Longest tick, ms: a connection that comes due waits at most this long (plus its spacing). */
const MAX_TICK_MS = 1000;
/** Shortest tick, ms. */
const MIN_TICK_MS = 250;

/**
 * The background schedule: every connection that can be pulled is pulled once per `intervalMs`,
 * whatever the number of weddings it serves, as a safety net behind its webhooks.
 *
 * Pulls are paced, not started in bursts. Each tick (¼ of the interval, between 250 ms and 1 s)
 * finds the connections that came due since the last one and starts them evenly spaced over the
 * next tick. At 10,000 connections and a 60 s interval that is one pull every 6 ms rather than
 * about 166 at once: the replies of a burst arrive together and are handled back to back, and every
 * webhook, edit and acknowledgement queued behind them waits (issue 12 item 7, `npm run bench --
 * connections`). Pulls asked for by a webhook or a person never wait here (Bridge.pullConnection).
 *
 * A connection never pulled since start-up is due at a point of the first interval fixed by its
 * id, so thousands of connections do not all pull on the first tick.
 */
export class PullSchedule {
  readonly tickMs: number;
  private startedAt = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private paceTimer: NodeJS.Timeout | undefined;
  /** Due connections not started yet, in order, and their ids (so a later tick does not queue one twice). */
  private queue: LiveConnection[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  /** Time between paced starts, ms: the tick over what was waiting at the last tick. */
  private spacingMs = 0;

  constructor(private readonly deps: PullScheduleDeps) {
    this.tickMs = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, deps.intervalMs / 4));
  }

  start(startedAt: number): void {
    this.startedAt = startedAt;
    this.tickTimer = setInterval(() => this.tick(), this.tickMs);
    this.tickTimer.unref();
  }

  stop(): void {
    clearInterval(this.tickTimer);
    clearTimeout(this.paceTimer);
    this.tickTimer = this.paceTimer = undefined;
    this.queue = [];
    this.head = 0;
    this.queued.clear();
  }

  /** Due connections queued and not started yet. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Queues the connections that came due and spreads the queue over the next tick. */
  tick(): void {
    const { intervalMs } = this.deps;
    const now = this.deps.now();
    for (const live of this.deps.connections()) {
      const id = live.connection.id;
      if (this.queued.has(id) || !canPull(live.adapter) || live.connection.status === 'needs_attention') continue;
      const last = this.deps.lastPulledAt(id) || this.startedAt - intervalMs + spread(id, intervalMs);
      if (now - last < intervalMs || this.deps.pending(id)) continue;
      this.queued.add(id);
      this.queue.push(live);
    }
    if (this.waiting === 0) return;
    this.spacingMs = this.tickMs / this.waiting;
    if (!this.paceTimer) this.step();
  }

  /** Starts the next due pull(s) and arms the timer for the following ones. */
  private step(): void {
    this.paceTimer = undefined;
    // Timers fire at most about once a millisecond: below that spacing, several start per step.
    const perStep = Math.max(1, Math.round(1 / Math.max(this.spacingMs, 1e-3)));
    for (let n = 0; n < perStep && this.waiting > 0; n++) {
      const id = this.queue[this.head++]!.connection.id;
      this.queued.delete(id);
      const live = this.deps.connection(id);
      if (!live || !canPull(live.adapter) || live.connection.status === 'needs_attention' || this.deps.pending(id)) continue;
      this.deps.pull(live);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.waiting > 0) {
      this.paceTimer = setTimeout(() => this.step(), Math.max(1, this.spacingMs));
      this.paceTimer.unref();
    }
  }
}

/** A stable offset in [0, interval) for a key (FNV-1a of its characters). */
export function spread(key: string, interval: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % Math.max(1, interval);
}
