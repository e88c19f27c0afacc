import { z } from 'zod';
import { IsoDate, TimeZone, WEDDING_STATUSES, WeddingMeta } from '../document/entities.ts';
import { isWeddingId } from '../document/names.ts';

/** One wedding the caller's token may open, as listed by `GET /api/weddings`. */
export const WeddingListEntry = z.object({
  id: z.string(),
  /** False for a wedding the token lists but nobody has opened yet (opening it creates it). */
  stored: z.boolean(),
  /** The wedding's title and date (`YYYY-MM-DD`) from its details, when it has them. */
  title: z.string().nullable().optional(),
  date: z.string().nullable().optional(),
});
export type WeddingListEntry = z.infer<typeof WeddingListEntry>;

/** `GET /api/weddings`: the weddings a token may open, sorted by id. */
export const WeddingListResponse = z.object({ weddings: z.array(WeddingListEntry) });
export type WeddingListResponse = z.infer<typeof WeddingListResponse>;

/**
 * `POST /api/weddings`: creates a wedding. `timezone` (IANA, e.g. `Europe/London`) is required:
 * every time in the wedding is read in it, so a wedding is never without one. The planner app
 * offers the creator's own zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`) as the default.
 */
export const WeddingCreateBody = z.object({
  id: z.string().refine(isWeddingId, { message: 'wedding ids use letters, digits, "_" and "-" (1 to 64)' }),
  timezone: z.string({ error: (issue) => (issue.input === undefined ? 'required: the wedding’s time zone, an IANA name such as Europe/London' : undefined) }).pipe(TimeZone),
  title: z.string().max(200).optional(),
  date: IsoDate.optional(),
  venue: z.string().max(300).optional(),
  status: z.enum(WEDDING_STATUSES).optional(),
}).strict();
export type WeddingCreateBody = z.infer<typeof WeddingCreateBody>;

/** `201` answer to `POST /api/weddings`: the new wedding's details. */
export const WeddingCreateResponse = z.object({ id: z.string(), meta: WeddingMeta.partial() });
export type WeddingCreateResponse = z.infer<typeof WeddingCreateResponse>;
