import type { Db } from '../storage/database.ts';
import { DELETED_HASH } from './link-store.ts';

export interface RetentionSettings {
  /** Applied inbox rows and delivered or cancelled outbox rows are deleted after this many days. */
  processedDays: number;
  /** Audit entries, and the change attribution (`activity`, server/activity/), are kept this long. */
  auditDays: number;
}

/**
 * Deletes what no longer serves a purpose: processed webhook payloads and pushes (they carry
 * personal data such as names and phone numbers, so they are not kept longer than needed) and, much
 * later, audit entries and change attribution. Parked inbox rows, dead-lettered pushes and open or
 * ignored unmatched records stay. Links kept after our deletion of their object (link-store.ts
 * `gone`) order reads taken before the deletion; one that its deletion was never read back to
 * forget (a system that reports no deletions) goes as processed rows do.
 */
export function applyRetention(db: Db, settings: RetentionSettings, now: number): { inbox: number; outbox: number; audit: number; activity: number; receipts: number; unmatched: number; goneLinks: number } {
  const processedBefore = now - settings.processedDays * 86_400_000;
  const auditBefore = new Date(now - settings.auditDays * 86_400_000).toISOString();
  return db.transaction(() => ({
    inbox: db.prepare(`DELETE FROM inbox WHERE status = 'applied' AND applied_at < ?`).run(processedBefore).changes,
    outbox: db.prepare(`DELETE FROM outbox WHERE status IN ('delivered', 'cancelled') AND created_at < ?`).run(processedBefore).changes,
    audit: db.prepare(`DELETE FROM audit WHERE at < ?`).run(auditBefore).changes,
    activity: db.prepare(`DELETE FROM activity WHERE at < ?`).run(now - settings.auditDays * 86_400_000).changes,
    // A sender retries within days (Stripe: 3 days, Google: not at all): older delivery ids dedupe nothing.
    receipts: db.prepare('DELETE FROM connection_receipts WHERE received_at < ?').run(processedBefore).changes,
    // Queue records sent to weddings (their links route them from then on) hold the record's content:
    // kept as processed rows are. Ignored ones stay, so that the record stays ignored.
    unmatched: db.prepare("DELETE FROM unmatched WHERE status IN ('assigned', 'created') AND updated_at < ?").run(processedBefore).changes,
    goneLinks: db.prepare(`DELETE FROM links WHERE last_hash = '${DELETED_HASH}' AND updated_at < ?`).run(new Date(processedBefore).toISOString()).changes,
  }))();
}
