import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ApiKeyRole, ApiKeySummary } from '../../schema/api/sign-in.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { newId } from '../people/people-rows.ts';
import type { Db } from '../storage/database.ts';
import { numberOrNull } from '../storage/row-values.ts';
import { AuthError } from './auth-error.ts';
import type { Principal, TokenService } from './tokens.ts';

/** Every API key starts with this, so a bearer is told apart from a JWT without parsing it. */
export const API_KEY_PREFIX = 'wsk_';
const KEY = /^wsk_(key_[A-Za-z0-9_-]{20})_([A-Za-z0-9_-]{43})$/;
/** `last_used_at` is written at most this often per key, in ms. */
const TOUCH_EVERY_MS = 60_000;
/** `exp` of a key without expiry: far enough never to arrive, stable so renewals see no change. */
const NO_EXPIRY_S = 100 * 365 * 86_400;

export interface NewApiKey {
  workspaceId: string;
  name: string;
  role: ApiKeyRole;
  /** Wedding ids, or `["*"]`. */
  weddings: string[];
  vendorId?: string;
  createdBy?: string;
  /** ms since the epoch; absent: until revoked. */
  expiresAt?: number;
}

/**
 * Scoped, revocable API keys for machines (schema/migrations/017_sign_in.sql `api_keys`). A key is
 * `wsk_<id>_<secret>` (secret: 32 random bytes, base64url); only the secret's SHA-256 is stored and
 * the key is shown once, when it is created. Revocations are announced on `onRevoked` so open
 * sockets opened with the key are closed.
 */
export interface ApiKeyStore {
  create(input: NewApiKey): Promise<{ summary: ApiKeySummary; key: string }>;
  list(workspaceId: string): Promise<ApiKeySummary[]>;
  /** Revokes a key of the workspace; false when there is no such live key. */
  revoke(workspaceId: string, keyId: string): Promise<boolean>;
  /**
   * The key a bearer names, or an AuthError: `token_invalid` (malformed, unknown, wrong secret or
   * revoked) or `token_expired`. Records the use (at most once a minute).
   */
  authenticate(bearer: string): Promise<ApiKeySummary>;
  onRevoked(listener: (keyIds: string[]) => void): () => void;
}

type Row = Record<string, unknown>;
/** A stored row as a summary; both backends' rows (PostgreSQL's bigints arrive as text). */
export const apiKeySummaryOf = (r: Row): ApiKeySummary => ({
  id: r.id as string, workspaceId: r.workspace_id as string, name: r.name as string, role: r.role as ApiKeyRole,
  weddings: JSON.parse(r.weddings as string) as string[], vendorId: (r.vendor_id as string | null) ?? null, createdBy: (r.created_by as string | null) ?? null,
  createdAt: Number(r.created_at), expiresAt: numberOrNull(r.expires_at), lastUsedAt: numberOrNull(r.last_used_at), revokedAt: numberOrNull(r.revoked_at),
});
/** SHA-256 of a key's secret part: what both backends store. */
export const apiKeySecretHash = (secret: string): Buffer => crypto.createHash('sha256').update(secret).digest();

/** A new key's id and secret, and the key itself (`wsk_<id>_<secret>`). */
export function newApiKey(): { id: string; secret: string; key: string } {
  const id = newId('key');
  const secret = crypto.randomBytes(32).toString('base64url');
  return { id, secret, key: `${API_KEY_PREFIX}${id}_${secret}` };
}

/** A bearer's key id and secret; AuthError `token_invalid` when it is not shaped like a key. */
export function apiKeyParts(bearer: string): { id: string; secret: string } {
  const m = KEY.exec(bearer);
  if (!m) throw new AuthError('token_invalid', 'the API key is malformed (wsk_<id>_<secret>)');
  return { id: m[1]!, secret: m[2]! };
}

/**
 * The key a stored row gives for `secret` at `at`, or an AuthError (`token_invalid`: unknown, wrong
 * secret, revoked; `token_expired`); `touch` says whether `last_used_at` is due to be written.
 */
export function checkedApiKey(row: Row | undefined, secret: string, at: number): { key: ApiKeySummary; touch: boolean } {
  if (!row || !crypto.timingSafeEqual(row.secret_hash as Buffer, apiKeySecretHash(secret))) throw new AuthError('token_invalid', 'the API key is not valid');
  const key = apiKeySummaryOf(row);
  if (key.revokedAt !== null) throw new AuthError('token_invalid', 'the API key has been revoked');
  if (key.expiresAt !== null && key.expiresAt <= at) throw new AuthError('token_expired', 'the API key has expired');
  return { key, touch: key.lastUsedAt === null || at - key.lastUsedAt >= TOUCH_EVERY_MS };
}

