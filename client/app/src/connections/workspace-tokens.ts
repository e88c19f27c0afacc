import type { Csrf } from '../api/api-client.ts';
import { mintAccessToken } from '../account/account-api.ts';

/**
 * Access tokens for the weddings of one workspace, minted from the browser session
 * (POST /api/auth/token) when first needed and reused for a while. Minted tokens last 10 minutes;
 * one is reused for at most `REUSE_MS`, counted on this browser's clock from when it was minted,
 * so a browser clock that is off does not matter.
 */
export const REUSE_MS = 4 * 60_000;

export class WorkspaceTokens {
  private readonly cache = new Map<string, { token: Promise<string>; at: number }>();

  constructor(private readonly csrf: Csrf) {}

  /** A token for the wedding. Rejects with the server's ApiError (403 `wedding_forbidden`…). */
  for(weddingId: string): Promise<string> {
    const hit = this.cache.get(weddingId);
    if (hit && Date.now() - hit.at < REUSE_MS) return hit.token;
    const token = mintAccessToken(this.csrf, weddingId).then((r) => r.token);
    this.cache.set(weddingId, { token, at: Date.now() });
    token.catch(() => this.cache.delete(weddingId));
    return token;
  }
}
