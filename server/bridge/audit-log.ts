import type { AuditEntry } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';
import { storableText } from '../storage/storable-text.ts';

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

/** A stored audit row, as both backends give it (`id` a number). */
export interface AuditRow {
  id: number; at: string; wedding_id: string; integration_id: string | null; actor: string; action: string; entity: string | null; entity_id: string | null; result: AuditResult; detail: string;
}

export const auditEntryOf = (r: AuditRow): AuditEntry => ({
  id: Number(r.id), at: r.at, weddingId: r.wedding_id, integrationId: r.integration_id, actor: r.actor, action: r.action, entity: r.entity, entityId: r.entity_id, result: r.result,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
});

/**
 * The values an entry is stored with, in column order (at, wedding_id, integration_id, actor,
 * action, entity, entity_id, result, detail); `at` is ISO 8601 UTC. The actor and the entity id
 * (an external record's id, for a refused one) are stored as both engines hold them (U+0000 and
 * lone surrogates as U+FFFD); `detail` is JSON text.
 */
export function auditValues(e: AuditInput, at: string): unknown[] {
  return [at, e.weddingId, e.integrationId ?? null, storableText(e.actor), e.action, e.entity ?? null, e.entityId == null ? null : storableText(e.entityId), e.result, JSON.stringify(e.detail ?? {})];
}

/**
 * The audit trail on either backend (schema/migrations/002_integrations.sql; on PostgreSQL
 * postgres/020_audit_unmatched.sql): sqliteAuditRecords and PostgresAuditLog, with one contract
 * (tests/bridge/audit-unmatched-backends.test.ts).
 */
export interface AuditRecords {
  record(e: AuditInput): Promise<void>;
  /** Newest first (by id); `before` is the `nextCursor` of the previous page. */
  list(weddingId: string, limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }>;
  /**
   * The entries of any of `integrationIds` (a connection and its bindings), newest first, paged as
   * `list`: each integration's newest `limit` read through index audit_by_integration_id, merged.
   */
  listForIntegrations(integrationIds: readonly string[], limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }>;
  /** Failed share of the last `n` push attempts (0 when there were none). */
  pushErrorRate(integrationId: string, n?: number): Promise<number>;
  /**
   * The integration's push attempts that failed since its newest delivered one, newest first, at
   * most `limit`: empty when the newest attempt was delivered or there was none. Two look-ups
   * served by index audit_by_integration.
   */
  failedPushes(integrationId: string, limit: number): Promise<FailedPush[]>;
  /** When one of `actions` last succeeded for the integration (ISO 8601), or null. */
  lastSuccess(integrationId: string, actions: string[]): Promise<string | null>;
}

/**
 * What records entries without waiting: AuditTrail (the bridge's services, either backend), or the
 * SQLite AuditLog itself where the entry is written inside the caller's SQLite transaction.
 */
export interface AuditWriter {
  record(e: AuditInput): void;
}

/** A failed push attempt as `failedPushes` gives it. */
export interface FailedPush {
  /** When it was recorded (ISO 8601, UTC). */
  at: string;
  /**
   * The system refused it for good: dead-lettered at the first answer for a reason retrying cannot
   * mend (a 4xx other than 401/403/429: `permanent`, `gone`, `invalid_config`, …), not a retryable
   * failure that ran out of attempts.
   */
  refused: boolean;
}

/** Reads FailedPush from a `push.failed` entry's detail (outbox-worker.ts: `code`, `outcome`). */
export function failedPushOf(at: string, detail: string): FailedPush {
  const d = JSON.parse(detail) as { code?: unknown; outcome?: unknown };
  return { at, refused: d.outcome === 'dead' && typeof d.code === 'string' && !RETRYABLE_CODES.has(d.code) };
}

/** AdapterError codes the outbox retries (AdapterError.retryable) or that mark the connection as needing a person (`unauthorized`). */
const RETRYABLE_CODES = new Set(['transient', 'rate_limited', 'precondition_failed', 'unauthorized']);

/** A page of `limit` rows as `list` answers it. */
export function auditPage(rows: AuditRow[], limit: number): { entries: AuditEntry[]; nextCursor: number | null } {
  return { entries: rows.map(auditEntryOf), nextCursor: rows.length === limit ? Number(rows[rows.length - 1]!.id) : null };
}

/** Failed share of push results (0 when there were none). */
export const errorRate = (results: string[]): number => (results.length === 0 ? 0 : results.filter((r) => r !== 'ok').length / results.length);


/** The integration audit trail on SQLite, synchronous (the bridge): every inbound and outbound action and every conflict resolution. */
export class AuditLog {
  private readonly insert;
  private readonly page;
  private readonly integrationPage;
  private readonly recentPushes;
  private readonly failedSince;
  private readonly lastOf;

  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.insert = db.prepare(`INSERT INTO audit (at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.page = db.prepare(`SELECT * FROM audit WHERE wedding_id = ? AND id < ? ORDER BY id DESC LIMIT ?`);
    this.integrationPage = db.prepare(`SELECT * FROM audit WHERE integration_id = ? AND id < ? ORDER BY id DESC LIMIT ?`);
    this.recentPushes = db.prepare(`SELECT result FROM audit WHERE integration_id = ? AND action IN ('push.delivered', 'push.failed') ORDER BY id DESC LIMIT ?`).pluck();
    this.failedSince = db.prepare(`SELECT at, detail FROM audit WHERE integration_id = @id AND action = 'push.failed'
      AND id > coalesce((SELECT max(id) FROM audit WHERE integration_id = @id AND action = 'push.delivered'), 0) ORDER BY id DESC LIMIT @limit`);
    this.lastOf = db.prepare(`SELECT max(at) FROM audit WHERE integration_id = ? AND action IN (SELECT value FROM json_each(?)) AND result = 'ok'`).pluck();
  }

  record(e: AuditInput): void {
    this.insert.run(...auditValues(e, new Date(this.now()).toISOString()));
  }

  list(weddingId: string, limit: number, before?: number): { entries: AuditEntry[]; nextCursor: number | null } {
    return auditPage(this.page.all(weddingId, before ?? Number.MAX_SAFE_INTEGER, limit) as AuditRow[], limit);
  }

  listForIntegrations(integrationIds: readonly string[], limit: number, before?: number): { entries: AuditEntry[]; nextCursor: number | null } {
    const rows = [...new Set(integrationIds)].flatMap((id) => this.integrationPage.all(id, before ?? Number.MAX_SAFE_INTEGER, limit) as AuditRow[]);
    return auditPage(rows.sort((a, b) => b.id - a.id).slice(0, limit), limit);
  }

  pushErrorRate(integrationId: string, n = 100): number {
    return errorRate(this.recentPushes.all(integrationId, n) as string[]);
  }

  failedPushes(integrationId: string, limit: number): FailedPush[] {
    return (this.failedSince.all({ id: integrationId, limit }) as { at: string; detail: string }[]).map((r) => failedPushOf(r.at, r.detail));
  }

  lastSuccess(integrationId: string, actions: string[]): string | null {
    return (this.lastOf.get(integrationId, JSON.stringify(actions)) as string | null) ?? null;
  }
}

/** AuditRecords over a SQLite AuditLog. */
export function sqliteAuditRecords(log: AuditLog): AuditRecords {
  return resolving(log, ['record', 'list', 'listForIntegrations', 'pushErrorRate', 'failedPushes', 'lastSuccess'] as const);
}
