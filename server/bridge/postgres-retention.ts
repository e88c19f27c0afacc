import type pg from 'pg';
import { inTransaction } from '../storage/postgres/pool.ts';
import { DELETED_HASH } from './link-store.ts';
import type { RetentionSettings } from './retention.ts';

/**
 * applyRetention on PostgreSQL: the same deletions, of the same rows, in one transaction (times as
 * the tables keep them: ms since the epoch, UTC; the audit trail's ISO 8601 text compared bytewise).
 * Any instance may run it; two at once delete each row once.
 */
export async function applyPostgresRetention(pool: pg.Pool, settings: RetentionSettings, now: number): Promise<{ inbox: number; outbox: number; audit: number; activity: number; receipts: number; unmatched: number; goneLinks: number }> {
  const processedBefore = now - settings.processedDays * 86_400_000;
  const auditBefore = now - settings.auditDays * 86_400_000;
  return inTransaction(pool, async (client) => {
    const run = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;
    return {
      inbox: await run("DELETE FROM inbox WHERE status = 'applied' AND applied_at < $1", [processedBefore]),
      outbox: await run("DELETE FROM outbox WHERE status IN ('delivered', 'cancelled') AND created_at < $1", [processedBefore]),
      audit: await run('DELETE FROM audit WHERE at COLLATE "C" < $1', [new Date(auditBefore).toISOString()]),
      activity: await run('DELETE FROM activity WHERE at < $1', [auditBefore]),
      receipts: await run('DELETE FROM connection_receipts WHERE received_at < $1', [processedBefore]),
      unmatched: await run("DELETE FROM unmatched WHERE status IN ('assigned', 'created') AND updated_at < $1", [processedBefore]),
      goneLinks: await run('DELETE FROM links WHERE last_hash = $1 AND updated_at COLLATE "C" < $2', [DELETED_HASH, new Date(processedBefore).toISOString()]),
    };
  });
}
