import type { ActivityActor, ActivityEntry } from '../../schema/api/activity.ts';
import { documentNameFor, type TxOrigin } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import type { FieldChange } from './field-changes.ts';

/**
 * Values longer than this (in characters of their JSON) are clipped: a string keeps its first
 * characters, any other value is replaced by the start of its JSON text, as a string. The row says so.
 * @default 2000: enough for any field of the schema but notes and message bodies.
 */
export const MAX_VALUE_CHARS = 2000;

/**
 * Consecutive edits of one text field (a Y.Text: event notes) by the same actor within this many ms
 * of the entry's last edit are one entry: typing is one change per burst, not one per keystroke.
 * The entry keeps the text before the burst as `previous` and takes the newest text, time and seq.
 * @default 60 000 (a minute)
 */
export const TEXT_BURST_MS = 60_000;

const CLIPPED_PREVIOUS = 1;
const CLIPPED_VALUE = 2;

/** Filters and page of `list`. `before` is the cursor: the `id` of the last entry of the previous page. */
export interface ActivityQuery {
  root?: string;
  entityId?: string;
  field?: string;
  actor?: string;
  before?: number;
  limit: number;
}

interface Row {
  id: number; update_seq: number; at: number; root: string; entity_id: string; field: string;
  previous: string | null; value: string | null; clipped: number;
  actor_kind: ActivityActor['kind']; actor_id: string; actor_name: string | null; actor_role: string | null; actor_system: string | null; actor_action: string | null;
}

/** JSON text of a value for the activity table, clipped to MAX_VALUE_CHARS. */
function stored(value: unknown): { json: string | null; clipped: boolean } {
  if (value === undefined) return { json: null, clipped: false };
  const json = JSON.stringify(value);
  if (json.length <= MAX_VALUE_CHARS) return { json, clipped: false };
  return { json: JSON.stringify(typeof value === 'string' ? value.slice(0, MAX_VALUE_CHARS) : json.slice(0, MAX_VALUE_CHARS)), clipped: true };
}

