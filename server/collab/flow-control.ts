import type { Config } from '../config.ts';
import type { Metrics } from '../metrics.ts';

/**
 * Flow control for collaboration sockets: one client must not slow down everyone else.
 *
 * The tension: the server must take every update a client sends (an update dropped after the
 * client sent it is an edit lost, and Yjs would then hold all later ones as pending), yet a client
 * that sends faster than its share makes every other wedding wait behind it. Hocuspocus queues
 * whatever arrives (Connection.messageQueue), so without a limit a flooding socket turns into
 * unbounded memory and seconds of latency for bystanders (issue 10 item 5: p99 5–8 s).
 *
 * The mechanism is backpressure, never dropping: every message a socket delivers is counted
 * against token buckets — the socket's own and the wedding's (shared by every socket writing to
 * it), each for messages per second and bytes per second, with a burst allowance — and a bucket
 * may go into debt. A socket whose buckets are in debt is paused (`ws.pause()`, which stops
 * reading its TCP stream, so the sender's own buffers fill and its writes block) until the debt is
 * paid back. The few messages ws had already read when the socket was paused are still delivered
 * and deepen the debt.
 *
 * Fairness within the budget: one TCP read can hold thousands of small frames, which ws emits in
 * one go. A socket's messages beyond MESSAGES_PER_TURN in one event-loop turn are held (in order,
 * with the socket paused, so at most what ws had already read) and handled in the next turns, so
 * every other socket gets its turn in between. Those handled in one turn still share one group
 * commit (server/storage/group-commit.ts).
 *
 * A socket is also paused while Hocuspocus still holds more than `maxQueuedMessages` of its
 * messages unprocessed (slow hooks), or more than `maxBufferedBytes` of what was sent to it is still
 * unread by its client (one that asks and never reads), and resumed once both are half empty.
 *
 * Last resort: a socket whose debt would take longer than `maxPauseMs` to pay back (many sockets
 * flooding one wedding at once) is closed with 4429 `too-many-messages`; its client reconnects and
 * resends what was not acknowledged.
 */

/** The budgets of one scope (a connection or a wedding). `0` turns that limit off. */
export interface FlowBudget {
  /** Messages (updates, awareness, …) per second. */
  messagesPerSecond: number;
  /** Bytes per second of WebSocket payload. */
  bytesPerSecond: number;
}

export interface FlowControlOptions {
  connection: FlowBudget;
  wedding: FlowBudget;
  /** How many seconds of budget may be spent at once before throttling starts. */
  burstSeconds: number;
  /** Longest a socket is paused for one debt before it is closed instead (ms). */
  maxPauseMs: number;
  /** Unprocessed messages Hocuspocus may hold for one socket before it is paused. */
  maxQueuedMessages: number;
  /**
   * Bytes sent to a socket that its client has not taken yet (ws `bufferedAmount`) before the socket
   * is paused: a client that asks and never reads cannot make the server buffer answers without
   * end. 0: not checked. @default 0
   */
  maxBufferedBytes?: number;
  metrics: Metrics;
  now?: () => number;
}

/** Close code for a socket whose debt is beyond `maxPauseMs` (mirrors HTTP 429). */
export const TOO_MANY_MESSAGES = { code: 4429, reason: 'too-many-messages' } as const;

/**
 * A token bucket that may go into debt: `charge` always succeeds and returns how long (ms) the
 * caller must wait until the balance is back at zero. Capacity is `rate × burstSeconds`.
 */
export class DebtBucket {
  private balance: number;
  private at: number;

  constructor(private readonly rate: number, private readonly capacity: number, now: number) {
    this.balance = capacity;
    this.at = now;
  }

  /** ms until the balance is back at zero after taking `amount` (0 = within budget). */
  charge(amount: number, now: number): number {
    if (this.rate <= 0) return 0;
    this.refill(now);
    this.balance -= amount;
    return this.balance >= 0 ? 0 : (-this.balance / this.rate) * 1000;
  }

  /** True once the bucket is full again (it can be forgotten). */
  idle(now: number): boolean {
    this.refill(now);
    return this.balance >= this.capacity;
  }

  private refill(now: number): void {
    this.balance = Math.min(this.capacity, this.balance + ((now - this.at) / 1000) * this.rate);
    this.at = now;
  }
}

