import type pg from 'pg';
import { sendRecordOf, type SendLedger, type SendRecord } from './send-ledger.ts';

/**
 * The send ledger on PostgreSQL (schema/migrations/postgres/016_comms_sends.sql): the same contract
 * as SqliteSendLedger, shared by instances, so an attempt taken over from a stalled or dead instance
 * sees the `started` mark it left and looks the send up at the provider before sending again. Each
 * mark resolves once committed. Statements reject with the pg error.
 */
export class PostgresSendLedger implements SendLedger {
  constructor(private readonly pool: pg.Pool) {}

  async get(key: string): Promise<SendRecord | undefined> {
    const { rows } = await this.pool.query('SELECT idempotency_key, status, provider_id, attempts, started_at FROM comms_sends WHERE idempotency_key = $1', [key]);
    return rows[0] ? sendRecordOf(rows[0] as Record<string, unknown>) : undefined;
  }

  async markStarted(key: string, integrationId: string, weddingId: string, now: number): Promise<SendRecord | undefined> {
    // A row recorded `sent` meanwhile (by another instance) is left alone: PostgreSQL re-checks the WHERE on the locked row.
    const started = await this.pool.query(`INSERT INTO comms_sends (idempotency_key, integration_id, wedding_id, status, attempts, started_at) VALUES ($1, $2, $3, 'started', 1, $4)
      ON CONFLICT (idempotency_key) DO UPDATE SET status = 'started', attempts = comms_sends.attempts + 1, started_at = excluded.started_at
      WHERE comms_sends.status <> 'sent'`, [key, integrationId, weddingId, now]);
    return started.rowCount ? undefined : this.get(key);
  }

  async markSent(key: string, providerId: string, now: number): Promise<void> {
    await this.pool.query(`UPDATE comms_sends SET status = 'sent', provider_id = $1, sent_at = $2 WHERE idempotency_key = $3`, [providerId, now, key]);
  }

  async markRefused(key: string): Promise<void> {
    await this.pool.query(`UPDATE comms_sends SET status = 'refused' WHERE idempotency_key = $1 AND status = 'started'`, [key]);
  }
}
