/**
 * Benchmarks measure how much the server can take, so the per-client request budgets (which would
 * answer 429 long before that) are turned off for them.
 */
export const NO_RATE_LIMITS = { RATE_LIMIT_PER_IP_PER_MIN: '0', RATE_LIMIT_PER_TOKEN_PER_MIN: '0', RATE_LIMIT_WEBHOOKS_PER_MIN: '0' } as const;
