import type { Logger } from './logger.ts';

/** A repeated failure is logged at most this often, ms: once a minute. */
export const REPEATED_FAILURE_LOG_MS = 60_000;

/**
 * The log of a periodic job's failures (a worker's pass, a scheduler's tick), which repeat on every
 * attempt while what the job needs is down: the database, typically. The first failure is logged
 * at once (`level`, with the error), then at most once every `everyMs` with `failures` (how many
 * since the last line) and `failingForMs`; a kind of error not logged yet in the minute (its code,
 * else its name: a bug beside the outage) is logged at once. The first success after failures
 * is logged once at `info` (`<msg>: working again`, with the total and how long it lasted). So a 40 s database
 * outage is a few lines per job, not one per attempt (operator trial: 240 lines, 4 a second).
 */
export class RepeatedFailureLog {
  private total = 0;
  private since = 0;
  private firstAt = 0;
  private loggedAt = -Infinity;
  /** The kinds of error (code, else name) logged since the last once-a-minute line. */
  private loggedWhat = new Set<string>();

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'error' | 'info'>,
    private readonly level: 'warn' | 'error',
    private readonly msg: string,
    private readonly now: () => number = Date.now,
    private readonly everyMs = REPEATED_FAILURE_LOG_MS,
  ) {}

  /** One attempt failed with `error`; `fields` go on the line if this one is logged. */
  failed(error: unknown, fields: Record<string, unknown> = {}): void {
    const at = this.now();
    if (this.total === 0) this.firstAt = at;
    this.total++;
    this.since++;
    const what = whatOf(error);
    const due = at - this.loggedAt >= this.everyMs;
    if (!due && this.loggedWhat.has(what)) return;
    this.logger[this.level]({ err: error, ...fields, failures: this.since, ...(this.total > 1 ? { failingForMs: at - this.firstAt } : {}) }, this.msg);
    if (due) {
      this.loggedAt = at;
      this.loggedWhat = new Set();
    }
    this.loggedWhat.add(what);
    this.since = 0;
  }

  /** An attempt reached what it needs (the store answered): after failures, says so once. */
  succeeded(): void {
    if (this.total === 0) return;
    this.logger.info({ failures: this.total, failedForMs: this.now() - this.firstAt }, `${this.msg}: working again`);
    this.total = 0;
    this.since = 0;
    this.loggedAt = -Infinity;
    this.loggedWhat = new Set();
  }
}

/**
 * An error as the log groups it: its code, else its name (not its message, which often names a
 * wedding or a document: one line per wedding a minute would be the noise again), so another kind
 * of failure (a TypeError beside the outage's connection errors) is logged at once.
 */
function whatOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null;
  return String(e?.code ?? e?.name ?? typeof error);
}
