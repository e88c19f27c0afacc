import { z } from 'zod';

/** Every HTTP error body: `{ "error": { "code", "message" } }` with a snake_case code. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const HealthBody = z.object({ status: z.literal('ok') });
export const ReadyBody = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});
export type ReadyBody = z.infer<typeof ReadyBody>;
