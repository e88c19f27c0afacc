import type pg from 'pg';
import type { ApiKeySummary } from '../../schema/api/sign-in.ts';
import type { Logger } from '../logger.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import { RevocationChannel } from '../storage/postgres/revocation-channel.ts';
import { apiKeyParts, apiKeySecretHash, apiKeySummaryOf, checkedApiKey, newApiKey, type ApiKeyStore, type NewApiKey } from './api-keys.ts';

/** The channel key revocations are announced on (LISTEN/NOTIFY), so every instance closes the sockets opened with a revoked key. */
export const API_KEYS_REVOKED_CHANNEL = 'wedsync_api_keys_revoked';

/**
 * API keys on PostgreSQL (schema/migrations/postgres/010_api_keys.sql), shared by every instance:
 * the same contract as SqliteApiKeyStore (a key `wsk_<id>_<secret>`, only the secret's SHA-256
 * stored, `last_used_at` written at most once a minute). A revocation commits with its `NOTIFY`
 * and reaches every instance's `onRevoked` (RevocationChannel), missed ones included after a lost
 * listening connection. Statements reject with the pg error; `authenticate` throws AuthError as
 * the interface says. Call `listen()` once before use, `close()` at shutdown.
 */
export class PostgresApiKeyStore implements ApiKeyStore {
  private readonly channel: RevocationChannel;

  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now, logger?: Pick<Logger, 'warn' | 'error'>) {
    this.channel = new RevocationChannel(pool, {
      channel: API_KEYS_REVOKED_CHANNEL, what: 'API key', now, logger,
      revokedSince: async (since) => (await pool.query<{ id: string }>('SELECT id FROM api_keys WHERE revoked_at >= $1', [since])).rows.map((r) => r.id),
    });
  }

  /** Starts listening for other instances' revocations (RevocationChannel.listen). */
  listen(): Promise<void> {
    return this.channel.listen();
  }

  async create(input: NewApiKey): Promise<{ summary: ApiKeySummary; key: string }> {
    const { id, secret, key } = newApiKey();
    const { rows } = await this.pool.query(`INSERT INTO api_keys (id, workspace_id, name, secret_hash, role, weddings, vendor_id, created_by, created_at, expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`, [id, input.workspaceId, input.name, apiKeySecretHash(secret), input.role,
      JSON.stringify(input.weddings), input.vendorId ?? null, input.createdBy ?? null, this.now(), input.expiresAt ?? null]);
    return { summary: apiKeySummaryOf(rows[0] as Record<string, unknown>), key };
  }

  async list(workspaceId: string): Promise<ApiKeySummary[]> {
    // COLLATE "C": ties on created_at fall back to the id's bytes, as SQLite's BINARY collation orders them.
    const { rows } = await this.pool.query('SELECT * FROM api_keys WHERE workspace_id = $1 ORDER BY created_at DESC, id COLLATE "C"', [workspaceId]);
    return rows.map((r) => apiKeySummaryOf(r as Record<string, unknown>));
  }

  async revoke(workspaceId: string, keyId: string): Promise<boolean> {
    const done = await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND workspace_id = $3 AND revoked_at IS NULL', [this.now(), keyId, workspaceId]);
      if (rowCount) await this.channel.notify(client, [keyId]);
      return (rowCount ?? 0) > 0;
    });
    if (done) this.channel.announce([keyId]);
    return done;
  }

  /**
   * For a caller revoking keys in its own transaction (a vendor's removal, postgres-vendor-bindings.ts):
   * sends `keyIds` to the other instances on that transaction's `client` (only if it commits).
   */
  async notifyRevoked(client: pg.ClientBase, keyIds: string[]): Promise<void> {
    await this.channel.notify(client, keyIds);
  }

  /** After such a transaction committed: tells this instance's `onRevoked` listeners. */
  announceRevoked(keyIds: string[]): void {
    this.channel.announce(keyIds);
  }

  async authenticate(bearer: string): Promise<ApiKeySummary> {
    const { id, secret } = apiKeyParts(bearer);
    const at = this.now();
    const { rows } = await this.pool.query('SELECT * FROM api_keys WHERE id = $1', [id]);
    const { key, touch } = checkedApiKey(rows[0] as Record<string, unknown> | undefined, secret, at);
    if (touch) {
      // Never moves last_used_at back (an instance whose clock is behind); reports what is stored,
      // which another instance may have set later than `at`.
      const stored = await this.pool.query<{ last_used_at: string }>(
        'UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, $1), $1) WHERE id = $2 RETURNING last_used_at', [at, key.id]);
      key.lastUsedAt = stored.rows[0] ? Number(stored.rows[0].last_used_at) : at;
    }
    return key;
  }

  onRevoked(listener: (keyIds: string[]) => void): () => void {
    return this.channel.onRevoked(listener);
  }

  /** Stops listening (the connection is closed, not returned to the pool). */
  async close(): Promise<void> {
    await this.channel.close();
  }
}
