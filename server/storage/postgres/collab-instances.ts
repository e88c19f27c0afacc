import type pg from 'pg';

/** Where a document is served now: the instance holding its live lease, and its relay URL. */
export interface DocumentOwner {
  /** The owner's INSTANCE_ID (document_leases.owner). */
  instanceId: string;
  /** Its Hocuspocus endpoint as other instances reach it (collab_instances.url). */
  url: string;
  /** The lease's epoch: a restart of the same instance id takes a new one. */
  epoch: number;
}

/**
 * What happened to this process's claim on its INSTANCE_ID: `lost` with its connection (the
 * database restarted or the network dropped), `claimed` again, `refused` while trying again (the
 * database is still down: it keeps trying), or `taken` by another process meanwhile (it stops
 * trying: this process must stop serving), or `changed`: claimed again, but the database changed
 * meanwhile in a way this process cannot serve (`keys rotate` ran while it held no running lock: it
 * stops trying, and must stop serving).
 */
export type ClaimEvent = { kind: 'lost'; error: unknown } | { kind: 'claimed' } | { kind: 'refused'; error: unknown } | { kind: 'taken'; error: InstanceIdInUseError }
  | { kind: 'changed'; error: ClaimCheckError };

/**
 * The advisory lock every running instance holds shared, from before it reads any key until its
 * pools close (key hashtextextended('wedsync-running', 0)); `keys rotate` takes it exclusively.
 */
export const RUNNING_LOCK = "hashtextextended('wedsync-running', 0)";

/**
 * Thrown by a claim check (CollabInstances.checkEachClaim) when the database no longer suits this
 * process: the claim is given up, not tried again.
 */
export class ClaimCheckError extends Error {
  override readonly name = 'ClaimCheckError';
}

/** Another running process holds the INSTANCE_ID's claim. */
export class InstanceIdInUseError extends Error {
  override readonly name = 'InstanceIdInUseError';
  constructor(readonly instanceId: string) {
    super(`INSTANCE_ID ${instanceId} is in use by another running instance on this database: give each instance its own INSTANCE_ID`);
  }
}

/**
 * The instances sharing one PostgreSQL database and their relay URLs (table `collab_instances`,
 * schema/migrations/postgres/005_collab_instances.sql), and who serves a document now: the holder
 * of its unexpired lease (document_leases, read on the database's clock).
 */
export class CollabInstances {
  /** The connection holding this process's claim on its INSTANCE_ID (a session advisory lock). */
  private claimed: pg.PoolClient | null = null;
  /** The id claimed, kept to claim it again after its connection drops. */
  private claimedId: string | null = null;
  private reclaimTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The database session (pg_backend_pid) that holds the claim, or held it last. */
  private claimPid: number | null = null;
  /** Unregistered: the claim's connection now holds only the running lock, until `close`. */
  private idReleased = false;
  /** A re-claim under way (the timer's `take`), for `claim` to wait for. */
  private reclaiming: Promise<void> | null = null;
  private readonly claimListeners = new Set<(event: ClaimEvent) => void>();
  /** Run on the claim's connection once the running lock is held again (checkEachClaim). */
  private check: ((client: pg.ClientBase) => Promise<void>) | null = null;

  constructor(private readonly pool: pg.Pool, private readonly reclaimDelaysMs: { first: number; max: number } = { first: 1000, max: 30_000 }) {}

  /** Whether this process holds its claim now: false after its connection dropped, until claimed again. */
  get claimHeld(): boolean {
    return this.claimed !== null;
  }

  /** Told when the claim is lost with its connection, claimed again, or refused while trying again. Returns the unsubscribe. */
  onClaim(listener: (event: ClaimEvent) => void): () => void {
    this.claimListeners.add(listener);
    return () => this.claimListeners.delete(listener);
  }

  /**
   * Runs `check` on every claim from now on, on the claim's connection with the running lock held,
   * so nothing it checks can change until the claim is lost again (a `keys rotate` waits for the
   * lock). A ClaimCheckError it throws gives the claim up for good: `claim` rejects with it, and a
   * re-claim tells `changed`; any other error counts as the claim refused (tried again).
   */
  checkEachClaim(check: (client: pg.ClientBase) => Promise<void>): void {
    this.check = check;
  }

