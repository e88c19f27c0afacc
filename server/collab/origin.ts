import { isTransactionOrigin } from '@hocuspocus/server';
import { clientOrigin, isTxOrigin, type TxOrigin } from '../../schema/index.ts';
import type { CollabContext } from './context.ts';

/**
 * The typed origin of a transaction on a served document. Updates that arrive over a WebSocket carry
 * Hocuspocus' connection origin; they are attributed to the token's subject, with its display name
 * and role (adapters connecting
 * out of process identify as `adapter:<system>:<integrationId>`).
 */
export function describeOrigin(origin: unknown): TxOrigin {
  if (isTxOrigin(origin)) return origin;
  if (isTransactionOrigin(origin)) {
    if (origin.source === 'connection') {
      const principal = (origin.connection.context as CollabContext | undefined)?.principal;
      if (principal?.role === 'adapter') {
        const [, system = 'unknown', integrationId = principal.sub] = principal.sub.split(':');
        return { kind: 'adapter', system, integrationId };
      }
      return clientOrigin(principal?.sub ?? 'unknown', principal);
    }
    if (origin.source === 'local') {
      const ctx = origin.context as { origin?: unknown } | undefined;
      if (isTxOrigin(ctx?.origin)) return ctx.origin;
    }
  }
  return { kind: 'system' };
}
