import { z } from 'zod';
import { WEDDING_ID_PATTERN } from '../document/names.ts';

/** Token roles: the wedding roles (schema/api/people.ts) plus `admin` (operators) and `adapter` (headless peers). `viewer` reads a wedding and writes nothing, over the WebSocket or HTTP. */
export const ROLES = ['admin', 'planner', 'couple', 'vendor', 'viewer', 'adapter'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles that may write every part of the document (and the HTTP routes that write it as a whole).
 * Couples and vendors write only their own paths (schema/document/permissions.ts); viewers nothing.
 */
export const WRITER_ROLES: readonly Role[] = ['admin', 'planner', 'adapter'];

export const WeddingScope = z.union([z.literal('*'), z.string().regex(WEDDING_ID_PATTERN)]);

/** The claims a WedSync token carries besides the standard `iat`/`exp`/`iss`. */
export const TokenClaims = z.object({
  sub: z.string().min(1).max(128),
  role: z.enum(ROLES),
  /** Wedding ids the holder may open; `["*"]` means every wedding (admins). */
  weddings: z.array(WeddingScope).max(1000),
  /** Display name for presence; defaults to `sub`. */
  name: z.string().max(100).optional(),
  /** For `vendor` tokens: the vendor id in the wedding documents. */
  vendorId: z.string().max(128).optional(),
  /** For tokens minted from a browser session: the session id; the token dies when the session is revoked. */
  sid: z.string().max(64).optional(),
  /**
   * For workspace tokens (`POST /api/auth/token` with `workspaceId`): the one workspace whose
   * routes (connections, unmatched queue) the token acts for. It may list no wedding at all.
   */
  wsp: z.string().min(1).max(64).optional(),
}).refine((c) => c.weddings.length > 0 || c.wsp !== undefined, { path: ['weddings'], message: 'a token lists at least one wedding (only a workspace token may list none)' })
  .refine((c) => c.role === 'admin' || !c.weddings.includes('*'), { path: ['weddings'], message: '"*" (every wedding) is for admin tokens only' });
export type TokenClaims = z.infer<typeof TokenClaims>;

/** True when the claims list `weddingId`; `*` opens every wedding for admins only (other roles' `*` opens nothing). */
export function canOpenWedding(claims: Pick<TokenClaims, 'weddings' | 'role'>, weddingId: string): boolean {
  return claims.weddings.includes(weddingId) || (claims.role === 'admin' && claims.weddings.includes('*'));
}
