import type pg from 'pg';
import type { ActivityEntry } from '../../schema/api/activity.ts';
import { documentNameFor, type TxOrigin } from '../../schema/index.ts';
import type { JoinedWrite } from '../storage/postgres/append-group.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import type { FieldChange } from './field-changes.ts';
import {
  CLIPPED_PREVIOUS, CLIPPED_VALUE, actorColumns, dependantsRemoved, extendsBurst, mayExtendBurst, newRowColumns, storableQuery, stored, toEntry,
  type ActivityQuery, type ActivityReader, type LatestOfField, type Row,
} from './activity-rows.ts';
import { storableText } from '../storage/storable-text.ts';

const TEXT_COLUMNS = ['root', 'entity_id', 'field', 'previous', 'value', 'clipped', 'actor_kind', 'actor_id', 'actor_name', 'actor_role', 'actor_system', 'actor_action'];

/** The columns `toEntry` reads, of table alias `t`; PostgreSQL's bigints come back as text, so those are cast to numbers. */
function columns(t = ''): string {
  const numeric = ['id', 'update_seq', 'at'].map((c) => `${t}${c}::double precision AS ${c}`);
  return [...numeric, ...TEXT_COLUMNS.map((c) => `${t}${c}`)].join(', ');
}
const COLUMNS = columns();

/** The columns a recorded change fills, in the order `record` and `recordWrite` give the values. */
const INSERT_COLUMNS = ['wedding_id', 'document', 'update_seq', 'at', 'root', 'entity_id', 'field', 'previous', 'value', 'clipped',
  'actor_kind', 'actor_id', 'actor_name', 'actor_role', 'actor_system', 'actor_action'] as const;

/**
 * The `activity` table on PostgreSQL (schema/migrations/postgres/004_activity.sql), with the same
 * contract as the SQLite ActivityStore: `record` writes a stored update's changes inside the
 * transaction that appends it (a joined write of AppendGroup, on the group's connection), folding a
 * burst of typing into one entry; `list` and `latestPerEntity` answer as on SQLite, row for row
 * (tests/activity/activity-store-backends.test.ts).
 */
