/**
 * Paces webhook acknowledgements to their application (issue 15: "webhook application keeping pace
 * with acknowledgement"). Acknowledging is cheaper than applying (one batched INSERT against a
 * document change and its joined writes), so under a flood an instance used to acknowledge about
 * twice what it applied: the backlog, and with it the time until a vendor's change reaches the
 * wedding, grew for as long as the flood lasted (docs/performance.md, "Webhooks accepted and
 * applied").
 *
 * The inbox workers report each slice they finished (`applied`): its rows' arrival times and
 * attempts. A slice's lag is the age, when it committed, of its newest row on a first attempt: how
 * long the latest arrival waited to be applied (rows retried with backoff are late by design, and
 * rows left waiting behind a retry count only when no later row came with them: a slice made of
 * them alone starts the pacing until the worker is idle or the budget passes).
 * - A lag past `startLagMs` makes the instance **behind**: a verified delivery waits (`admit`)
 *   before it is stored, and each row a slice finished lets one waiting delivery in, first come
 *   first served. Acknowledgements then go at the pace of application and the backlog stops
 *   growing; a sender with requests in flight sends more slowly.
 * - It stays behind while any slice finishes with a lag past `stopLagMs` (one wedding's quick slice
 *   does not release a flood); once none has for `startLagMs`, or when the worker finds nothing due
 *   (`idle`), it is not, and every waiting delivery goes in. A worker whose slices all fail reports
 *   nothing, so it cannot keep the intake behind.
 * - A delivery never waits longer than `maxWaitMs`: it is then stored and acknowledged anyway
 *   (nothing is refused for pacing: a refused event comes back only after the sender's own backoff,
 *   minutes to hours for some).
 *
 * Each instance paces its own intake by what its own worker applies. On PostgreSQL an instance whose
 * worker finds nothing to claim (siblings hold the busy weddings) is not paced, however far behind
 * the shared inbox is: with several instances the pacing holds back less (docs/performance.md).
 * Times are wall-clock ms (`Date.now`), as the HTTP routes stamp `receivedAt` (pulled rows carry
 * the bridge's clock, the same one in production).
 */
export interface IntakePacingOptions {
  /** @default Date.now */
  now?: () => number;
  /** Lag (ms) past which deliveries wait for application; 0: never. @default 1000 (the brief's "within a second") */
  startLagMs?: number;
  /** Lag (ms) a slice must exceed to keep the instance behind (at most startLagMs). @default a quarter of startLagMs */
  stopLagMs?: number;
  /** The longest a delivery waits (ms) before it is stored anyway. @default 2000 */
  maxWaitMs?: number;
  /** Called when a delivery had to wait, with how long (ms): the `wedsync_webhook_paced_seconds` histogram. */
  waited?: (ms: number) => void;
  /** Called each time the instance falls behind: `wedsync_webhook_pacing_started_total`. */
  started?: () => void;
}

/** What the inbox workers report (InboxWorker, PostgresInboxWorker). */
export interface ApplyProgress {
  /**
   * A slice's outcomes were committed (applied, retried or parked) for these rows of one wedding:
   * their arrival in the inbox (`receivedAt`, ms since the epoch) and attempts before this one.
   */
  applied(rows: readonly { receivedAt: number; attempts: number }[]): void;
  /** The worker found no row due: nothing is behind. */
  idle(): void;
}

interface Waiter { enter: () => void; timer: ReturnType<typeof setTimeout> }

const NO_WAIT = Promise.resolve(0);

/** At most this many admissions are banked while behind and nobody waits. */
const MAX_CREDITS = 64;

export class IntakePacing implements ApplyProgress {
  private behind = false;
  private closed = false;
  private credits = 0;
  /** When a slice last finished with a lag past stopLagMs. */
  private lastSlow = 0;
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private readonly waiting: Waiter[] = [];
  private readonly now: () => number;
  private readonly startLagMs: number;
  private readonly stopLagMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: IntakePacingOptions = {}) {
    this.now = options.now ?? Date.now;
    this.startLagMs = options.startLagMs ?? 1000;
    this.stopLagMs = Math.min(this.startLagMs, options.stopLagMs ?? this.startLagMs / 4);
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
   * `receivedAt` (when it entered the inbox), so the lag the workers report is application's alone:
   * a wait counted in it would keep the intake behind after application caught up.
   */
  admit(): Promise<number> {
    if (this.behind && this.now() - this.lastSlow > this.startLagMs) this.caughtUp();
    if (!this.behind) return NO_WAIT;
    if (this.credits > 0 && this.waiting.length === 0) {
      this.credits--;
      return NO_WAIT;
    }
    return new Promise((resolve) => {
      const since = this.now();
      const waiter: Waiter = {
        enter: () => {
          clearTimeout(waiter.timer);
          const ms = Math.max(0, this.now() - since);
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

  applied(rows: readonly { receivedAt: number; attempts: number }[]): void {
    if (this.closed || this.startLagMs === 0) return;
    const now = this.now();
    let newest = -Infinity;
    for (const r of rows) if (r.attempts === 0 && r.receivedAt > newest) newest = r.receivedAt;
    if (newest > -Infinity) {
      const lag = now - newest;
      if (lag > this.stopLagMs) this.lastSlow = now;
      if (lag > this.startLagMs && !this.behind) {
        this.behind = true;
        this.options.started?.();
        this.expireLater();
      }
    }
    if (!this.behind) return;
    let left = rows.length;
    while (left > 0 && this.waiting.length > 0) {
      this.waiting.shift()!.enter();
      left--;
    }
    this.credits = Math.min(MAX_CREDITS, this.credits + left);
  }

  idle(): void {
    this.caughtUp();
  }

  /** Lets every waiting delivery in, and paces no more (the bridge is stopping: they are stored and answered before it closes). */
  close(): void {
    this.closed = true;
    this.caughtUp();
  }

  /** Ends the pacing once no slice has finished slowly for startLagMs (the workers may have gone quiet, or be failing). */
  private expireLater(): void {
    clearTimeout(this.expiry);
    const due = this.lastSlow + this.startLagMs - this.now();
    this.expiry = setTimeout(() => {
      if (!this.behind) return;
      if (this.now() - this.lastSlow > this.startLagMs) this.caughtUp();
      else this.expireLater();
    }, Math.max(1, due + 1));
    this.expiry.unref?.();
  }

  private caughtUp(): void {
    this.behind = false;
    this.credits = 0;
    clearTimeout(this.expiry);
    for (const waiter of this.waiting.splice(0)) waiter.enter();
  }
}
