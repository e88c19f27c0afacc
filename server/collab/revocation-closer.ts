import type { Connection, Hocuspocus } from '@hocuspocus/server';
import * as encoding from 'lib0/encoding';
import { AUTH_ERROR_STATUS, type AuthErrorCode } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { clientDocumentName, type CollabContext } from './context.ts';
import { MSG } from './message-guard.ts';

/** Hocuspocus' auth sub-message for a refusal (@hocuspocus/common AuthMessageType.PermissionDenied). */
const AUTH_PERMISSION_DENIED = 1;

/**
 * Refuses a document a connection has open, as authentication would have: the connection leaves
 * the document first (the provider resets its sync state), the client is told why
 * (permission-denied with `code`), and the socket is closed with the code's close code once nothing
 * else on it is open (Transport.refuseDocument).
 */
export function refuseOpenDocument(connection: Connection, context: CollabContext, documentName: string, code: AuthErrorCode): void {
  const address = connection.messageAddress;
  connection.close({ code: AUTH_ERROR_STATUS[code].ws, reason: code });
  const denied = encoding.createEncoder();
  encoding.writeVarString(denied, address);
  encoding.writeVarUint(denied, MSG.Auth);
  encoding.writeVarUint(denied, AUTH_PERMISSION_DENIED);
  encoding.writeVarString(denied, code);
  connection.send(encoding.toUint8Array(denied));
  context.transport?.refuseDocument(clientDocumentName(context, documentName), AUTH_ERROR_STATUS[code].ws, code);
}

/**
 * Refuses, on every open connection whose principal `matches`, the document it has open: the
 * client is told why (permission-denied with `code`, as at authentication), the connection leaves
 * the document, and the socket is closed with the code's close code (4401 for `session_revoked`)
 * once nothing else on it is open. Used when a browser session or an API key is revoked, or a
 * vendor removed from a wedding (its people's documents of that wedding, 4403), so a
 * socket opened under it stops receiving within the same event-loop turn instead of at the
 * token's `exp`. Returns how many connections were refused.
 */
export function refuseConnections(hocuspocus: Hocuspocus, matches: (principal: Principal, documentName: string) => boolean, code: AuthErrorCode, deps: { logger: Logger; metrics: Metrics }): number {
  let refused = 0;
  for (const [documentName, document] of hocuspocus.documents) {
    for (const connection of document.getConnections() as Connection[]) {
      const context = connection.context as CollabContext;
      if (!context.principal || !matches(context.principal, documentName)) continue;
      refused++;
      deps.metrics.authFailures.inc({ code });
      deps.logger.info({ sub: context.principal.sub, documentName, code }, 'credential revoked: refusing the open document');
      refuseOpenDocument(connection, context, documentName, code);
    }
  }
  return refused;
}