function actorColumns(origin: TxOrigin): [string, string, string | null, string | null, string | null, string | null] {
  switch (origin.kind) {
    case 'client': return ['client', origin.userId, origin.name ?? null, origin.role ?? null, null, null];
    case 'adapter': return ['adapter', origin.integrationId, null, 'adapter', origin.system, null];
    case 'admin': return ['admin', origin.userId ?? 'admin', origin.name ?? null, origin.role ?? null, null, origin.action];
    case 'system': return ['system', origin.reason ?? 'system', null, null, null, null];
    default: {
      const never: never = origin;
      throw new TypeError(`unknown origin ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The `activity` table (schema/migrations/016_activity.sql): who changed which field of which entity,
 * from what to what. Written only inside the update log's group commit (ActivityRecorder).
 */
export class ActivityStore {
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
      if (c.text && value.json !== null) {
        const last = this.latest.get(weddingId, c.root, c.entityId, c.field) as
          { id: number; document: string; at: number; actor_kind: string; actor_id: string; removed: number } | undefined;
        if (last && !last.removed && last.document === documentName && last.actor_kind === actor[0] && last.actor_id === actor[1] && at - last.at <= TEXT_BURST_MS) {
          this.extend.run(value.json, value.clipped ? CLIPPED_VALUE : 0, at, seq, last.id);
          continue;
        }
      }
      const previous = stored(c.previous);
      const clipped = (previous.clipped ? CLIPPED_PREVIOUS : 0) | (value.clipped ? CLIPPED_VALUE : 0);
      this.insert.run(weddingId, documentName, seq, at, c.root, c.entityId, c.field, previous.json, value.json, clipped, ...actor);
    }
  }

  /**
   * Records what the server removed along with an entity, outside the document (a removed vendor's
   * feeds, bindings, keys, participants: server/people/vendor-dependants.ts), as one entry on that
   * entity: field `dependants`, `previous` = `what` (counts by kind), no value (change `removed`).
   * `updateSeq` is 0: no stored update carried it. `at` in ms since the epoch.
   */
  recordDependantsRemoved(weddingId: string, root: string, entityId: string, at: number, origin: TxOrigin, what: Record<string, unknown>): void {
    this.record(weddingId, documentNameFor(weddingId), 0, at, origin, [{ root, entityId, field: 'dependants', previous: what, value: undefined }]);
  }

  /**
   * The newest change of each entity of `root` (of each of `entityIds` when given), newest first:
   * one seek per entity on activity_by_entity_latest (migration 023), so an entity changed long
   * before thousands of others still answers with its own last change. Without `entityIds` the
   * entities are walked on the same index (a loose index scan), never by reading their rows.
   */
  latestPerEntity(weddingId: string, root: string, entityIds?: readonly string[]): ActivityEntry[] {
    const rows = entityIds
      ? entityIds.map((id) => this.latestOfEntity.get(weddingId, root, id) as Row | undefined).filter((r): r is Row => r !== undefined)
      : this.latestOfEveryEntity.all({ w: weddingId, r: root }) as Row[];
    return rows.sort((a, b) => b.id - a.id).map(toEntry);
  }

  /** A wedding's changes, newest first, after the filters. Asks for one more than `limit` to tell whether a next page exists. */
  list(weddingId: string, q: ActivityQuery): { entries: ActivityEntry[]; nextCursor: string | null } {
    const where = ['wedding_id = ?'];
    const args: (string | number)[] = [weddingId];
    if (q.root !== undefined) { where.push('root = ?'); args.push(q.root); }
    if (q.entityId !== undefined) { where.push('entity_id = ?'); args.push(q.entityId); }
    // A field filter matches the field and what lies below it (`links` matches `links.google`).
    if (q.field !== undefined) { where.push("(field = ? OR substr(field, 1, ?) = ? || '.')"); args.push(q.field, q.field.length + 1, q.field); }
    if (q.actor !== undefined) { where.push('actor_id = ?'); args.push(q.actor); }
    if (q.before !== undefined) { where.push('id < ?'); args.push(q.before); }
    const rows = this.db.prepare(`SELECT * FROM activity WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args, q.limit + 1) as Row[];
    const page = rows.slice(0, q.limit);
    return { entries: page.map(toEntry), nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null };
  }
}

function toEntry(r: Row): ActivityEntry {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    updateSeq: r.update_seq,
    entity: r.entity_id === '' ? r.root : `${r.root}:${r.entity_id}`,
    root: r.root,
    entityId: r.entity_id,
    field: r.field,
    previous: r.previous === null ? null : JSON.parse(r.previous) as unknown,
    value: r.value === null ? null : JSON.parse(r.value) as unknown,
    ...(r.clipped ? { clipped: { previous: (r.clipped & CLIPPED_PREVIOUS) !== 0, value: (r.clipped & CLIPPED_VALUE) !== 0 } } : {}),
    change: r.previous === null ? 'added' : r.value === null ? 'removed' : 'changed',
    actor: toActor(r),
  };
}

function toActor(r: Row): ActivityActor {
  switch (r.actor_kind) {
    case 'client': return { kind: 'client', id: r.actor_id, name: r.actor_name ?? r.actor_id, ...(r.actor_role ? { role: r.actor_role } : {}) };
    case 'adapter': return { kind: 'adapter', id: r.actor_id, system: r.actor_system ?? 'unknown', integrationId: r.actor_id };
    case 'admin': return { kind: 'admin', id: r.actor_id, action: r.actor_action ?? 'unknown', ...(r.actor_name ? { name: r.actor_name } : {}), ...(r.actor_role ? { role: r.actor_role } : {}) };
    case 'system': return { kind: 'system', id: r.actor_id, reason: r.actor_id };
    default: {
      const never: never = r.actor_kind;
      throw new TypeError(`unknown actor kind ${String(never)}`);
    }
  }
}