export class PostgresActivityStore implements ActivityReader {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records `changes` made by the stored update `seq`, through `client` (the append's transaction).
   * `at` in ms since the epoch. Throws what the statements throw (the joined write's savepoint is
   * then rolled back alone).
   */
  async record(client: pg.ClientBase, weddingId: string, documentName: string, seq: number, at: number, origin: TxOrigin, changes: readonly FieldChange[]): Promise<void> {
    const actor = actorColumns(origin);
    for (const c of changes) {
      const value = stored(c.value);
      const row = newRowColumns(c, value);
      if (mayExtendBurst(c, value)) {
        const [root, entityId, field] = row;
        const { rows } = await client.query<LatestOfField>(
          `SELECT id::double precision AS id, document, at::double precision AS at, actor_kind, actor_id, value IS NULL AS removed FROM activity
           WHERE wedding_id = $1 AND root = $2 AND entity_id = $3 AND field = $4 ORDER BY id DESC LIMIT 1`,
          [weddingId, root, entityId, field]);
        const last = rows[0];
        if (extendsBurst(last, documentName, actor, at)) {
          await client.query(`UPDATE activity SET value = $1, clipped = (clipped & ${CLIPPED_PREVIOUS}) | $2, at = $3, update_seq = $4 WHERE id = $5`,
            [value.json, value.clipped ? CLIPPED_VALUE : 0, at, seq, last.id]);
          continue;
        }
      }
      await client.query(`INSERT INTO activity (${INSERT_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [weddingId, documentName, seq, at, ...row, ...actor]);
    }
  }

  /**
   * The joined write that records `changes` with the seq of the update they came with: rows to
   * insert (batched with the rest of the group's, JoinedInsert) unless an edit of a text field must
   * first look at the field's last entry to extend a burst of typing (then `record` itself).
   */
  recordWrite(weddingId: string, documentName: string, at: number, origin: TxOrigin, changes: readonly FieldChange[]): JoinedWrite {
    const values = changes.map((c) => stored(c.value));
    if (changes.some((c, i) => mayExtendBurst(c, values[i]!))) {
      return (client, { seq }) => this.record(client, weddingId, documentName, seq, at, origin, changes);
    }
    const actor = actorColumns(origin);
    const rows = changes.map((c, i) => [...newRowColumns(c, values[i]!), ...actor]);
    return { table: 'activity', columns: INSERT_COLUMNS, rows: ({ seq }) => rows.map((r) => [weddingId, documentName, seq, at, ...r]) };
  }

  /** ActivityStore.recordDependantsRemoved, in a transaction of its own (update_seq 0). */
  async recordDependantsRemoved(weddingId: string, root: string, entityId: string, at: number, origin: TxOrigin, what: Record<string, unknown>): Promise<void> {
    await inTransaction(this.pool, (client) => this.record(client, weddingId, documentNameFor(weddingId), 0, at, origin, [dependantsRemoved(root, entityId, what)]));
  }

  /** ActivityStore.latestPerEntity: the newest change of each entity of `root`, newest first. */
  async latestPerEntity(weddingId: string, root: string, entityIds?: readonly string[]): Promise<ActivityEntry[]> {
    const r = storableText(root);
    let rows: Row[];
    if (entityIds) {
      // One seek per entity on activity_by_entity_latest, as on SQLite.
      const found = await Promise.all(entityIds.map(async (id) => (await this.pool.query<Row>(
        `SELECT ${COLUMNS} FROM activity WHERE wedding_id = $1 AND root = $2 AND entity_id = $3 ORDER BY id DESC LIMIT 1`,
        [weddingId, r, storableText(id)])).rows[0]));
      rows = found.filter((row): row is Row => row !== undefined);
    } else {
      // The entities walked on the index (a loose index scan), never by reading their rows.
      ({ rows } = await this.pool.query<Row>(`WITH RECURSIVE entities(id) AS (
          SELECT MIN(entity_id) FROM activity WHERE wedding_id = $1 AND root = $2
          UNION ALL
          SELECT (SELECT MIN(entity_id) FROM activity WHERE wedding_id = $1 AND root = $2 AND entity_id > entities.id) FROM entities WHERE entities.id IS NOT NULL)
        SELECT ${columns('a.')} FROM entities JOIN activity a ON a.id = (SELECT MAX(id) FROM activity WHERE wedding_id = $1 AND root = $2 AND entity_id = entities.id)`,
      [weddingId, r]));
    }
    return rows.sort((a, b) => b.id - a.id).map(toEntry);
  }

  /** ActivityStore.list: a wedding's changes, newest first, after the filters, a page at a time. */
  async list(weddingId: string, q: ActivityQuery): Promise<{ entries: ActivityEntry[]; nextCursor: string | null }> {
    const where = ['wedding_id = $1'];
    const args: (string | number)[] = [weddingId];
    const arg = (v: string | number) => `$${args.push(v)}`;
    const f = storableQuery(q);
    if (f.root !== undefined) where.push(`root = ${arg(f.root)}`);
    if (f.entityId !== undefined) where.push(`entity_id = ${arg(f.entityId)}`);
    if (f.field !== undefined) where.push(`(field = ${arg(f.field)} OR substr(field, 1, ${arg(f.field.length + 1)}) = ${arg(f.field)} || '.')`);
    if (f.actor !== undefined) where.push(`actor_id = ${arg(f.actor)}`);
    if (f.before !== undefined) where.push(`id < ${arg(f.before)}`);
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM activity WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${arg(q.limit + 1)}`, args);
    const page = rows.slice(0, q.limit);
    return { entries: page.map(toEntry), nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null };
  }
}
