import { weddingIdOf } from '../../schema/index.ts';
import type { Db } from './database.ts';

/**
 * Which weddings exist in storage: a compacted state in `documents`, or update-log rows of a
 * document that has not been compacted yet (a wedding created moments ago). Two backends keep this
 * contract: SqliteWeddingCatalog (here) and PostgresWeddingCatalog
 * (server/storage/postgres/wedding-catalog.ts, the tables of migration 001), with one result for
 * the same stored names (weddingIdsOf).
 */
export interface WeddingCatalog {
  /**
   * Stored wedding ids, each once, sorted by UTF-16 code unit (Array.prototype.sort); documents
   * whose names are not `wedding:<id>` are skipped. Rejects with the engine's error.
   */
  storedWeddingIds(): Promise<string[]>;
}

/** The wedding ids among stored document names, as WeddingCatalog.storedWeddingIds gives them; both backends. */
export function weddingIdsOf(names: Iterable<string>): string[] {
  const ids = [...names].map(weddingIdOf).filter((id): id is string => id !== null);
  return [...new Set(ids)].sort();
}

/** The wedding catalog on the embedded SQLite database. */
export class SqliteWeddingCatalog implements WeddingCatalog {
  private readonly names;

  constructor(db: Db) {
    this.names = db.prepare('SELECT name FROM documents UNION SELECT DISTINCT name FROM document_updates').pluck();
  }

  async storedWeddingIds(): Promise<string[]> {
    return weddingIdsOf(this.names.all() as string[]);
  }
}