  /**
   * Claims INSTANCE_ID `id` for this process while it runs: a PostgreSQL session advisory lock on a
   * connection kept for it, which the database drops with the connection when the process dies (kill
   * -9 included). Throws when another running process holds it (operator trial: a second process
   * started with an id in use overwrote the first's URL, cut its wedding off, and on stopping deleted
   * the first's registration). Called before the instance serves anything.
   */
  async claim(id: string): Promise<void> {
    if (this.claimed && !this.idReleased) return;
    if (this.claimedId === id && !this.idReleased) {
      // Lost since it was claimed (at start-up): a re-claim under way is waited for, and one due
      // later is done now; either way this returns only holding the id, or throws.
      if (this.reclaiming) await this.reclaiming;
      if (this.claimed) return;
      if (this.reclaimTimer) clearTimeout(this.reclaimTimer);
      this.reclaimTimer = null;
    }
    // Unregistered earlier in this process: its connection held only the running lock; start anew.
    this.claimed?.release(true);
    this.claimed = null;
    this.idReleased = false;
    this.claimedId = id;
    this.stopped = false;
    try {
      await this.take(id);
    } catch (error) {
      // This process's own cut session may still hold it (claimPid): ended, then taken.
      if (!(error instanceof InstanceIdInUseError) || !(await this.endOwnOrphan(id))) throw error;
      await this.take(id);
    }
  }

