import type pg from 'pg';
import { FLOW_COLUMNS, flowOf, flowValues, refusalOf, type FlowRefusal, type OAuthFlowRecord, type OAuthFlowStore } from './oauth-flow-store.ts';

/**
 * OAuth connect flows on PostgreSQL (schema/migrations/postgres/013_oauth_flows.sql), so the
 * provider's redirect may reach another instance than the /start did: the same contract as
 * SqliteOAuthFlowStore. A flow is claimed by one conditional UPDATE, which PostgreSQL re-checks on
 * the locked row: of callbacks racing through different instances one gets it. Times are ms since
 * the epoch, UTC. Statements reject with the pg error.
 */
export class PostgresOAuthFlowStore implements OAuthFlowStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(flow: OAuthFlowRecord, now: number): Promise<void> {
    await this.pool.query('DELETE FROM oauth_flows WHERE expires_at < $1', [now]);
    await this.pool.query(`INSERT INTO oauth_flows ${FLOW_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, flowValues(flow));
  }

  async claim(state: string, provider: string, now: number): Promise<OAuthFlowRecord | { refused: FlowRefusal }> {
    const { rows } = await this.pool.query('UPDATE oauth_flows SET used_at = $1 WHERE state = $2 AND provider = $3 AND used_at IS NULL AND expires_at > $1 RETURNING *',
      [now, state, provider]);
    if (rows[0]) return flowOf(rows[0] as Record<string, unknown>);
    return refusalOf((await this.pool.query('SELECT used_at FROM oauth_flows WHERE state = $1 AND provider = $2', [state, provider])).rows[0] as Record<string, unknown> | undefined);
  }
}
