import { z } from 'zod';
import { EntityId } from '../../schema/index.ts';

export const TeamsCredentials = z.object({
  /**
   * Vendor or contact id → the URL of a Teams Workflows flow ("When a Teams webhook request is
   * received" → "Post card in a chat or channel") that posts where they watch. The URL carries the
   * flow's signature (`sig=`), so it is kept with the credentials, encrypted.
   */
  webhookUrls: z.record(EntityId, z.url({ protocol: /^https?$/ })).refine((r) => Object.keys(r).length > 0, 'list at least one recipient'),
}).strict();
export type TeamsCredentials = z.infer<typeof TeamsCredentials>;

export const TeamsConfiguration = z.object({
  /** Adaptive Card schema version; Teams renders up to 1.5. @default 1.4 */
  cardVersion: z.enum(['1.2', '1.3', '1.4', '1.5']).default('1.4'),
}).strict();
export type TeamsConfiguration = z.infer<typeof TeamsConfiguration>;
