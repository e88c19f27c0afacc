import { DOC_PREFIX } from '../../schema/index.ts';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { claimCandidates, claimedElsewhere, HeldClaims, type ClaimsTable } from '../storage/postgres/held-claims.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import { failedOutcome, foldedDue, jobOf, type CommsJobs, type Job, type JobHandler, type NewJob } from './job-runs.ts';

const CLAIMS: ClaimsTable = { table: 'comms_job_claims', key: 'wedding_id' };
/** True when holder `h` holds the claim on the job row's wedding, live on the database's clock; share-locks it until the statement's transaction ends. */
const HELD_BY = (h: string) => `EXISTS (SELECT 1 FROM comms_job_claims c WHERE c.wedding_id = comms_jobs.wedding_id AND c.holder = ${h} AND c.expires_at > clock_timestamp() FOR SHARE)`;
const PENDING_KEY = `ON CONFLICT (job_key) WHERE status = 'pending' AND job_key IS NOT NULL DO NOTHING`;
const INSERT = `INSERT INTO comms_jobs (wedding_id, kind, job_key, payload, status, not_before, created_at)`;

type Queryable = pg.ClientBase | pg.Pool;
type Row = Record<string, unknown>;

export interface PostgresJobQueueOptions {
  pool: pg.Pool;
  /** This instance's INSTANCE_ID (the claim holder is it plus a random part per process). */
  instanceId: string;
  /** ms since the epoch (the comms clock). */
  now: () => number;
  logger: Logger;
  /** How long a wedding's claim lasts unless renewed, ms. @default 15000 */
  claimTtlMs?: number;
  /** Weddings taken per pass. @default 50 */
  weddingsPerPass?: number;
  /** Due jobs run per wedding per pass. @default 50 */
  jobsPerWedding?: number;
}

/**
 * Comms jobs on PostgreSQL (schema/migrations/postgres/015_comms_jobs.sql), shared by instances:
 * the same jobs, folding and outcomes as the SQLite JobQueue, run by whichever instance is free.
 *
 * - **Enqueueing** joins the caller's transaction when given its client (a document listener's
 *   joined write: the job commits with the change or not at all), else runs in its own. A job
 *   whose key has a pending job folds into it (`merge`, `foldedDue`) under that row's lock; two
 *   instances adding one key at once make one pending job (the partial unique index, `ON CONFLICT
 *   DO NOTHING`, then the fold), and no statement fails, so a joined write is never rolled back by it.
 * - **Running.** A pass claims weddings with due jobs that no live claim holds (`comms_job_claims`,
 *   `HeldClaims`: of instances racing for a wedding exactly one wins), then runs each wedding's due
 *   jobs in due order, one at a time, checking before each that the claim still holds by this
 *   process's own clock; weddings run side by side. The claim is released after the wedding's run.
 * - **Outcomes are fenced by the claim**: done, retry and fail change a job only while this
 *   holder's claim on its wedding is live in the database. A holder that stalled past its claim
 *   records nothing; the next holder runs the job again, so handlers must be idempotent, as on SQLite
 *   after a crash.
 * Statements reject with the pg error.
 */
export class PostgresJobQueue implements CommsJobs {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly claims: HeldClaims;
  private readonly weddingsPerPass: number;
  private readonly jobsPerWedding: number;
  private running = false;
  private pass: Promise<number> = Promise.resolve(0);
  private closed = false;

  constructor(private readonly o: PostgresJobQueueOptions) {
    this.claims = new HeldClaims(o.pool, CLAIMS, o.instanceId, o.claimTtlMs ?? 15_000);
    this.weddingsPerPass = o.weddingsPerPass ?? 50;
    this.jobsPerWedding = o.jobsPerWedding ?? 50;
  }