  /** Takes the lock on a connection of its own; throws InstanceIdInUseError when another process holds it. */
  private async take(id: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      const { rows: [row] } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got', [`wedsync-instance:${id}`]);
      if (!row?.got) throw new InstanceIdInUseError(id);
      // Shared with every other running instance, until this process ends: `keys rotate` takes it
      // exclusively (waiting here while a rotation commits), so it never runs beside an instance.
      // A lock_timeout or statement_timeout set on the role or database must not cut the wait short.
      // (idle_session_timeout, PostgreSQL 14+, would end this idle connection over and over.)
      await client.query("SET lock_timeout = 0; SET statement_timeout = 0; SELECT set_config('idle_session_timeout', '0', false) WHERE current_setting('server_version_num')::int >= 140000");
      await client.query(`SELECT pg_advisory_lock_shared(${RUNNING_LOCK})`);
      await this.check?.(client);
    } catch (error) {
      // Destroyed, never pooled: it may hold the INSTANCE_ID's lock (taken before the wait failed).
      client.release(true);
      throw error;
    }
    // Stopped while the lock was being taken (a re-claim racing close or unregister): let it go.
    if (this.stopped) {
      client.release(true);
      return;
    }
    // Kept to tell this process's own orphaned session (a connection cut on our side that the
    // database has not noticed yet) from another process holding the id.
    this.claimPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').catch(() => null))?.rows[0]?.pid ?? null;
    // A dropped connection (the database restarting) ends the claim, and the lock with it: it is
    // claimed again, backing off, so a second process started with this id meanwhile is still
    // refused once the database is back (operator trial: the claim stayed lost until a restart).
    client.on('error', (error) => {
      if (this.claimed !== client) return;
      this.claimed = null;
      client.release(error);
      // Unregistered (stopping): nothing to claim again, nothing to tell.
      if (this.idReleased) return;
      this.tell({ kind: 'lost', error });
      this.reclaimAfter(this.reclaimDelaysMs.first);
    });
    this.claimed = client;
  }

  private reclaimAfter(delayMs: number): void {
    if (this.stopped || this.reclaimTimer || !this.claimedId) return;
    this.reclaimTimer = setTimeout(() => {
      this.reclaimTimer = null;
      if (this.stopped || this.claimed || !this.claimedId) return;
      this.reclaiming = this.take(this.claimedId).then(() => { if (this.claimed) this.tell({ kind: 'claimed' }); }, async (error: unknown) => {
        // A clean stop began meanwhile (unregister, close): nothing to tell, nothing to stop.
        if (this.stopped) return;
        // The database changed while the claim was lost (a key rotation): serving on is wrong.
        if (error instanceof ClaimCheckError) {
          this.stopReclaiming();
          return this.tell({ kind: 'changed', error });
        }
        // Another process took the id while it was not held: two processes would now serve under
        // one id, which leases cannot tell apart. Not retried: the owner of this one must stop it.
        if (error instanceof InstanceIdInUseError) {
          const ended = await this.endOwnOrphan(this.claimedId!);
          if (!ended) return this.tell({ kind: 'taken', error });
          // Our own session still held it: ended now, so the next try takes the lock.
          this.tell({ kind: 'refused', error });
          return this.reclaimAfter(this.reclaimDelaysMs.first);
        }
        this.tell({ kind: 'refused', error });
        this.reclaimAfter(Math.min(delayMs * 2, this.reclaimDelaysMs.max));
      }).finally(() => { this.reclaiming = null; });
    }, delayMs);
    this.reclaimTimer.unref();
  }

  /**
   * When the lock on `id` is held by the session this process claimed it on (cut on our side, alive
   * on the database's until its keepalives notice), ends that session and resolves true; resolves
   * false when another process holds it, or it cannot be told (then it is another's, to be safe).
   */
  private async endOwnOrphan(id: string): Promise<boolean> {
    if (this.claimPid === null) return false;
    try {
      const { rows } = await this.pool.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) h
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid = ((h.k >> 32) & 4294967295)::oid AND l.objid = (h.k & 4294967295)::oid`,
        [`wedsync-instance:${id}`],
      );
      if (rows.length !== 1 || rows[0]!.pid !== this.claimPid) return false;
      await this.pool.query('SELECT pg_terminate_backend($1)', [this.claimPid]);
      return true;
    } catch {
      return false;
    }
  }

  private tell(event: ClaimEvent): void {
    for (const listener of [...this.claimListeners]) listener(event);
  }

  private stopReclaiming(): void {
    this.stopped = true;
    if (this.reclaimTimer) clearTimeout(this.reclaimTimer);
    this.reclaimTimer = null;
  }

  /** Ends the claim without touching the registration: its connection is closed, and the lock with it. */
  close(): void {
    this.stopReclaiming();
    const client = this.claimed;
    this.claimed = null;
    client?.release(true);
  }

  /** Records (or replaces, after a restart with the same id) where instance `id` accepts relayed sockets. */
  async register(id: string, url: string): Promise<void> {
    await this.claim(id);
    await this.pool.query(
      `INSERT INTO collab_instances (id, url) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, started_at = clock_timestamp()`,
      [id, url],
    );
  }

  /**
   * Removes instance `id` (a clean stop) and gives up its INSTANCE_ID, so another process may take
   * it; nothing when this process never claimed it. The running lock stays until `close` (the
   * stopping instance still writes with its key: deliveries in flight may seal refreshed tokens).
   */
  async unregister(id: string): Promise<void> {
    this.stopReclaiming();
    const client = this.claimed;
    if (!client) return;
    await this.pool.query('DELETE FROM collab_instances WHERE id = $1', [id]);
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`wedsync-instance:${id}`]).catch(() => undefined);
    this.idReleased = true;
  }

  /**
   * The instance holding `documentName`'s lease, when the lease is unexpired and its holder
   * registered a URL; null when no one serves the document (never leased, released, expired) or its
   * holder has no URL. One indexed read.
   */
  async ownerOf(documentName: string): Promise<DocumentOwner | null> {
    const { rows } = await this.pool.query<{ owner: string; url: string; epoch: string }>(
      `SELECT l.owner, i.url, l.epoch FROM document_leases l JOIN collab_instances i ON i.id = l.owner
       WHERE l.name = $1 AND l.expires_at > clock_timestamp()`,
      [documentName],
    );
    const r = rows[0];
    return r ? { instanceId: r.owner, url: r.url, epoch: Number(r.epoch) } : null;
  }

  /**
   * Ms left on the lease on `documentName` that `holder` took (its instance id and epoch), on the
   * database's clock; null when that lease is gone (expired, released, or taken again, even by the
   * same instance id after a restart).
   */
  async leaseLeft(documentName: string, holder: { instanceId: string; epoch: number }): Promise<number | null> {
    const { rows } = await this.pool.query<{ left_ms: number }>(
      `SELECT (EXTRACT(EPOCH FROM expires_at - clock_timestamp()) * 1000)::float8 AS left_ms FROM document_leases
       WHERE name = $1 AND owner = $2 AND epoch = $3 AND expires_at > clock_timestamp()`,
      [documentName, holder.instanceId, holder.epoch],
    );
    return rows[0] ? Math.max(0, rows[0].left_ms) : null;
  }
}
