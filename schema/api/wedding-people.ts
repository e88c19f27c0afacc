import { z } from 'zod';
import { ErrorBody } from './common.ts';
import { WEDDING_ROLES } from './people.ts';
import type { RouteContract } from './routes.ts';

/**
 * `GET /api/weddings/{weddingId}/people?ids=…` query: up to 100 token subjects (person ids),
 * comma-separated, as comments and proposals name their authors (`authorId`).
 */
export const WeddingPeopleQuery = z.object({
  ids: z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}(,[A-Za-z0-9_.:@-]{1,128}){0,99}$/, 'use up to 100 comma-separated person ids'),
}).strict();
export type WeddingPeopleQuery = z.infer<typeof WeddingPeopleQuery>;

/** A person who takes part in the wedding now: their name and what they do in it. */
export const WeddingPerson = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(WEDDING_ROLES),
  /** For `vendor`: the vendor entry of the wedding the person acts as. */
  vendorId: z.string().optional(),
});
export type WeddingPerson = z.infer<typeof WeddingPerson>;

/** The ids asked about that name a person taking part in the wedding; the others are left out. */
export const WeddingPeopleResponse = z.object({ people: z.array(WeddingPerson) });
export type WeddingPeopleResponse = z.infer<typeof WeddingPeopleResponse>;

export const WEDDING_PEOPLE_ROUTES: RouteContract[] = [
  {
    method: 'get', path: '/api/weddings/{weddingId}/people',
    summary: "Names and wedding roles of the people an app shows as authors (comments, proposals): only people who take part in the wedding now, without e-mail (every role that opens the wedding)",
    auth: 'bearer', query: WeddingPeopleQuery, responses: { 200: WeddingPeopleResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
  },
];
