import type { Db } from '../storage/database.ts';

export interface SendRecord {
  idempotencyKey: string;
  status: 'started' | 'refused' | 'sent';
  providerId: string | null;
  attempts: number;
  startedAt: number;
}

/**
 * What happened to each send, written synchronously around the provider call: `started` just before
 * the request goes out, `sent` (with the provider's id) as soon as it is accepted, `refused` when the
 * provider answered with an error. A send found `started` on its next attempt had an unknown
 * outcome (the process died, or the connection dropped): the adapter looks before sending again.
 */
export class SendLedger {
  private readonly one;
  private readonly start;
  private readonly sent;
  private readonly refused;

  constructor(db: Db) {
    this.one = db.prepare('SELECT idempotency_key, status, provider_id, attempts, started_at FROM comms_sends WHERE idempotency_key = ?');
    this.start = db.prepare(`INSERT INTO comms_sends (idempotency_key, integration_id, wedding_id, status, attempts, started_at) VALUES (?, ?, ?, 'started', 1, ?)
      ON CONFLICT (idempotency_key) DO UPDATE SET status = 'started', attempts = attempts + 1, started_at = excluded.started_at`);
    this.sent = db.prepare(`UPDATE comms_sends SET status = 'sent', provider_id = ?, sent_at = ? WHERE idempotency_key = ?`);
    this.refused = db.prepare(`UPDATE comms_sends SET status = 'refused' WHERE idempotency_key = ? AND status = 'started'`);
  }

  get(key: string): SendRecord | undefined {
    const r = this.one.get(key) as { idempotency_key: string; status: SendRecord['status']; provider_id: string | null; attempts: number; started_at: number } | undefined;
    return r && { idempotencyKey: r.idempotency_key, status: r.status, providerId: r.provider_id, attempts: r.attempts, startedAt: r.started_at };
  }

  markStarted(key: string, integrationId: string, weddingId: string, now: number): void {
    this.start.run(key, integrationId, weddingId, now);
  }

  markSent(key: string, providerId: string, now: number): void {
    this.sent.run(providerId, now, key);
  }

  markRefused(key: string): void {
    this.refused.run(key);
  }
}
