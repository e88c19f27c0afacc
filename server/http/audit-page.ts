import { z } from 'zod';

/**
 * The query of an audit trail's page (a wedding's, a connection's): `limit` entries (1–500,
 * default 100) older than `before`, the previous page's `nextCursor`.
 */
export const AuditPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
