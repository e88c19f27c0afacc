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
  constructor(private readonly pool: pg.Pool) {}

  /** Records (or replaces, after a restart with the same id) where instance `id` accepts relayed sockets. */
  async register(id: string, url: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO collab_instances (id, url) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, started_at = clock_timestamp()`,
      [id, url],
    );
  }

  /** Removes instance `id` (a clean stop). */
  async unregister(id: string): Promise<void> {
    await this.pool.query('DELETE FROM collab_instances WHERE id = $1', [id]);
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
