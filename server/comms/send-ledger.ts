import type { Db } from '../storage/database.ts';

export interface SendRecord {
  idempotencyKey: string;
  status: 'started' | 'refused' | 'sent';
  providerId: string | null;
  attempts: number;
  /** ms since the epoch, UTC. */
  startedAt: number;
}

type Row = Record<string, unknown>;
/** A stored row as a record; both backends (PostgreSQL's bigints arrive as strings). */
export const sendRecordOf = (r: Row): SendRecord => ({
  idempotencyKey: r.idempotency_key as string, status: r.status as SendRecord['status'], providerId: (r.provider_id as string | null) ?? null,
  attempts: Number(r.attempts), startedAt: Number(r.started_at),
});

/**
 * What happened to each send, recorded around the provider call: `started` just before the request
 * goes out (its promise resolves once that is committed), `sent` (with the provider's id) as soon
 * as it is accepted, `refused` when the provider answered with an error. A send found `started` on
 * its next attempt had an unknown outcome (the process died, or the connection dropped): the adapter
 * looks before sending again. Two backends keep this contract: SqliteSendLedger (here) and
 * PostgresSendLedger (schema/migrations/postgres/016_comms_sends.sql), so whichever instance
 * delivers a message's next attempt sees what the last one did. Times are ms since the epoch, UTC.
 */
export interface SendLedger {
  get(key: string): Promise<SendRecord | undefined>;
  /**
   * A request is about to go out: `started`, one more attempt. Resolves with the record instead,
   * changing nothing, when the send is recorded `sent` already (another instance sent it since the
   * caller looked): the caller must not send it again.
   */
  markStarted(key: string, integrationId: string, weddingId: string, now: number): Promise<SendRecord | undefined>;
  markSent(key: string, providerId: string, now: number): Promise<void>;
  /** The provider refused a started send (a send recorded `sent` stays so). */
  markRefused(key: string): Promise<void>;
}

/** The send ledger on the embedded SQLite database. */
export class SqliteSendLedger implements SendLedger {
  private readonly one;
  private readonly start;
  private readonly sent;
  private readonly refused;

  constructor(db: Db) {
    this.one = db.prepare('SELECT idempotency_key, status, provider_id, attempts, started_at FROM comms_sends WHERE idempotency_key = ?');
    this.start = db.prepare(`INSERT INTO comms_sends (idempotency_key, integration_id, wedding_id, status, attempts, started_at) VALUES (?, ?, ?, 'started', 1, ?)
      ON CONFLICT (idempotency_key) DO UPDATE SET status = 'started', attempts = attempts + 1, started_at = excluded.started_at WHERE status <> 'sent'`);
    this.sent = db.prepare(`UPDATE comms_sends SET status = 'sent', provider_id = ?, sent_at = ? WHERE idempotency_key = ?`);
    this.refused = db.prepare(`UPDATE comms_sends SET status = 'refused' WHERE idempotency_key = ? AND status = 'started'`);
  }

  async get(key: string): Promise<SendRecord | undefined> {
    const r = this.one.get(key) as Row | undefined;
    return r && sendRecordOf(r);
  }

  async markStarted(key: string, integrationId: string, weddingId: string, now: number): Promise<SendRecord | undefined> {
    if (this.start.run(key, integrationId, weddingId, now).changes > 0) return undefined;
    return this.get(key);
  }

  async markSent(key: string, providerId: string, now: number): Promise<void> {
    this.sent.run(providerId, now, key);
  }

  async markRefused(key: string): Promise<void> {
    this.refused.run(key);
  }
}
