import type pg from 'pg';
import type { AuditEntry } from '../../schema/index.ts';
import { auditPage, auditValues, errorRate, failedPushOf, type AuditInput, type AuditRecords, type AuditRow, type FailedPush } from './audit-log.ts';

const COLUMNS = 'id::double precision AS id, at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail';

/**
 * The integration audit trail on PostgreSQL (schema/migrations/postgres/020_audit_unmatched.sql),
 * shared by every instance: the contract of AuditRecords. `record` takes an open transaction's
 * client when given (an entry that must commit with what it records). Ids come from one sequence,
 * so pages are newest first across instances; an entry committed after a reader's page was read
 * under a smaller id is seen on the next read of the first page, not on later pages.
 */
export class PostgresAuditLog implements AuditRecords {
  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now) {}

  async record(e: AuditInput, client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    await client.query(`INSERT INTO audit (at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, auditValues(e, new Date(this.now()).toISOString()));
  }

  /** `record` for many entries in one statement, in order (ids rise in the given order). */
  async recordAll(entries: readonly AuditInput[], client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date(this.now()).toISOString();
    const values = entries.map((e) => auditValues(e, at));
    const col = (i: number) => values.map((v) => v[i]);
    await client.query(`INSERT INTO audit (at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail)
      SELECT a, b, c, d, e, f, g, h, i FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS v(a, b, c, d, e, f, g, h, i, n) ORDER BY n`,
    [col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7), col(8)]);
  }

  async list(weddingId: string, limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
    const { rows } = await this.pool.query<AuditRow>(`SELECT ${COLUMNS} FROM audit WHERE wedding_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
      [weddingId, before ?? Number.MAX_SAFE_INTEGER, limit]);
    return auditPage(rows, limit);
  }

  async listForIntegrations(integrationIds: readonly string[], limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
    const { rows } = await this.pool.query<AuditRow>(`SELECT a.* FROM unnest($1::text[]) AS i(id)
      CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM audit WHERE integration_id = i.id AND id < $2 ORDER BY id DESC LIMIT $3) a ORDER BY a.id DESC LIMIT $3`,
    [[...new Set(integrationIds)], before ?? Number.MAX_SAFE_INTEGER, limit]);
    return auditPage(rows, limit);
  }

  async pushErrorRate(integrationId: string, n = 100): Promise<number> {
    const { rows } = await this.pool.query<{ result: string }>(`SELECT result FROM audit WHERE integration_id = $1 AND action IN ('push.delivered', 'push.failed')
      ORDER BY id DESC LIMIT $2`, [integrationId, n]);
    return errorRate(rows.map((r) => r.result));
  }

  async failedPushes(integrationId: string, limit: number): Promise<FailedPush[]> {
    const { rows } = await this.pool.query<{ at: string; detail: string }>(`SELECT at, detail FROM audit WHERE integration_id = $1 AND action = 'push.failed'
      AND id > coalesce((SELECT max(id) FROM audit WHERE integration_id = $1 AND action = 'push.delivered'), 0) ORDER BY id DESC LIMIT $2`, [integrationId, limit]);
    return rows.map((r) => failedPushOf(r.at, r.detail));
  }

  async lastSuccess(integrationId: string, actions: string[]): Promise<string | null> {
    const { rows } = await this.pool.query<{ at: string | null }>(`SELECT max(at COLLATE "C") AS at FROM audit WHERE integration_id = $1 AND action = ANY($2::text[]) AND result = 'ok'`,
      [integrationId, actions]);
    return rows[0]?.at ?? null;
  }
}
