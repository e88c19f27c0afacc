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
 * The instances sharing one PostgreSQL database and their relay URLs (table `collab_instances`,
 * schema/migrations/postgres/005_collab_instances.sql), and who serves a document now: the holder
 * of its unexpired lease (document_leases, read on the database's clock).
 */
export class CollabInstances {
  /** The connection holding this process's claim on its INSTANCE_ID (a session advisory lock). */
  private claimed: pg.PoolClient | null = null;

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Claims INSTANCE_ID `id` for this process while it runs: a PostgreSQL session advisory lock on a
   * connection kept for it, which the database drops with the connection when the process dies (kill
   * -9 included). Throws when another running process holds it (operator trial: a second process
   * started with an id in use overwrote the first's URL, cut its wedding off, and on stopping deleted
   * the first's registration). Called before the instance serves anything.
   */
  async claim(id: string): Promise<void> {
    if (this.claimed) return;
    const client = await this.pool.connect();
    try {
      const { rows: [row] } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got', [`wedsync-instance:${id}`]);
      if (!row?.got) throw new Error(`INSTANCE_ID ${id} is in use by another running instance on this database: give each instance its own INSTANCE_ID`);
    } catch (error) {
      client.release();
      throw error;
    }
    // A dropped connection (the database restarting) ends the claim; the pool must not see its error.
    client.on('error', () => { if (this.claimed === client) this.claimed = null; });
    this.claimed = client;
  }

  /** Ends the claim without touching the registration: its connection is closed, and the lock with it. */
  close(): void {
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

  /** Removes instance `id` (a clean stop) and gives up its claim; nothing when this process never claimed it. */
  async unregister(id: string): Promise<void> {
    const client = this.claimed;
    if (!client) return;
    this.claimed = null;
    try {
      await this.pool.query('DELETE FROM collab_instances WHERE id = $1', [id]);
      await client.query('SELECT pg_advisory_unlock_all()');
    } finally {
      client.release();
    }
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
