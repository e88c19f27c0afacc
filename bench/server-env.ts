import { fileURLToPath } from 'node:url';

/**
 * The loader that runs our TypeScript in production (`node --import <it>`), so a forked server
 * measures what `npm start` runs. BENCH_TS_LOADER=tsx runs them under tsx instead, for comparison
 * (server/cli/typescript-hooks.mjs says why production does not).
 */
export const TS_LOADER = process.env.BENCH_TS_LOADER || fileURLToPath(new URL('../server/cli/typescript-loader.mjs', import.meta.url));

/**
 * Benchmarks measure how much the server can take, so the per-client request budgets (which would
 * answer 429 long before that) are turned off for them.
 */
export const NO_RATE_LIMITS = { RATE_LIMIT_PER_IP_PER_MIN: '0', RATE_LIMIT_PER_TOKEN_PER_MIN: '0', RATE_LIMIT_WEBHOOKS_PER_MIN: '0' } as const;

/**
 * The benchmarks' sandboxes listen on loopback, which integrations may not reach by default
 * (outbound requests to private addresses are refused; see OUTBOUND_ALLOW in docs/operations.md).
 */
export const SANDBOX_OUTBOUND = { OUTBOUND_ALLOW: '127.0.0.0/8,::1' } as const;

/**
 * The same for the collaboration budgets (server/collab/flow-control.ts): the capacity rows of
 * `npm run bench -- core` measure one writer as fast as the server goes. The noisy-neighbour row
 * runs with the defaults, which are what it measures.
 */
export const NO_COLLAB_BUDGETS = { COLLAB_CONNECTION_MESSAGES_PER_S: '0', COLLAB_CONNECTION_BYTES_PER_S: '0', COLLAB_WEDDING_MESSAGES_PER_S: '0', COLLAB_WEDDING_BYTES_PER_S: '0' } as const;
