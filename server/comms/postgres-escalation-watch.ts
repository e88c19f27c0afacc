import type pg from 'pg';
import { opaqueText, openedText } from '../storage/storable-text.ts';
import type { WatchRecords, WatchRow, WatchState } from './escalation-watch.ts';

type Queryable = pg.ClientBase | pg.Pool;

/**
 * The escalation watch on PostgreSQL (schema/migrations/postgres/025_comms_state.sql), the contract
 * of EscalationWatch, shared by instances. The writes a document change makes take the change's
 * `client` (a joined write, CommsWrites). Message ids are stored with opaqueText. Statements
 * reject with the pg error.
 */
export class PostgresEscalationWatch implements WatchRecords {
  constructor(private readonly pool: pg.Pool) {}

  async open(weddingId: string, messageId: string, checkAt: number, now: number, client: Queryable = this.pool): Promise<void> {
    await client.query(`INSERT INTO comms_watch (wedding_id, message_id, status, next_check_at, created_at) VALUES ($1, $2, 'open', $3, $4)
      ON CONFLICT (wedding_id, message_id) DO UPDATE SET next_check_at = least(comms_watch.next_check_at, excluded.next_check_at) WHERE comms_watch.status = 'open'`,
    [weddingId, opaqueText(messageId), checkAt, now]);
  }

  async due(now: number): Promise<WatchRow[]> {
    const { rows } = await this.pool.query<WatchRow>(`SELECT wedding_id, message_id, unreachable FROM comms_watch
      WHERE status = 'open' AND next_check_at <= $1 ORDER BY next_check_at LIMIT 50`, [now]);
    return rows.map((r) => ({ ...r, message_id: openedText(r.message_id) }));
  }

  async get(weddingId: string, messageId: string): Promise<WatchState | undefined> {
    const { rows } = await this.pool.query<WatchState>('SELECT status, next_check_at::double precision AS next_check_at, unreachable FROM comms_watch WHERE wedding_id = $1 AND message_id = $2',
      [weddingId, opaqueText(messageId)]);
    return rows[0];
  }

  async lookBy(at: number, weddingId: string, messageId: string, client: Queryable = this.pool): Promise<void> {
    await client.query(`UPDATE comms_watch SET next_check_at = least(next_check_at, $1) WHERE wedding_id = $2 AND message_id = $3 AND status = 'open'`,
      [at, weddingId, opaqueText(messageId)]);
  }

  async update(weddingId: string, messageId: string, status: 'open' | 'done', nextCheckAt: number, unreachable: Iterable<string>, client: Queryable = this.pool): Promise<void> {
    await client.query('UPDATE comms_watch SET status = $1, next_check_at = $2, unreachable = $3 WHERE wedding_id = $4 AND message_id = $5',
      [status, nextCheckAt, JSON.stringify([...unreachable]), weddingId, opaqueText(messageId)]);
  }

  async openCount(weddingId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::integer AS n FROM comms_watch WHERE wedding_id = $1 AND status = 'open'`, [weddingId]);
    return rows[0]!.n;
  }
}
