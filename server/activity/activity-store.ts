import type { ActivityEntry } from '../../schema/api/activity.ts';
import { documentNameFor, type TxOrigin } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import type { FieldChange } from './field-changes.ts';
import { CLIPPED_PREVIOUS, CLIPPED_VALUE, actorColumns, dependantsRemoved, mayExtendBurst, newRowColumns, storableQuery, extendsBurst, stored, toEntry, type ActivityQuery, type ActivityReader, type LatestOfField, type Row } from './activity-rows.ts';
import { storableText } from '../storage/storable-text.ts';

export { MAX_VALUE_CHARS, TEXT_BURST_MS, type ActivityQuery, type ActivityReader } from './activity-rows.ts';

/**
 * The `activity` table (schema/migrations/016_activity.sql): who changed which field of which entity,
 * from what to what. Written only inside the update log's group commit (ActivityRecorder).
 */
export class ActivityStore implements ActivityReader {
  private readonly insert;
  private readonly latest;
  private readonly extend;
  private readonly latestOfEntity;
  private readonly latestOfEveryEntity;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO activity (wedding_id, document, update_seq, at, root, entity_id, field, previous, value, clipped,
      actor_kind, actor_id, actor_name, actor_role, actor_system, actor_action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.latest = db.prepare(`SELECT id, document, at, actor_kind, actor_id, value IS NULL AS removed FROM activity
      WHERE wedding_id = ? AND root = ? AND entity_id = ? AND field = ? ORDER BY id DESC LIMIT 1`);
    this.latestOfEntity = db.prepare('SELECT * FROM activity WHERE wedding_id = ? AND root = ? AND entity_id = ? ORDER BY id DESC LIMIT 1');
    this.latestOfEveryEntity = db.prepare(`WITH RECURSIVE entities(id) AS (
        SELECT MIN(entity_id) FROM activity WHERE wedding_id = @w AND root = @r
        UNION ALL
        SELECT (SELECT MIN(entity_id) FROM activity WHERE wedding_id = @w AND root = @r AND entity_id > entities.id) FROM entities WHERE entities.id IS NOT NULL)
      SELECT a.* FROM entities JOIN activity a ON a.id = (SELECT MAX(id) FROM activity WHERE wedding_id = @w AND root = @r AND entity_id = entities.id)`);
    this.extend = db.prepare(`UPDATE activity SET value = ?, clipped = (clipped & ${CLIPPED_PREVIOUS}) | ?, at = ?, update_seq = ? WHERE id = ?`);
  }

  /** Records `changes` made by one stored update. Call inside the transaction that appends the update. */
  record(weddingId: string, documentName: string, seq: number, at: number, origin: TxOrigin, changes: readonly FieldChange[]): void {
    const actor = actorColumns(origin);
    for (const c of changes) {
      const value = stored(c.value);
      if (mayExtendBurst(c, value)) {
        const last = this.latest.get(weddingId, storableText(c.root), storableText(c.entityId), storableText(c.field)) as LatestOfField | undefined;
        if (extendsBurst(last, documentName, actor, at)) {
          this.extend.run(value.json, value.clipped ? CLIPPED_VALUE : 0, at, seq, last.id);
          continue;
        }
      }
      this.insert.run(weddingId, documentName, seq, at, ...newRowColumns(c, value), ...actor);
    }
  }

  /**
   * Records what the server removed along with an entity, outside the document (a removed vendor's
   * feeds, bindings, keys, participants: server/people/vendor-dependants.ts), as one entry on that
   * entity: field `dependants`, `previous` = `what` (counts by kind), no value (change `removed`).
   * `updateSeq` is 0: no stored update carried it. `at` in ms since the epoch.
   */
  recordDependantsRemoved(weddingId: string, root: string, entityId: string, at: number, origin: TxOrigin, what: Record<string, unknown>): void {
    this.record(weddingId, documentNameFor(weddingId), 0, at, origin, [dependantsRemoved(root, entityId, what)]);
  }

  /**
   * The newest change of each entity of `root` (of each of `entityIds` when given), newest first:
   * one seek per entity on activity_by_entity_latest (migration 023), so an entity changed long
   * before thousands of others still answers with its own last change. Without `entityIds` the
   * entities are walked on the same index (a loose index scan), never by reading their rows.
   */
  latestPerEntity(weddingId: string, root: string, entityIds?: readonly string[]): ActivityEntry[] {
    const rows = entityIds
      ? entityIds.map((id) => this.latestOfEntity.get(weddingId, storableText(root), storableText(id)) as Row | undefined).filter((r): r is Row => r !== undefined)
      : this.latestOfEveryEntity.all({ w: weddingId, r: storableText(root) }) as Row[];
    return rows.sort((a, b) => b.id - a.id).map(toEntry);
  }

  /** A wedding's changes, newest first, after the filters. Asks for one more than `limit` to tell whether a next page exists. */
  list(weddingId: string, q: ActivityQuery): { entries: ActivityEntry[]; nextCursor: string | null } {
    const where = ['wedding_id = ?'];
    const args: (string | number)[] = [weddingId];
    const f = storableQuery(q);
    if (f.root !== undefined) { where.push('root = ?'); args.push(f.root); }
    if (f.entityId !== undefined) { where.push('entity_id = ?'); args.push(f.entityId); }
    // A field filter matches the field and what lies below it (`links` matches `links.google`).
    if (f.field !== undefined) { where.push("(field = ? OR substr(field, 1, ?) = ? || '.')"); args.push(f.field, f.field.length + 1, f.field); }
    if (f.actor !== undefined) { where.push('actor_id = ?'); args.push(f.actor); }
    if (q.before !== undefined) { where.push('id < ?'); args.push(q.before); }
    const rows = this.db.prepare(`SELECT * FROM activity WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args, q.limit + 1) as Row[];
    const page = rows.slice(0, q.limit);
    return { entries: page.map(toEntry), nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null };
  }
}

