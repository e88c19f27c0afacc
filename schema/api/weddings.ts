import { z } from 'zod';

/** One wedding the caller's token may open, as listed by `GET /api/weddings`. */
export const WeddingListEntry = z.object({
  id: z.string(),
  /** False for a wedding the token lists but nobody has opened yet (opening it creates it). */
  stored: z.boolean(),
});
export type WeddingListEntry = z.infer<typeof WeddingListEntry>;

/** `GET /api/weddings`: the weddings a token may open, sorted by id. */
export const WeddingListResponse = z.object({ weddings: z.array(WeddingListEntry) });
export type WeddingListResponse = z.infer<typeof WeddingListResponse>;