export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly events = new EventEmitter();

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async create(input: NewApiKey): Promise<{ summary: ApiKeySummary; key: string }> {
    const { id, secret, key } = newApiKey();
    const at = this.now();
    this.db.prepare(`INSERT INTO api_keys (id, workspace_id, name, secret_hash, role, weddings, vendor_id, created_by, created_at, expires_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, input.workspaceId, input.name, apiKeySecretHash(secret), input.role, JSON.stringify(input.weddings),
      input.vendorId ?? null, input.createdBy ?? null, at, input.expiresAt ?? null);
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row;
    return { summary: apiKeySummaryOf(row), key };
  }

  async list(workspaceId: string): Promise<ApiKeySummary[]> {
    return (this.db.prepare('SELECT * FROM api_keys WHERE workspace_id = ? ORDER BY created_at DESC, id').all(workspaceId) as Row[]).map(apiKeySummaryOf);
  }

  async revoke(workspaceId: string, keyId: string): Promise<boolean> {
    const done = this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND workspace_id = ? AND revoked_at IS NULL').run(this.now(), keyId, workspaceId).changes > 0;
    if (done) this.events.emit('revoked', [keyId]);
    return done;
  }

  async authenticate(bearer: string): Promise<ApiKeySummary> {
    const { id, secret } = apiKeyParts(bearer);
    const at = this.now();
    const { key, touch } = checkedApiKey(this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined, secret, at);
    if (touch) {
      this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, key.id);
      key.lastUsedAt = at;
    }
    return key;
  }

  onRevoked(listener: (keyIds: string[]) => void): () => void {
    this.events.on('revoked', listener);
    return () => this.events.off('revoked', listener);
  }
}

/**
 * The weddings a key may open now: its listed weddings (or, for `["*"]`, every wedding) among those
 * its workspace works on at this moment, where the key's role fits the workspace's part in the
 * wedding. A wedding the workspace owns takes any key role; one it works on as a vendor takes
 * `viewer` keys, and `vendor` keys for that same vendor entry only, so a key never carries more
 * than its workspace has. A wedding that leaves the workspace leaves its keys with it.
 */
export async function weddingsForKey(people: PeopleStore, key: Pick<ApiKeySummary, 'workspaceId' | 'role' | 'weddings' | 'vendorId'>): Promise<string[]> {
  const all = key.weddings.length === 1 && key.weddings[0] === '*';
  const listed = new Set(key.weddings);
  const open = new Set<string>();
  for (const w of await people.weddingsOfWorkspace(key.workspaceId)) {
    if (!all && !listed.has(w.weddingId)) continue;
    const fits = w.role === 'planner' || key.role === 'viewer' || (key.role === 'vendor' && key.vendorId === w.vendorId);
    if (fits) open.add(w.weddingId);
  }
  return [...open].sort();
}

/** The principal an API key acts as (`sub`: the key id; `apiKeyId` set). */
export async function principalForKey(people: PeopleStore, key: ApiKeySummary): Promise<Principal> {
  return {
    sub: key.id, name: key.name, role: key.role, weddings: await weddingsForKey(people, key),
    ...(key.vendorId ? { vendorId: key.vendorId } : {}),
    exp: Math.floor((key.expiresAt ?? key.createdAt + NO_EXPIRY_S * 1000) / 1000),
    apiKeyId: key.id,
    apiKeyWorkspaceId: key.workspaceId,
  };
}

/**
 * TokenService.verify accepting API keys too: a `wsk_` bearer resolves to the key's principal
 * (principalForKey), anything else goes to `inner` (JWTs). Every HTTP route and the WebSocket
 * verify through this one function, so a key works wherever a token does and a revoked or expired
 * key is refused on its next request.
 */
export function withApiKeys(inner: TokenService, keys: ApiKeyStore, people: PeopleStore): TokenService {
  return {
    sign: (claims, ttlSeconds) => inner.sign(claims, ttlSeconds),
    async verify(token) {
      if (token && token.startsWith(API_KEY_PREFIX)) return principalForKey(people, await keys.authenticate(token));
      return inner.verify(token);
    },
  };
}
