/**
 * Paces webhook acknowledgements to their application (issue 15: "webhook application keeping pace
 * with acknowledgement"). Acknowledging is cheaper than applying (one batched INSERT against a
 * document change and its joined writes), so under a flood an instance used to acknowledge about
 * twice what it applied: the backlog, and with it the time until a vendor's change reaches the
 * wedding, grew for as long as the flood lasted (docs/performance.md, "Webhooks accepted and
 * applied").
 *
 * The inbox worker reports the lag it applies at: when it starts a slice, the age of the slice's
 * oldest row on its first attempt (rows retried with backoff are late by design and not counted).
 * - Past `startLagMs` the intake is **behind**: a verified delivery waits (`admit`) before it is
 *   stored, and each row the worker has finished (`applied`, outcome committed) lets one waiting
 *   delivery in, first come first served. Acknowledgements then go at the pace of application, and
 *   the backlog stops growing; a sender with requests in flight sends more slowly.
 * - Under `stopLagMs`, or when the worker finds nothing due (`idle`), it is no longer behind and
 *   every waiting delivery goes in.
 * - A delivery never waits longer than `maxWaitMs`: it is then stored and acknowledged anyway
 *   (nothing is refused for pacing; a worker that has stopped applying, its storage failing, must
 *   not make the intake stop acknowledging).
 *
 * Each instance paces its own intake to its own worker (on PostgreSQL both see the shared inbox:
 * a balancer spreading deliveries spreads the pacing).
 */
export interface IntakePacingOptions {
  now: () => number;
  /** Lag (ms) past which deliveries wait for application; 0: never. @default 1000 (the brief's "within a second") */
  startLagMs?: number;
  /** Lag (ms) under which they no longer do. @default a quarter of startLagMs */
  stopLagMs?: number;
  /** The longest a delivery waits (ms) before it is stored anyway. @default 2000 */
  maxWaitMs?: number;
  /** Called when a delivery had to wait, with how long (ms): the `wedsync_webhook_paced_seconds` histogram. */
  waited?: (ms: number) => void;
}

/** What the inbox workers report (InboxWorker, PostgresInboxWorker). */
export interface ApplyProgress {
  /** A slice starts with these due rows of one wedding, in order (their arrival `receivedAt`, ms since the epoch, and attempts so far). */
  applying(rows: readonly { receivedAt: number; attempts: number }[]): void;
  /** `count` rows' outcomes were committed (applied, retried or parked). */
  applied(count: number): void;
  /** The worker found no row due: nothing is behind. */
  idle(): void;
}

interface Waiter { enter: () => void; timer: ReturnType<typeof setTimeout>; since: number }

const NO_WAIT = Promise.resolve(0);

/** At most this many admissions are banked while behind and nobody waits. */
const MAX_CREDITS = 64;

export class IntakePacing implements ApplyProgress {
  private behind = false;
  private credits = 0;
  private readonly waiting: Waiter[] = [];
  private readonly startLagMs: number;
  private readonly stopLagMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: IntakePacingOptions) {
    this.startLagMs = options.startLagMs ?? 1000;
    this.stopLagMs = options.stopLagMs ?? this.startLagMs / 4;
    this.maxWaitMs = options.maxWaitMs ?? 2000;
  }

  /** True while deliveries wait for application. */
  get pacing(): boolean {
    return this.behind;
  }

  /** Deliveries waiting now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Resolves when a verified delivery may be stored, with how long it waited (ms): at once with 0
   * unless behind (see the class). Never rejects. The intake adds the wait to the row's
   * `receivedAt` (when it entered the inbox), so the lag the worker reports is application's alone:
   * a wait counted in it would keep the intake behind after application caught up.
   */
  admit(): Promise<number> {
    if (!this.behind) return NO_WAIT;
    if (this.credits > 0 && this.waiting.length === 0) {
      this.credits--;
      return NO_WAIT;
    }
    return new Promise((resolve) => {
      const since = this.options.now();
      const waiter: Waiter = {
        since,
        enter: () => {
          clearTimeout(waiter.timer);
          const ms = Math.max(0, this.options.now() - since);
          this.options.waited?.(ms);
          resolve(ms);
        },
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          waiter.enter();
        }, this.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  applying(rows: readonly { receivedAt: number; attempts: number }[]): void {
    const first = rows.find((r) => r.attempts === 0);
    if (!first || this.startLagMs === 0) return;
    const lag = this.options.now() - first.receivedAt;
    if (lag > this.startLagMs) this.behind = true;
    else if (lag < this.stopLagMs) this.caughtUp();
  }

  applied(count: number): void {
    if (!this.behind) return;
    let left = count;
    while (left > 0 && this.waiting.length > 0) {
      this.waiting.shift()!.enter();
      left--;
    }
    this.credits = Math.min(MAX_CREDITS, this.credits + left);
  }

  idle(): void {
    this.caughtUp();
  }

  /** Lets every waiting delivery in (stopping the server: they are stored and answered before it closes). */
  close(): void {
    this.caughtUp();
  }

  private caughtUp(): void {
    this.behind = false;
    this.credits = 0;
    for (const waiter of this.waiting.splice(0)) waiter.enter();
  }
}
