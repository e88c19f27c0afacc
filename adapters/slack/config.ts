import { z } from 'zod';
import { EntityId } from '../../schema/index.ts';

/** A Slack conversation id: channel (`C…`), private channel (`G…`), DM (`D…`) or a user to DM (`U…`/`W…`). */
const ConversationId = z.string().regex(/^[CGDUW][A-Z0-9]{6,20}$/, 'a Slack channel or user id, e.g. C0123ABCD');

export const SlackCredentials = z.object({
  /** A bot token (`xoxb-…`) with chat:write (and channels:history to check a send after a crash). */
  botToken: z.string().regex(/^xoxb-[A-Za-z0-9-]{10,}$/, 'a Slack bot token: xoxb-…'),
}).strict();
export type SlackCredentials = z.infer<typeof SlackCredentials>;

export const SlackConfiguration = z.object({
  /**
   * Who this workspace reaches and where: vendor or contact id → channel or user id. A vendor
   * connecting their own workspace lists themselves, e.g. `{ "florist-1": "C0123ABCD" }`.
   */
  recipients: z.record(EntityId, ConversationId).refine((r) => Object.keys(r).length > 0, 'list at least one recipient'),
  /** Where the Web API is, for the sandbox (`http://127.0.0.1:3000/api/`). @default https://slack.com/api/ */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
}).strict();
export type SlackConfiguration = z.infer<typeof SlackConfiguration>;
