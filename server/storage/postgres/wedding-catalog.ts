import type pg from 'pg';
import { weddingIdsOf, type WeddingCatalog } from '../wedding-catalog.ts';

/**
 * The wedding catalog on PostgreSQL: the names in `documents` and `document_updates` (migration
 * 001), shared by every instance, so a wedding created through one is listed by all once its first
 * update is committed. Ids are picked and sorted as on SQLite (weddingIdsOf), so both backends give
 * the same list for the same names.
 */
export class PostgresWeddingCatalog implements WeddingCatalog {
  constructor(private readonly pool: pg.Pool) {}

  async storedWeddingIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>('SELECT name FROM documents UNION SELECT DISTINCT name FROM document_updates');
    return weddingIdsOf(rows.map((r) => r.name));
  }
}