/** A pair of buckets (messages, bytes) for one scope. */
class ScopeBudget {
  private readonly messages: DebtBucket;
  private readonly bytes: DebtBucket;

  constructor(budget: FlowBudget, burstSeconds: number, now: number) {
    this.messages = new DebtBucket(budget.messagesPerSecond, Math.max(1, budget.messagesPerSecond * burstSeconds), now);
    this.bytes = new DebtBucket(budget.bytesPerSecond, Math.max(1, budget.bytesPerSecond * burstSeconds), now);
  }

  charge(bytes: number, now: number): number {
    return Math.max(this.messages.charge(1, now), this.bytes.charge(bytes, now));
  }

  idle(now: number): boolean {
    return this.messages.idle(now) && this.bytes.idle(now);
  }
}

/** What FlowControl needs of a socket: ws' own pause/resume/close. */
export interface PausableSocket {
  pause(): void;
  resume(): void;
  close(code: number, reason: string): void;
  terminate(): void;
  /** Bytes queued to send that the client has not taken yet. */
  readonly bufferedAmount: number;
  readonly readyState: number;
  readonly OPEN: number;
  readonly CLOSING: number;
}

type Scope = 'connection' | 'wedding' | 'queue' | 'unread';

/**
 * Messages of one socket handled per event-loop turn; the rest wait for the next turns. 8 rather
 * than 32 took bystanders' p99 during a flood from 40–45 ms to 14–20 ms (docs/performance.md).
 */
const MESSAGES_PER_TURN = 8;

/** Budget (in ms of rate) a paused socket must have built up again before it is resumed. */
const RESUME_MARGIN_MS = 20;

/** Longest wait between two checks of a socket paused for its queue, ms. */
const QUEUE_CHECK_MAX_MS = 32;

/** How long a paused socket the server closed may take to finish closing before it is dropped. */
const CLOSE_GRACE_MS = 1000;

/** One server's flow control: the per-wedding buckets, shared by every socket. */
export class FlowControl {
  private readonly weddings = new Map<string, ScopeBudget>();
  private readonly sockets = new Set<SocketFlow>();
  private charges = 0;
  private peakQueue = 0;
  readonly now: () => number;

  constructor(readonly options: FlowControlOptions) {
    this.now = options.now ?? (() => performance.now());
    options.metrics.collectors.collabQueue = () => {
      let queued = 0;
      for (const s of this.sockets) queued += s.queued();
      options.metrics.collabQueuedMessages.set(queued);
    };
  }

  /** A gate for one socket; `queued` reports how many of its messages Hocuspocus holds unprocessed. */
  socket(ws: PausableSocket, queued: () => number): SocketFlow {
    const flow = new SocketFlow(this, ws, queued);
    this.sockets.add(flow);
    return flow;
  }

  /** @internal */
  forget(flow: SocketFlow): void {
    this.sockets.delete(flow);
  }

  /** @internal ms the wedding's budget needs to recover from this message. */
  chargeWedding(documentName: string, bytes: number, now: number): number {
    let budget = this.weddings.get(documentName);
    if (!budget) {
      budget = new ScopeBudget(this.options.wedding, this.options.burstSeconds, now);
      this.weddings.set(documentName, budget);
    }
    // Buckets of weddings nobody writes to any more are forgotten now and then.
    if ((++this.charges & 4095) === 0) for (const [name, b] of this.weddings) if (b !== budget && b.idle(now)) this.weddings.delete(name);
    return budget.charge(bytes, now);
  }

  /** @internal */
  sawQueue(queued: number): void {
    if (queued > this.peakQueue) {
      this.peakQueue = queued;
      this.options.metrics.collabQueuePeak.set(queued);
    }
  }

  /** @internal */
  throttled(scope: Scope, ms: number, newPause = true): void {
    if (newPause) this.options.metrics.collabThrottled.inc({ scope });
    this.options.metrics.collabThrottledSeconds.inc({ scope }, ms / 1000);
  }
}

/** Flow control of one socket. */
export class SocketFlow {
  private readonly budget: ScopeBudget;
  private pausedUntil = 0;
  private budgetTimer: NodeJS.Timeout | undefined;
  private queueTimer: NodeJS.Timeout | undefined;
  private waitingForQueue = false;
  private closed = false;
  /** Messages held for later turns, and whether the socket is paused for them. */
  private readonly held: { bytes: number; handle: () => string | undefined }[] = [];
  private holding = false;
  private handledThisTurn = 0;