  /** The claim holder id: `<instanceId>:<random>`. */
  get holder(): string {
    return this.claims.holder;
  }

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /**
   * Adds a job, or folds it into the pending job with the same key (as JobQueue.enqueue). On
   * `client` (an open transaction) when given.
   */
  async enqueue<P>(job: NewJob<P>, merge: (older: P, newer: P) => P = (_o, n) => n, options: { debounceMaxMs?: number } = {}, client?: pg.ClientBase): Promise<void> {
    const fold = async (c: pg.ClientBase) => {
      // The pending job can be taken by a run (its key released) between the INSERT and the fold: then add again.
      for (;;) {
        const added = await c.query(`${INSERT} VALUES ($1, $2, $3, $4, 'pending', $5, $6) ${PENDING_KEY} RETURNING id`,
          [job.weddingId, job.kind, job.key, JSON.stringify(job.payload), job.notBefore, this.o.now()]);
        if (added.rowCount) return;
        const pending = (await c.query(`SELECT id, payload, not_before, created_at FROM comms_jobs WHERE job_key = $1 AND status = 'pending' FOR UPDATE`, [job.key])).rows[0] as Row | undefined;
        if (!pending) continue;
        const due = foldedDue({ notBefore: Number(pending.not_before), createdAt: Number(pending.created_at) }, job.notBefore, options.debounceMaxMs);
        await c.query('UPDATE comms_jobs SET payload = $1, not_before = $2 WHERE id = $3',
          [JSON.stringify(merge(JSON.parse(pending.payload as string) as P, job.payload)), due, pending.id]);
        return;
      }
    };
    if (client) await fold(client);
    else await inTransaction(this.o.pool, fold);
  }

  /** Adds a job unless one with this key exists (as JobQueue.enqueueOnce); of instances adding it at once, one does. */
  async enqueueOnce<P>(job: NewJob<P>, client: Queryable = this.o.pool): Promise<boolean> {
    const added = await client.query(`${INSERT} SELECT $1, $2, $3, $4, 'pending', $5, $6
      WHERE NOT EXISTS (SELECT 1 FROM comms_jobs WHERE job_key = $3) ${PENDING_KEY} RETURNING id`,
    [job.weddingId, job.kind, job.key, JSON.stringify(job.payload), job.notBefore, this.o.now()]);
    return (added.rowCount ?? 0) > 0;
  }

  /**
   * For a handler, at its start (as JobQueue.claim): the job as it stands now, its key released so a
   * change arriving meanwhile starts a new job. Null when the job is no longer pending, or this
   * holder no longer holds its wedding.
   */
  async claim<P>(id: number): Promise<Job<P> | null> {
    const { rows } = await this.o.pool.query(`UPDATE comms_jobs SET job_key = NULL FROM (SELECT id, job_key FROM comms_jobs WHERE id = $1 FOR UPDATE) old
      WHERE comms_jobs.id = old.id AND comms_jobs.status = 'pending' AND ${HELD_BY('$2')}
      RETURNING comms_jobs.id, comms_jobs.wedding_id, comms_jobs.kind, old.job_key, comms_jobs.payload, comms_jobs.attempts, comms_jobs.not_before, comms_jobs.created_at`,
    [id, this.holder]);
    return rows[0] ? jobOf(rows[0] as Row) as Job<P> : null;
  }

  /** Cancels pending jobs of the wedding whose key starts with `prefix`, except the keys in `keep`. */
  async cancelByPrefix(weddingId: string, prefix: string, keep: string[] = [], client: Queryable = this.o.pool): Promise<void> {
    await client.query(`UPDATE comms_jobs SET status = 'cancelled', done_at = $1
      WHERE status = 'pending' AND wedding_id = $2 AND starts_with(job_key, $3) AND NOT (job_key = ANY($4::text[]))`, [this.o.now(), weddingId, prefix, keep]);
  }

  /** Runs the due jobs of the weddings it can claim (handlers in parallel across weddings, in order within one); resolves with how many ran. */
  async runDue(): Promise<number> {
    if (this.running || this.closed) return 0;
    this.running = true;
    this.pass = this.runPass();
    return this.pass;
  }

