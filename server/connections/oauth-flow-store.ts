import type { Db } from '../storage/database.ts';

/**
 * One OAuth connect flow in progress (schema/migrations/021_oauth_flows.sql; on PostgreSQL
 * schema/migrations/postgres/013_oauth_flows.sql). Times are ms since the epoch, UTC.
 */
export interface OAuthFlowRecord {
  /** The `state` sent to the provider (random, 256 bits). */
  state: string;
  provider: string;
  /** The adapter to connect (google-calendar, outlook). */
  system: string;
  /** The PKCE verifier, sealed with the credentials key (bound to `state`). */
  codeVerifier: string;
  /** JSON: who started it. */
  principal: string;
  /** JSON: what to connect, and returnTo. */
  connectBody: string;
  redirectUri: string;
  createdAt: number;
  expiresAt: number;
}

/** Why a callback's state cannot complete a flow: never started here (or pruned), completed already, or too late. */
export type FlowRefusal = 'unknown' | 'used' | 'expired';

/**
 * Where OAuthFlows keeps its flows: SqliteOAuthFlowStore (here) and PostgresOAuthFlowStore keep one
 * contract, so a flow started through one instance completes through any. (Key rotation re-seals
 * pending verifiers in its own SQLite transaction across every sealed table: key-rotation.ts.)
 */
export interface OAuthFlowStore {
  /** Stores a new flow, first dropping flows that expired before `now` (ms). */
  add(flow: OAuthFlowRecord, now: number): Promise<void>;
  /**
   * Takes the flow for `state` and `provider` once, while it has not expired at `now` (ms): the
   * flow, or why not. Callbacks racing for one flow, on any instance, get it once between them.
   */
  claim(state: string, provider: string, now: number): Promise<OAuthFlowRecord | { refused: FlowRefusal }>;
}

type Row = Record<string, unknown>;

/** A stored row as a record; both backends (PostgreSQL's bigints arrive as strings). */
export const flowOf = (r: Row): OAuthFlowRecord => ({
  state: r.state as string, provider: r.provider as string, system: r.system as string, codeVerifier: r.code_verifier as string,
  principal: r.principal as string, connectBody: r.connect_body as string, redirectUri: r.redirect_uri as string,
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
});

/** Why an unclaimable flow was refused, from its row (or its absence). */
export const refusalOf = (seen: Row | undefined): { refused: FlowRefusal } =>
  ({ refused: !seen ? 'unknown' : seen.used_at !== null ? 'used' : 'expired' });

export const FLOW_COLUMNS = '(state, provider, system, code_verifier, principal, connect_body, redirect_uri, created_at, expires_at)';
export const flowValues = (f: OAuthFlowRecord) => [f.state, f.provider, f.system, f.codeVerifier, f.principal, f.connectBody, f.redirectUri, f.createdAt, f.expiresAt];

/** OAuth flows on the embedded SQLite database. */
export class SqliteOAuthFlowStore implements OAuthFlowStore {
  constructor(private readonly db: Db) {}

  async add(flow: OAuthFlowRecord, now: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM oauth_flows WHERE expires_at < ?').run(now);
      this.db.prepare(`INSERT INTO oauth_flows ${FLOW_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...flowValues(flow));
    })();
  }

  async claim(state: string, provider: string, now: number): Promise<OAuthFlowRecord | { refused: FlowRefusal }> {
    const row = this.db.prepare('UPDATE oauth_flows SET used_at = ? WHERE state = ? AND provider = ? AND used_at IS NULL AND expires_at > ? RETURNING *')
      .get(now, state, provider, now) as Row | undefined;
    if (row) return flowOf(row);
    return refusalOf(this.db.prepare('SELECT used_at FROM oauth_flows WHERE state = ? AND provider = ?').get(state, provider) as Row | undefined);
  }
}
