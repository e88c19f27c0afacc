import { z } from 'zod';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/**
 * Who or what made a change, from the transaction origin of the update that carried it
 * (schema/document/origins.ts):
 * - `client`: a person, by the token's subject (`id`), display name and role;
 * - `adapter`: an external system's integration (`system` e.g. `google-calendar`, `integrationId`);
 * - `admin`: a server action (`restore`, `payments.plan`, `comms.ack`...) by whom: a service acting on a
 *   person's request carries that person's id, name and role; `role` `admin` (or none) is an administrator;
 * - `system`: the server itself (`reason`: `bridge`, `payments.budget`, `notify`...).
 */
export const ActivityActor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('client'), id: z.string(), name: z.string(), role: z.string().optional() }),
  z.object({ kind: z.literal('adapter'), id: z.string(), system: z.string(), integrationId: z.string() }),
  z.object({ kind: z.literal('admin'), id: z.string(), action: z.string(), name: z.string().optional(), role: z.string().optional() }),
  z.object({ kind: z.literal('system'), id: z.string(), reason: z.string() }),
]);
export type ActivityActor = z.infer<typeof ActivityActor>;

/**
 * One field of one entity changed by one stored update. `entity` is `<root>:<entityId>` (e.g.
 * `timeline:ceremony`), or the root alone for single-entity roots (`meta`, `guests`, `budget`).
 * `field` is the dotted path inside the entity (`start`, `links.google`), '' when the whole entity
 * was added or removed. Values are JSON (Y.Text as a string); `null` with `change` `added`/`removed`
 * means there was none. Values longer than 2000 characters of JSON are clipped (`clipped` says which).
 */
export const ActivityEntry = z.object({
  /** Increasing with time; the cursor of the next page is the last entry's id. */
  id: z.number().int(),
  /** When the change was stored (ISO 8601, UTC, ms). */
  at: z.string(),
  /** The update log's sequence number of the update that carried the change. */
  updateSeq: z.number().int(),
  entity: z.string(),
  root: z.string(),
  entityId: z.string(),
  field: z.string(),
  change: z.enum(['added', 'changed', 'removed']),
  previous: z.unknown(),
  value: z.unknown(),
  clipped: z.object({ previous: z.boolean(), value: z.boolean() }).optional(),
  actor: ActivityActor,
});
export type ActivityEntry = z.infer<typeof ActivityEntry>;

/**
 * `GET /api/weddings/{weddingId}/activity` query: `entity` is `<root>` or `<root>:<entityId>`;
 * `field` matches that field and the fields below it; `actor` is an actor's `id` (token subject,
 * integration id, or system reason); `cursor` is the previous page's `nextCursor`; `limit` 1..200 (default 50).
 */
export const ActivityQuery = z.object({
  entity: z.string().regex(/^[A-Za-z0-9_]{1,64}(:[A-Za-z0-9_.:-]{1,128})?$/, 'use <root> or <root>:<entityId>, e.g. timeline:ceremony').optional(),
  field: z.string().min(1).max(200).optional(),
  actor: z.string().min(1).max(200).optional(),
  cursor: z.string().regex(/^[1-9]\d{0,15}$/, 'use the nextCursor of the previous page').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).strict();
export type ActivityQuery = z.infer<typeof ActivityQuery>;

/** The answer: a page of changes, newest first; `nextCursor` is null on the last page. */
export const ActivityResponse = z.object({ entries: z.array(ActivityEntry), nextCursor: z.string().nullable() });
export type ActivityResponse = z.infer<typeof ActivityResponse>;

/**
 * `GET /api/weddings/{weddingId}/activity/latest` query: the root whose entities are asked for
 * (`timeline`), and optionally up to 500 entity ids (comma-separated) to ask about only those.
 */
export const ActivityLatestQuery = z.object({
  root: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'use a root, e.g. timeline'),
  ids: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}(,[A-Za-z0-9_.:-]{1,128}){0,499}$/, 'use up to 500 comma-separated entity ids').optional(),
}).strict();
export type ActivityLatestQuery = z.infer<typeof ActivityLatestQuery>;

/** The newest change of each entity of the root that has one (one entry per entity, any field), newest first. */
export const ActivityLatestResponse = z.object({ entries: z.array(ActivityEntry) });
export type ActivityLatestResponse = z.infer<typeof ActivityLatestResponse>;

export const ACTIVITY_ROUTES: RouteContract[] = [
  {
    method: 'get', path: '/api/weddings/{weddingId}/activity',
    summary: 'Who changed what: every stored change per entity and field with its previous value, newest first (planners and admins)',
    auth: 'bearer', query: ActivityQuery, responses: { 200: ActivityResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
  },
  {
    method: 'get', path: '/api/weddings/{weddingId}/activity/latest',
    summary: 'The newest change of each entity of a root (e.g. who last changed each timeline event), however old: one indexed look-up per entity (planners and admins)',
    auth: 'bearer', query: ActivityLatestQuery, responses: { 200: ActivityLatestResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
  },
];
