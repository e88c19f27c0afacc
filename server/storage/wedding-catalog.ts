import { weddingIdOf } from '../../schema/index.ts';
import type { Db } from './database.ts';

/**
 * Which weddings exist in storage: a compacted state in `documents`, or update-log rows of a
 * document that has not been compacted yet (a wedding created moments ago).
 */
export class WeddingCatalog {
  private readonly names;

  constructor(db: Db) {
    this.names = db.prepare('SELECT name FROM documents UNION SELECT DISTINCT name FROM document_updates').pluck();
  }

  /** Stored wedding ids, sorted; documents whose names are not `wedding:<id>` are skipped. */
  storedWeddingIds(): string[] {
    const ids = (this.names.all() as string[]).map(weddingIdOf).filter((id): id is string => id !== null);
    return [...new Set(ids)].sort();
  }
}
