import type { AuditEntry } from '../../schema/index.ts';
import type { Logger } from '../logger.ts';
import { OrderedWrites } from '../storage/ordered-writes.ts';
import type { AuditInput, AuditRecords, AuditWriter, FailedPush } from './audit-log.ts';

/**
 * The bridge's audit trail on either backend (AuditRecords: sqliteAuditRecords or
 * PostgresAuditLog). Services record without waiting, as they always have: an entry is written in
 * the order recorded per wedding (OrderedWrites), at once when no earlier entry of the wedding is
 * still settling (on SQLite then before `record` returns), and a failed write is logged; an entry is never what makes an action fail.
 * Entries that must commit with other rows are written by the callers that hold the transaction
 * (the SQLite AuditLog in the intake and the inbox worker; joined writes on PostgreSQL).
 */
export class AuditTrail implements AuditWriter {
  private readonly writes: OrderedWrites;

  constructor(private readonly records: AuditRecords, logger: Logger) {
    this.writes = new OrderedWrites(logger, 'an audit entry');
  }

  record(e: AuditInput): void {
    this.writes.run(e.weddingId, () => this.records.record(e));
  }

  /**
   * Newest first (AuditRecords.list), once the entries recorded so far here are written: what this
   * instance did before the read is in it (on PostgreSQL the writes are asynchronous).
   */
  async list(weddingId: string, limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
    await this.writes.settled();
    return this.records.list(weddingId, limit, before);
  }

  /** The entries of a connection and its bindings (AuditRecords.listForIntegrations), once those recorded so far here are written. */
  async listForIntegrations(integrationIds: readonly string[], limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
    await this.writes.settled();
    return this.records.listForIntegrations(integrationIds, limit, before);
  }

  pushErrorRate(integrationId: string, n?: number): Promise<number> {
    return this.records.pushErrorRate(integrationId, n);
  }

  failedPushes(integrationId: string, limit: number): Promise<FailedPush[]> {
    return this.records.failedPushes(integrationId, limit);
  }

  lastSuccess(integrationId: string, actions: string[]): Promise<string | null> {
    return this.records.lastSuccess(integrationId, actions);
  }

  /** Resolves when every entry recorded so far is written (or its failure logged). */
  settled(): Promise<void> {
    return this.writes.settled();
  }
}
