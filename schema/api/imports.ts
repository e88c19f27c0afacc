import { z } from 'zod';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/** Largest `csv` text an import takes (the API's 1 MB body limit applies to the whole request first). */
export const MAX_IMPORT_CSV_CHARS = 1024 * 1024;

/**
 * `POST /api/integrations/import` (docs/connections.md, "Importing a CSV export"): a system's CSV
 * export read with its preset, through a `preset` connection named by `connectionId`, or found by
 * `workspaceId` + `preset`. `preview` writes nothing; `apply` routes the rows (idempotent).
 */
export const ImportBody = z.object({
  connectionId: z.string().min(1).max(64).optional(),
  workspaceId: z.string().min(1).max(64).optional(),
  /** The preset's system id (`honeybook`); with a connectionId it must be the connection's. */
  preset: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/).optional(),
  /** The export's text, header row first (RFC 4180; a UTF-8 BOM is ignored). At most 10,000 rows. */
  csv: z.string().min(1).max(MAX_IMPORT_CSV_CHARS),
  mode: z.enum(['preview', 'apply']).default('preview'),
}).strict().refine((b) => b.connectionId !== undefined || (b.workspaceId !== undefined && b.preset !== undefined), { message: 'give connectionId, or workspaceId and preset' });
export type ImportBody = z.infer<typeof ImportBody>;

const ImportAction = z.enum(['create', 'match', 'update', 'skip']);

export const ImportRowResult = z.object({
  row: z.number().int().min(1),
  eventId: z.string(),
  reference: z.string().optional(),
  action: ImportAction,
  reason: z.string(),
  weddingIds: z.array(z.string()).optional(),
  confidence: z.number().min(0).max(1).optional(),
  matchedOn: z.array(z.string()).optional(),
  changes: z.array(z.object({ weddingId: z.string(), entity: z.string(), fields: z.array(z.string()) })).optional(),
});

export const ImportResponse = z.object({
  mode: z.enum(['preview', 'apply']),
  connectionId: z.string(),
  preset: z.string(),
  counts: z.record(ImportAction, z.number().int()),
  rows: z.array(ImportRowResult),
});
export type ImportResponse = z.infer<typeof ImportResponse>;

export const IMPORT_ROUTES: RouteContract[] = [
  {
    method: 'post', path: '/api/integrations/import', auth: 'bearer', body: ImportBody,
    summary: 'Import a system\'s CSV export through its preset connection: `preview` (per row: create, match, update or skip, nothing written) or `apply` (idempotent on re-import). Also takes the file as `text/csv` with the other fields as query parameters',
    responses: { 200: ImportResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody },
  },
];
