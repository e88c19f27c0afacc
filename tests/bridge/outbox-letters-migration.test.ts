import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyMigrations, listMigrations } from '../../server/storage/database.ts';
import { applyPostgresMigrations, listPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';

// Dead letters recorded before an entity's only letter was its newest push: the ones with a newer
// push of their entity are superseded by the migration (028 on SQLite, 038 on PostgreSQL), so no
// older content can be replayed over newer, whatever retention later deletes.

const db = usePostgresDatabase();

/** id, entity id (null: a message), kind, status. */
const ROWS: [number, string | null, string, string][] = [
  [1, 'e1', 'entity', 'dead'], [2, 'e1', 'entity', 'delivered'], // overtaken
  [3, 'e2', 'entity', 'dead'], [4, 'e2', 'other', 'delivered'], // another kind: stays
  [5, 'e3', 'entity', 'dead'], [6, 'e3', 'entity', 'dead'], // the older one is overtaken, the newest stays
  [7, null, 'message', 'dead'], [8, null, 'message', 'delivered'], // no entity: stays
];
const insert = 'INSERT INTO outbox (id, integration_id, wedding_id, kind, entity, entity_id, payload, content_hash, idempotency_key, status, next_attempt_at, created_at) VALUES ';
const values = (p: (i: number) => string) => ROWS.map((r, i) => `(${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((k) => p(i * 12 + k + 1)).join(', ')})`).join(', ');
const params = ROWS.flatMap(([id, entityId, kind, status]) => [id, 'int_a', 'w1', kind, entityId === null ? null : 'timeline', entityId, '{}', 'h', `key-${id}`, status, 0, 0]);
const EXPECTED = [[1, 'cancelled'], [2, 'delivered'], [3, 'dead'], [4, 'delivered'], [5, 'cancelled'], [6, 'dead'], [7, 'dead'], [8, 'delivered']];

describe('the migration of dead letters older than a newer push of their entity', () => {
  it('on SQLite', () => {
    const sqlite = new Database(':memory:');
    sqlite.pragma('foreign_keys = OFF');
    const all = listMigrations();
    applyMigrations(sqlite, all.filter((m) => m.version < 28));
    sqlite.prepare(insert + values(() => '?')).run(...params);
    expect(applyMigrations(sqlite, all)).toContain(28);
    expect(sqlite.prepare('SELECT id, status FROM outbox ORDER BY id').raw().all()).toEqual(EXPECTED);
  });

  it('on PostgreSQL', async () => {
    const all = listPostgresMigrations();
    await applyPostgresMigrations(db().admin, all.filter((m) => m.version < 38));
    await db().admin.query(insert + values((n) => `$${n}`), params);
    expect(await applyPostgresMigrations(db().admin, all)).toContain(38);
    const { rows } = await db().admin.query<{ id: string; status: string }>('SELECT id, status FROM outbox ORDER BY id');
    expect(rows.map((r) => [Number(r.id), r.status])).toEqual(EXPECTED);
  });
});
