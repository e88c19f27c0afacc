import type { Db } from '../storage/database.ts';
import { REDACTED, jsonMentions, mentions, redactStoredText } from './redaction.ts';

/**
 * The SQL rows of one wedding that may hold a person's data, found and redacted in place: the rows
 * stay (their ids, times, statuses, counts), only the text that names the person changes.
 *
 * Each table is listed with its free-text columns. Rows are pre-selected with instr() on the
 * lower-cased needles (cheap) and then checked with the exact rule of redaction.ts.
 */
const BY_INTEGRATION = 'integration_id IN (SELECT id FROM integrations WHERE wedding_id = ?)';
const TABLES: readonly { table: string; columns: readonly string[]; scope?: string }[] = [
  { table: 'inbox', columns: ['payload', 'result', 'last_error'] },
  { table: 'outbox', columns: ['payload', 'last_error'] },
  { table: 'audit', columns: ['detail'] },
  { table: 'activity', columns: ['previous', 'value', 'actor_name'] },
  { table: 'comms_jobs', columns: ['payload', 'last_error'] },
  { table: 'comms_pending', columns: ['draft'] },
  { table: 'comms_last_seen', columns: ['value'] },
  { table: 'integrations', columns: ['last_error'] },
  { table: 'vendor_bookings', columns: ['title'] },
  { table: 'snapshots', columns: ['label'] },
  // What we last know each external system holds, per linked entity: a copy of the entity.
  { table: 'links', columns: ['last_synced'], scope: BY_INTEGRATION },
  { table: 'calendar_busy', columns: ['title'], scope: BY_INTEGRATION },
];

export type RowCounts = Record<string, number>;

/** A matched row, as exported: its table, its row id and its columns (bytes left out). */
export interface FoundRow {
  table: string;
  row: Record<string, unknown>;
}

/** Activity fields of a vendor entry that are personal (the rest: category, status, links, is business data). */
const VENDOR_PERSONAL_FIELDS = ['', 'name', 'email', 'phone', 'notes'];

export class PrivacyRows {
  constructor(private readonly db: Db) {}

  private candidates(table: string, columns: readonly string[], scope: string | undefined, weddingId: string, needles: string[]): Record<string, unknown>[] {
    if (needles.length === 0) return [];
    const cols = table === 'snapshots' ? 'rowid AS _rowid, id, wedding_id, label, kind, created_at, created_by, size_bytes' : 'rowid AS _rowid, *';
    const where = columns.flatMap((c) => needles.map(() => `instr(lower(${c}), ?) > 0`)).join(' OR ');
    const args = columns.flatMap(() => needles);
    return this.db.prepare(`SELECT ${cols} FROM ${table} WHERE ${scope ?? 'wedding_id = ?'} AND (${where})`).all(weddingId, ...args) as Record<string, unknown>[];
  }

  /** Rows of `weddingId` whose text mentions a needle. */
  find(weddingId: string, re: RegExp, needles: string[]): FoundRow[] {
    const found: FoundRow[] = [];
    for (const { table, columns, scope } of TABLES) {
      for (const row of this.candidates(table, columns, scope, weddingId, needles)) {
        if (columns.some((c) => typeof row[c] === 'string' && (mentions(row[c], re) || jsonMentions(parse(row[c]), re)))) {
          const { _rowid, ...rest } = row;
          found.push({ table, row: { rowid: _rowid, ...rest } });
        }
      }
    }
    return found;
  }

  /** Activity rows about one document entry (its fields' previous and new values). */
  entryActivity(weddingId: string, root: string, entityId: string): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM activity WHERE wedding_id = ? AND root = ? AND entity_id = ? ORDER BY id').all(weddingId, root, entityId) as Record<string, unknown>[];
  }

  /** Redacts every matching text of `weddingId`'s rows; returns the rows changed per table. Run inside a transaction. */
  redact(weddingId: string, re: RegExp, needles: string[]): RowCounts {
    const counts: RowCounts = {};
    for (const { table, columns, scope } of TABLES) {
      for (const row of this.candidates(table, columns, scope, weddingId, needles)) {
        const next: Record<string, string> = {};
        for (const c of columns) {
          const v = row[c];
          if (typeof v !== 'string') continue;
          if (mentions(v, re) || jsonMentions(parse(v), re)) next[c] = redactStoredText(v, re);
        }
        const cols = Object.keys(next);
        if (cols.length === 0) continue;
        this.db.prepare(`UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE rowid = ?`).run(...cols.map((c) => next[c]), row._rowid);
        counts[table] = (counts[table] ?? 0) + 1;
      }
    }
    return counts;
  }

  /**
   * Replaces the recorded values of one document entry's personal fields (all fields of a contact;
   * name, e-mail, phone and notes of a vendor) with REDACTED, keeping the rows (who changed what, when).
   */
  redactEntryActivity(weddingId: string, root: string, entityId: string, allFields: boolean): number {
    const fields = allFields ? null : VENDOR_PERSONAL_FIELDS;
    const erased = JSON.stringify(REDACTED);
    const filter = fields ? `AND field IN (${fields.map(() => '?').join(', ')})` : '';
    return this.db.prepare(`UPDATE activity SET
        previous = CASE WHEN previous IS NULL THEN NULL ELSE ? END,
        value = CASE WHEN value IS NULL THEN NULL ELSE ? END
      WHERE wedding_id = ? AND root = ? AND entity_id = ? ${filter}
        AND (coalesce(previous, '') <> ? OR coalesce(value, '') <> ?)`)
      .run(erased, erased, weddingId, root, entityId, ...(fields ?? []), erased, erased).changes;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
