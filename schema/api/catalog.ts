import { z } from 'zod';
import { ErrorBody } from './common.ts';
import { SYSTEM_CATEGORIES } from './integrations.ts';
import type { RouteContract } from './routes.ts';

/** One way a system connects (adapters/catalog.ts `Connection`). */
export const CatalogConnection = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('api'), adapter: z.string() }),
  z.object({ kind: z.literal('preset'), preset: z.string(), via: z.array(z.enum(['zapier', 'make'])) }),
  z.object({ kind: z.literal('csv'), preset: z.string() }),
  z.object({ kind: z.literal('calendar_feed'), adapter: z.enum(['google-calendar', 'outlook', 'caldav']).optional(), direction: z.enum(['inbound', 'outbound']) }),
  z.object({ kind: z.literal('caldav'), adapter: z.literal('caldav') }),
  z.object({ kind: z.literal('not_supported'), why: z.string() }),
]);

export const CatalogFormField = z.object({
  name: z.string(),
  in: z.enum(['credentials', 'configuration', 'body']),
  type: z.string(),
  required: z.boolean(),
  /** Stored encrypted, never shown again. */
  secret: z.boolean(),
  description: z.string().optional(),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  format: z.string().optional(),
  /** Credentials in alternative forms: which alternative (0-based). */
  alternative: z.number().int().optional(),
});

export const CatalogForm = z.object({
  endpoint: z.enum(['POST /api/integrations/vendor/connect', 'POST /api/connections/oauth/{provider}/start', 'POST /api/calendar/feeds']),
  system: z.string().optional(),
  auth: z.enum(['oauth', 'api_key', 'basic', 'client_credentials', 'signing_secret', 'secret_url']),
  oauthProvider: z.enum(['google', 'microsoft']).optional(),
  fixed: z.object({ configuration: z.record(z.string(), z.unknown()) }).optional(),
  fields: z.array(CatalogFormField),
  /** JSON Schema (2020-12, input side); secret fields carry `writeOnly: true`. */
  schemas: z.object({ credentials: z.unknown().optional(), configuration: z.unknown().optional(), body: z.unknown().optional() }),
});

export const CatalogEntry = z.object({
  id: z.string(),
  name: z.string(),
  aliases: z.array(z.string()),
  category: z.enum(SYSTEM_CATEGORIES),
  /** Named by the brief (false: in the repository, not in the brief). */
  brief: z.boolean(),
  connects: z.array(CatalogConnection),
  inbound: z.array(z.string()),
  outbound: z.array(z.string()),
  cannot: z.array(z.string()),
  tests: z.array(z.string()),
  form: CatalogForm.nullable(),
});

export const CatalogResponse = z.object({ systems: z.array(CatalogEntry) });
export type CatalogResponse = z.infer<typeof CatalogResponse>;

export const CATALOG_ROUTES: RouteContract[] = [
  {
    method: 'get', path: '/api/integrations/catalog',
    summary: 'Every system the brief names: how it connects, what syncs each way, what cannot, and its connect form (any signed-in person)',
    auth: 'bearer', orSession: true, responses: { 200: CatalogResponse, 401: ErrorBody },
  },
];