  constructor(private readonly flow: FlowControl, private readonly ws: PausableSocket, readonly queued: () => number) {
    this.budget = new ScopeBudget(flow.options.connection, flow.options.burstSeconds, flow.now());
  }

  /**
   * Handles one message the socket delivered, now or (past this turn's share) in a later turn, in
   * the order they came. `handle` hands it to Hocuspocus and returns the document it is addressed
   * to when that document is open on this socket, so that a client cannot spend the budget of a
   * wedding it has not opened.
   */
  deliver(bytes: number, handle: () => string | undefined): void {
    // Closed with 4429: what ws had still read is not handled (nor acknowledged; the client resends it).
    if (this.closed) return;
    if (this.held.length > 0 || this.handledThisTurn >= MESSAGES_PER_TURN || this.blocked()) {
      this.held.push({ bytes, handle });
      if (!this.holding) {
        this.holding = true;
        this.ws.pause();
      }
      return;
    }
    this.run(bytes, handle);
  }

  private run(bytes: number, handle: () => string | undefined): void {
    if (this.handledThisTurn++ === 0) setImmediate(() => this.nextTurn());
    this.delivered(bytes, handle());
  }

  /** Handles held messages, a turn's share at a time, while the budgets allow. */
  private nextTurn(): void {
    this.handledThisTurn = 0;
    if (this.closed || this.held.length === 0) return;
    while (this.held.length > 0 && this.handledThisTurn < MESSAGES_PER_TURN && !this.blocked()) {
      const m = this.held.shift()!;
      this.run(m.bytes, m.handle);
    }
    if (this.held.length === 0) {
      this.holding = false;
      this.maybeResume();
    }
  }

  /** Paused for a budget or for Hocuspocus' queue (maybeResume goes on once that is over). */
  private blocked(): boolean {
    return this.waitingForQueue || this.pausedUntil > this.flow.now();
  }

  /**
   * Counts one handled message and pauses the socket if a budget is in debt or Hocuspocus' queue
   * for it is long.
   */
  private delivered(bytes: number, documentName: string | undefined): void {
    if (this.closed) return;
    const now = this.flow.now();
    const own = this.budget.charge(bytes, now);
    const wedding = documentName === undefined ? 0 : this.flow.chargeWedding(documentName, bytes, now);
    const wait = Math.max(own, wedding);
    if (wait > this.flow.options.maxPauseMs) {
      this.flow.throttled(own >= wedding ? 'connection' : 'wedding', 0);
      this.flow.options.metrics.wsRejected.inc({ reason: 'too_many_messages' });
      this.dispose();
      // The socket stays paused: the client's close reply sits behind everything it still has
      // buffered, so the TCP connection is dropped after a moment instead of read to the end.
      this.ws.pause();
      this.ws.close(TOO_MANY_MESSAGES.code, TOO_MANY_MESSAGES.reason);
      setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
      return;
    }
    if (wait > 0) this.pauseFor(own >= wedding ? 'connection' : 'wedding', now, wait);
    const queued = this.queued();
    this.flow.sawQueue(queued);
    if (wait === 0 && !this.waitingForQueue && queued > this.flow.options.maxQueuedMessages) this.waitForQueue('queue');
    else if (wait === 0 && !this.waitingForQueue && this.unread() > 1) this.waitForQueue('unread');
  }

  /** The socket's unread outgoing bytes as a share of `maxBufferedBytes` (0 when not checked). */
  private unread(): number {
    const max = this.flow.options.maxBufferedBytes ?? 0;
    return max > 0 ? this.ws.bufferedAmount / max : 0;
  }

  /** The socket closed: timers stop and it no longer counts. */
  dispose(): void {
    this.closed = true;
    // Held messages of a closed socket were never acknowledged: the client sends them again.
    this.held.length = 0;
    clearTimeout(this.budgetTimer);
    clearTimeout(this.queueTimer);
    this.flow.forget(this);
  }