  private async runPass(): Promise<number> {
    try {
      const now = this.o.now();
      const sentAt = performance.now();
      const weddings = await inTransaction(this.o.pool, async (c) => {
        // A wedding whose document another instance holds (a live lease) is left to it: the jobs
        // change the live document, which only its holder may write (as the inbox's claims).
        const due = await c.query<{ wedding_id: string }>(`SELECT wedding_id FROM comms_jobs
          WHERE status = 'pending' AND not_before <= $1 AND NOT ${claimedElsewhere(CLAIMS, 'comms_jobs.wedding_id', '$2')}
            AND NOT EXISTS (SELECT 1 FROM document_leases l WHERE l.name = $5 || comms_jobs.wedding_id AND l.owner <> $4 AND l.expires_at > clock_timestamp())
          GROUP BY wedding_id ORDER BY min(not_before) LIMIT $3`, [now, this.holder, claimCandidates(this.weddingsPerPass), this.o.instanceId, DOC_PREFIX]);
        return this.claims.takeFirst(c, due.rows.map((r) => r.wedding_id), this.weddingsPerPass);
      });
      this.claims.taken(weddings, sentAt);
      const ran = await Promise.all(weddings.map((w) => this.runWedding(w, now)));
      return ran.reduce((a, b) => a + b, 0);
    } finally {
      this.running = false;
    }
  }

  /**
   * A clean stop: starts no new pass, waits for the one running (its jobs in flight finish and
   * record their outcomes), then gives up this holder's claims, so other instances take its
   * weddings at once without running a finished job again.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.pass.catch(() => 0);
    await this.claims.close();
  }

  private async runWedding(weddingId: string, now: number): Promise<number> {
    let ran = 0;
    try {
      const { rows } = await this.o.pool.query(`SELECT * FROM comms_jobs WHERE wedding_id = $1 AND status = 'pending' AND not_before <= $2
        ORDER BY not_before, id LIMIT $3`, [weddingId, now, this.jobsPerWedding]);
      for (const job of (rows as Row[]).map(jobOf)) {
        if (this.closed || !this.claims.holds(weddingId)) break;
        await this.runOne(job);
        ran++;
      }
    } finally {
      await this.claims.release(weddingId).catch((err: unknown) => this.o.logger.warn({ weddingId, err }, 'comms job claim not released; it lapses by itself'));
    }
    return ran;
  }

  private async runOne(job: Job): Promise<void> {
    const handler = this.handlers.get(job.kind);
    let failure: { error: unknown } | null = null;
    try {
      if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
      await handler(job);
    } catch (error) {
      failure = { error };
    }
    try {
      if (!failure) {
        await this.fenced(job.id, `status = 'done', done_at = $3, attempts = attempts + 1, last_error = NULL`, [this.o.now()]);
        return;
      }
      const { attempt, message, retryAt } = failedOutcome(job, failure.error, handler !== undefined, this.o.now());
      this.o.logger.warn({ jobId: job.id, kind: job.kind, weddingId: job.weddingId, attempt, err: failure.error }, 'comms job failed');
      if (retryAt === null) await this.fenced(job.id, `status = 'failed', attempts = attempts + 1, last_error = $3, done_at = $4`, [message, this.o.now()]);
      else await this.fenced(job.id, `attempts = attempts + 1, not_before = $3, last_error = $4`, [retryAt, message]);
    } catch (storeError) {
      // The outcome is not stored (the database unreachable): the job stays pending and runs again, as after a crash.
      this.o.logger.warn({ jobId: job.id, err: storeError }, 'comms job outcome not recorded; the job runs again');
    }
  }

  /** Records an outcome only while this holder's claim on the job's wedding is live; false otherwise (nothing changed). */
  private async fenced(id: number, set: string, params: unknown[]): Promise<boolean> {
    const { rowCount } = await this.o.pool.query(`UPDATE comms_jobs SET ${set}, run_by = $2 WHERE id = $1 AND status = 'pending' AND ${HELD_BY('$2')}`, [id, this.holder, ...params]);
    return (rowCount ?? 0) > 0;
  }
}
