import type pg from 'pg';
import type { NotificationMode } from '../../schema/index.ts';
import { opaqueText, openedText, storableText } from '../storage/storable-text.ts';
import { DEFAULT_NOTIFICATION_MODE, toPending, type ComposedNotification, type NotificationRecords, type NotifySettings, type PendingRow } from './notification-store.ts';

type Queryable = pg.ClientBase | pg.Pool;
type Row = Parameters<typeof toPending>[0];

const pendingOf = (r: Row): PendingRow => {
  const p = toPending(r);
  return { ...p, id: openedText(p.id), messageId: p.messageId === null ? null : openedText(p.messageId) };
};

/**
 * Notification modes and pending messages on PostgreSQL (schema/migrations/postgres/025_comms_state.sql),
 * the contract of NotificationStore, shared by instances. The writes a document change makes take
 * the change's `client` (a joined write, CommsWrites). Ids are stored with opaqueText and who
 * decided with storableText. Statements reject with the pg error.
 */
export class PostgresNotificationStore implements NotificationRecords {
  constructor(private readonly pool: pg.Pool) {}

  async settings(weddingId: string, client: Queryable = this.pool): Promise<NotifySettings> {
    const { rows } = await client.query<{ mode: NotificationMode; updated_at: string; updated_by: string }>(
      'SELECT mode, updated_at, updated_by FROM comms_notify_settings WHERE wedding_id = $1', [weddingId]);
    const row = rows[0];
    return row ? { mode: row.mode, updatedAt: Number(row.updated_at), updatedBy: row.updated_by } : { mode: DEFAULT_NOTIFICATION_MODE, updatedAt: null, updatedBy: null };
  }

  async mode(weddingId: string, client: Queryable = this.pool): Promise<NotificationMode> {
    return (await this.settings(weddingId, client)).mode;
  }

  async setMode(weddingId: string, mode: NotificationMode, by: string, now: number): Promise<void> {
    await this.pool.query(`INSERT INTO comms_notify_settings (wedding_id, mode, updated_at, updated_by) VALUES ($1, $2, $3, $4)
      ON CONFLICT (wedding_id) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at, updated_by = excluded.updated_by`, [weddingId, mode, now, storableText(by)]);
  }

  async addPending(weddingId: string, draft: ComposedNotification, now: number, client: Queryable = this.pool): Promise<void> {
    await client.query(`INSERT INTO comms_pending (id, wedding_id, status, draft, created_at) VALUES ($1, $2, 'pending', $3, $4) ON CONFLICT (id) DO NOTHING`,
      [opaqueText(draft.id), weddingId, JSON.stringify(draft), now]);
  }

  async get(weddingId: string, id: string): Promise<PendingRow | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM comms_pending WHERE wedding_id = $1 AND id = $2', [weddingId, opaqueText(id)]);
    return rows[0] && pendingOf(rows[0]);
  }

  async listPending(weddingId: string): Promise<PendingRow[]> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM comms_pending WHERE wedding_id = $1 AND status = 'pending' ORDER BY created_at, id COLLATE "C"`, [weddingId]);
    return rows.map(pendingOf);
  }

  async countPending(weddingId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::integer AS n FROM comms_pending WHERE wedding_id = $1 AND status = 'pending'`, [weddingId]);
    return rows[0]!.n;
  }

  async decide(weddingId: string, id: string, status: 'sent' | 'discarded', by: string, now: number, messageId: string | null, client: Queryable = this.pool): Promise<boolean> {
    // PostgreSQL re-checks the WHERE on the locked row: of instances deciding at once, one does.
    const { rowCount } = await client.query(`UPDATE comms_pending SET status = $1, decided_at = $2, decided_by = $3, message_id = $4
      WHERE wedding_id = $5 AND id = $6 AND status = 'pending'`, [status, now, storableText(by), messageId === null ? null : opaqueText(messageId), weddingId, opaqueText(id)]);
    return rowCount === 1;
  }

  async forgetDecided(before: number): Promise<void> {
    await this.pool.query(`DELETE FROM comms_pending WHERE status <> 'pending' AND decided_at < $1`, [before]);
  }
}
