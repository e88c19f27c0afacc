import type pg from 'pg';
import { opaqueText } from '../storage/storable-text.ts';
import type { LastSeenRecords } from './last-seen.ts';

type Queryable = pg.ClientBase | pg.Pool;

/**
 * Last-seen values on PostgreSQL (schema/migrations/postgres/025_comms_state.sql), the contract of
 * LastSeen. A swap inside a document change runs on the append's transaction (`client`: a joined
 * write, CommsWrites), so it reads the value the wedding's previous appends left, and only the
 * document's owner writes a wedding's values. Keys are stored with opaqueText. Statements reject
 * with the pg error.
 */
export class PostgresLastSeen implements LastSeenRecords {
  constructor(private readonly pool: pg.Pool) {}

  async get<T>(weddingId: string, key: string, client: Queryable = this.pool): Promise<T | undefined> {
    const { rows } = await client.query<{ value: string }>('SELECT value FROM comms_last_seen WHERE wedding_id = $1 AND key = $2', [weddingId, opaqueText(key)]);
    return rows[0] ? (JSON.parse(rows[0].value) as T) : undefined;
  }

  async swap<T>(weddingId: string, key: string, value: T, client: Queryable = this.pool): Promise<T | undefined> {
    // Locked until the transaction ends, so two swaps of one key in transactions of their own each see the other's value.
    const { rows } = await client.query<{ value: string }>('SELECT value FROM comms_last_seen WHERE wedding_id = $1 AND key = $2 FOR UPDATE', [weddingId, opaqueText(key)]);
    const before = rows[0] ? (JSON.parse(rows[0].value) as T) : undefined;
    if (JSON.stringify(before) !== JSON.stringify(value)) {
      await client.query(`INSERT INTO comms_last_seen (wedding_id, key, value) VALUES ($1, $2, $3)
        ON CONFLICT (wedding_id, key) DO UPDATE SET value = excluded.value`, [weddingId, opaqueText(key), JSON.stringify(value)]);
    }
    return before;
  }
}
