import { z } from 'zod';

export const EmailCredentials = z.object({
  /** SMTP AUTH user and password; omit both for a relay that does not authenticate (e.g. a local MTA). */
  username: z.string().min(1).max(320).optional(),
  password: z.string().min(1).max(1000).optional(),
}).strict().refine((c) => (c.username === undefined) === (c.password === undefined), { message: 'give both username and password, or neither', path: ['password'] });
export type EmailCredentials = z.infer<typeof EmailCredentials>;

export const EmailConfiguration = z.object({
  host: z.string().min(1).max(255),
  /** @default 587 (submission with STARTTLS) */
  port: z.number().int().min(1).max(65535).default(587),
  /**
   * `starttls`: upgrade on the submission port and refuse to send in clear; `implicit`: TLS from the
   * first byte (port 465); `none`: plain SMTP, only for a relay on the same host or network.
   * @default starttls
   */
  tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
  /** The sender, e.g. `{ "name": "Ana & Ben's wedding", "address": "wedding@example.com" }`. */
  from: z.object({ name: z.string().max(200).optional(), address: z.email() }).strict(),
  /** Where replies go (the planner), when not the sender. */
  replyTo: z.email().optional(),
  /** Parallel SMTP connections for a burst (an emergency to every vendor). @default 5 */
  maxConnections: z.number().int().min(1).max(50).default(5),
}).strict();
export type EmailConfiguration = z.infer<typeof EmailConfiguration>;
