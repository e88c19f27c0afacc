import type { AuditEntry } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';

export type AuditResult = AuditEntry['result'];

export interface AuditInput {
  weddingId: string;
  integrationId?: string | null;
  /** Who: `user:<sub>`, `integration:<id>`, `system`. */
  actor: string;
  /** What: `webhook.received`, `inbound.applied`, `push.delivered`, `push.failed`, `conflict.resolved`, … */
  action: string;
  entity?: string | null;
  entityId?: string | null;
  result: AuditResult;
  detail?: Record<string, unknown>;
}

/** The integration audit trail: every inbound and outbound action and every conflict resolution. */
export class AuditLog {
  private readonly insert;
  private readonly page;
  private readonly recentPushes;
  private readonly lastOf;

  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.insert = db.prepare(`INSERT INTO audit (at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.page = db.prepare(`SELECT * FROM audit WHERE wedding_id = ? AND id < ? ORDER BY id DESC LIMIT ?`);
    this.recentPushes = db.prepare(`SELECT result FROM audit WHERE integration_id = ? AND action IN ('push.delivered', 'push.failed') ORDER BY id DESC LIMIT ?`).pluck();
    this.lastOf = db.prepare(`SELECT max(at) FROM audit WHERE integration_id = ? AND action IN (SELECT value FROM json_each(?)) AND result = 'ok'`).pluck();
  }

  record(e: AuditInput): void {
    this.insert.run(new Date(this.now()).toISOString(), e.weddingId, e.integrationId ?? null, e.actor, e.action, e.entity ?? null, e.entityId ?? null, e.result, JSON.stringify(e.detail ?? {}));
  }

  /** Newest first; `before` is the `nextCursor` of the previous page. */
  list(weddingId: string, limit: number, before?: number): { entries: AuditEntry[]; nextCursor: number | null } {
    const rows = this.page.all(weddingId, before ?? Number.MAX_SAFE_INTEGER, limit) as {
      id: number; at: string; wedding_id: string; integration_id: string | null; actor: string; action: string; entity: string | null; entity_id: string | null; result: AuditResult; detail: string;
    }[];
    const entries = rows.map((r) => ({
      id: r.id, at: r.at, weddingId: r.wedding_id, integrationId: r.integration_id, actor: r.actor, action: r.action, entity: r.entity, entityId: r.entity_id, result: r.result, detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
    return { entries, nextCursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
  }

  /** Failed share of the last `n` push attempts (0 when there were none). */
  pushErrorRate(integrationId: string, n = 100): number {
    const results = this.recentPushes.all(integrationId, n) as string[];
    return results.length === 0 ? 0 : results.filter((r) => r !== 'ok').length / results.length;
  }

  lastSuccess(integrationId: string, actions: string[]): string | null {
    return (this.lastOf.get(integrationId, JSON.stringify(actions)) as string | null) ?? null;
  }
}
