import { z } from 'zod';
import { ConflictStrategies, TimeZone } from '../../schema/index.ts';

/** Event Temple's documented API host (developers.eventtemple.com, eventtemple.github.io/api-docs). */
export const DEFAULT_API_BASE = 'https://api.eventtemple.com/v2';

export const EventTempleCredentials = z.object({
  /** A user's API key (Settings → Developers → API keys): sent as `X-Api-Key`. */
  apiKey: z.string().trim().min(8, 'an Event Temple API key').max(512),
  /** The organization (property) the key reads: sent as `X-Api-Org` (Settings → Overview). */
  orgId: z.union([z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an Event Temple org id'), z.number().int().positive().transform(String)]),
}).strict();
export type EventTempleCredentials = z.infer<typeof EventTempleCredentials>;

export const EventTempleConfiguration = z.object({
  /** Where the API is (a sandbox, a proxy). @default https://api.eventtemple.com/v2 */
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * The venue's IANA zone: event times Event Temple gives without an offset are wall times there,
   * and every event is written in it. @default UTC (set it: the docs do not say which zone the API uses)
   */
  timeZone: TimeZone.default('UTC'),
  /** The venue's name, written as the wedding's venue (with the booked space when there is one). */
  venueName: z.string().trim().max(200).default(''),
  /** `page[size]` for listings: Event Temple's default is 25, its maximum 100. @default 100 */
  pageSize: z.number().int().min(1).max(100).default(100),
  /**
   * How far before the cursor (the newest `updated_at` already read, Event Temple's own clock)
   * an incremental read starts, seconds: a record whose change was committed after a later one
   * carries the earlier `updated_at`, and would be missed by a strict `gt`. Re-read records
   * compare equal and change nothing. @default 120
   */
  overlapSeconds: z.number().int().min(0).max(86_400).default(120),
  /** Write timeline event times back to Event Temple (`PATCH /events/:id`). @default bidirectional */
  direction: z.enum(['bidirectional', 'inbound']).default('bidirectional'),
  conflictStrategies: ConflictStrategies.optional(),
}).strict();
export type EventTempleConfiguration = z.infer<typeof EventTempleConfiguration>;