  private pauseFor(scope: Scope, now: number, ms: number): void {
    // Resumed only once a little budget has built up again, so a socket at its limit is paused and
    // resumed every RESUME_MARGIN_MS rather than for every message.
    const until = now + ms + RESUME_MARGIN_MS;
    if (until <= this.pausedUntil) return;
    // Each pause counts once, with only the time it adds to one already running.
    this.flow.throttled(scope, until - Math.max(now, this.pausedUntil), this.pausedUntil <= now);
    this.pausedUntil = until;
    this.ws.pause();
    clearTimeout(this.budgetTimer);
    this.budgetTimer = setTimeout(() => this.maybeResume(), Math.min(CLOSE_GRACE_MS, Math.ceil(ms + RESUME_MARGIN_MS)));
  }

  private waitForQueue(scope: 'queue' | 'unread'): void {
    this.waitingForQueue = true;
    this.flow.throttled(scope, 0);
    this.ws.pause();
    // Checked after 1 ms, then less often (doubling, at most every QUEUE_CHECK_MAX_MS): Hocuspocus'
    // own queue drains in milliseconds, but a relayed socket's backlog waits for its owner's throttle.
    let delay = 1;
    const check = () => {
      if (this.closed) return;
      if (this.ws.readyState === this.ws.CLOSING) return this.ws.terminate();
      if (this.queued() > this.flow.options.maxQueuedMessages / 2 || this.unread() > 0.5) {
        delay = Math.min(QUEUE_CHECK_MAX_MS, delay * 2);
        this.queueTimer = setTimeout(check, delay);
        return;
      }
      this.waitingForQueue = false;
      this.maybeResume();
    };
    this.queueTimer = setTimeout(check, 1);
  }

  private maybeResume(): void {
    if (this.closed) return;
    // The server closed a paused socket (token expiry, shutdown, …): its close handshake cannot
    // complete without reading, so the connection is dropped (checked at least every CLOSE_GRACE_MS).
    if (this.ws.readyState === this.ws.CLOSING) return this.ws.terminate();
    if (this.waitingForQueue || this.ws.readyState !== this.ws.OPEN) return;
    const left = this.pausedUntil - this.flow.now();
    if (left > 0) {
      clearTimeout(this.budgetTimer);
      this.budgetTimer = setTimeout(() => this.maybeResume(), Math.min(CLOSE_GRACE_MS, Math.ceil(left)));
      return;
    }
    // Messages held while paused go first; nextTurn resumes the socket once they are all handled.
    if (this.holding) {
      if (this.handledThisTurn === 0) this.nextTurn();
      return;
    }
    this.ws.resume();
  }
}

/**
 * How many of one socket's messages Hocuspocus holds unprocessed: the per-document queues
 * (Connection.messageQueue) and the queue of documents still authenticating.
 * NOTE: Hocuspocus 4.7 exposes neither; this reads the private fields of ClientConnection and
 * Connection by name, and reports 0 if they are ever renamed (tests/collab/noisy-neighbour.test.ts
 * asserts the count moves during a flood, so a rename is noticed).
 */
export function hocuspocusQueueLength(clientConnection: unknown): number {
  const cc = clientConnection as { documentConnections?: Record<string, { messageQueue?: unknown[] }>; incomingMessageQueue?: Record<string, unknown[]> };
  let n = 0;
  for (const c of Object.values(cc.documentConnections ?? {})) n += c.messageQueue?.length ?? 0;
  for (const q of Object.values(cc.incomingMessageQueue ?? {})) n += q.length;
  return n;
}

/** The server's flow control as configured (docs/operations.md lists the settings). */
export function flowControlFromConfig(config: Config, metrics: Metrics): FlowControl {
  return new FlowControl({
    connection: { messagesPerSecond: config.COLLAB_CONNECTION_MESSAGES_PER_S, bytesPerSecond: config.COLLAB_CONNECTION_BYTES_PER_S },
    wedding: { messagesPerSecond: config.COLLAB_WEDDING_MESSAGES_PER_S, bytesPerSecond: config.COLLAB_WEDDING_BYTES_PER_S },
    burstSeconds: config.COLLAB_BURST_S,
    maxPauseMs: config.COLLAB_MAX_PAUSE_MS,
    maxQueuedMessages: config.COLLAB_MAX_QUEUED_MESSAGES,
    // Never below two of the largest wedding's sync: one answer alone must not pause a reader.
    maxBufferedBytes: config.COLLAB_MAX_BUFFERED_BYTES === 0 ? 0 : Math.max(config.COLLAB_MAX_BUFFERED_BYTES, 2 * config.MAX_DOCUMENT_BYTES),
    metrics,
  });
}

