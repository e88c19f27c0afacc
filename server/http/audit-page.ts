import { z } from 'zod';

/**
 * The query of an audit trail's page (a wedding's, a connection's): `limit` entries (1–500,
 * default 100) older than `before`, the previous page's `nextCursor`.
 */
export const AuditPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});

/**
 * A connection's page: at most 100 entries, since it reads up to `limit` entries of each of the
 * connection's bindings to merge them (AuditRecords.listForIntegrations).
 */
export const ConnectionAuditPageQuery = AuditPageQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(50) });
