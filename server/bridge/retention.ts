import type { Db } from '../storage/database.ts';

export interface RetentionSettings {
  /** Applied inbox rows and delivered or cancelled outbox rows are deleted after this many days. */
  processedDays: number;
  /** Audit entries, and the change attribution (`activity`, server/activity/), are kept this long. */
  auditDays: number;
}

/**
 * Deletes what no longer serves a purpose: processed webhook payloads and pushes (they carry
 * personal data such as names and phone numbers, so they are not kept longer than needed) and, much
 * later, audit entries and change attribution. Parked inbox rows and dead-lettered pushes stay until someone deals with them.
 */
export function applyRetention(db: Db, settings: RetentionSettings, now: number): { inbox: number; outbox: number; audit: number; activity: number } {
  const processedBefore = now - settings.processedDays * 86_400_000;
  const auditBefore = new Date(now - settings.auditDays * 86_400_000).toISOString();
  return db.transaction(() => ({
    inbox: db.prepare(`DELETE FROM inbox WHERE status = 'applied' AND applied_at < ?`).run(processedBefore).changes,
    outbox: db.prepare(`DELETE FROM outbox WHERE status IN ('delivered', 'cancelled') AND created_at < ?`).run(processedBefore).changes,
    audit: db.prepare(`DELETE FROM audit WHERE at < ?`).run(auditBefore).changes,
    activity: db.prepare(`DELETE FROM activity WHERE at < ?`).run(now - settings.auditDays * 86_400_000).changes,
  }))();
}
