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

/** Connections already refused (a revocation and the late check in `connected` may both find one). */
const refusedConnections = new WeakMap<Connection, AuthErrorCode>();

/** Why the connection's document was refused (refuseOpenDocument), if it was: frames still queued for it are dropped. */
export function refusalOf(connection: Connection): AuthErrorCode | undefined {
  return refusedConnections.get(connection);
}

/** How long a revocation is kept for connections that were authenticating when it was made, in ms. */
const REVOCATION_WINDOW_MS = 10 * 60_000;

interface Revocation {
  readonly seq: number;
  readonly at: number;
  readonly matches: (principal: Principal, documentName: string) => boolean;
  readonly code: AuthErrorCode;
}

/**
 * The revocations made on one Hocuspocus instance, in order, for the connections that were still
 * authenticating (or loading their document) when one was made: such a connection is not yet among
 * any document's connections, so `refuseConnections` cannot find it, and its credential may have been
 * read before the revocation committed. AuthExtension takes a `mark` before it verifies a token and,
 * once the connection is established (`connected`), refuses it if a revocation `since` that mark
 * matches it. Revocations are kept for 10 minutes.
 */
export class RevocationLog {
  private seq = 0;
  private entries: Revocation[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** The position to check later revocations from. */
  mark(): number {
    return this.seq;
  }

  record(matches: Revocation['matches'], code: AuthErrorCode): void {
    const at = this.now();
    this.entries = this.entries.filter((e) => at - e.at < REVOCATION_WINDOW_MS);
    this.entries.push({ seq: ++this.seq, at, matches, code });
  }

  /** The code of the first revocation after `mark` that matches the principal's document, if any. */
  since(mark: number, principal: Principal, documentName: string): AuthErrorCode | undefined {
    return this.entries.find((e) => e.seq > mark && e.matches(principal, documentName))?.code;
  }
}

const logs = new WeakMap<Hocuspocus, RevocationLog>();

/** The RevocationLog of a Hocuspocus instance (created on first use). */
export function revocationLog(hocuspocus: Hocuspocus): RevocationLog {
  let log = logs.get(hocuspocus);
  if (!log) logs.set(hocuspocus, (log = new RevocationLog()));
  return log;
}

/**
 * Refuses a document a connection has open, as authentication would have: the connection leaves
 * the document first (the provider resets its sync state), the client is told why
 * (permission-denied with `code`), and the socket is closed with the code's close code once nothing
 * else on it is open (Transport.refuseDocument).
 */
export function refuseOpenDocument(connection: Connection, context: CollabContext, documentName: string, code: AuthErrorCode): void {
  if (refusedConnections.has(connection)) return;
  refusedConnections.set(connection, code);
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
 * token's `exp`. The revocation is also recorded (RevocationLog), so a connection that was still
 * authenticating is refused as soon as it is established. Returns how many connections were refused.
 */
export function refuseConnections(hocuspocus: Hocuspocus, matches: (principal: Principal, documentName: string) => boolean, code: AuthErrorCode, deps: { logger: Logger; metrics: Metrics }): number {
  revocationLog(hocuspocus).record(matches, code);
  let refused = 0;
  for (const [documentName, document] of hocuspocus.documents) {
    for (const connection of document.getConnections() as Connection[]) {
      const context = connection.context as CollabContext;
      if (!context.principal || !matches(context.principal, documentName) || refusedConnections.has(connection)) continue;
      refused++;
      deps.metrics.authFailures.inc({ code });
      deps.logger.info({ sub: context.principal.sub, documentName, code }, 'credential revoked: refusing the open document');
      refuseOpenDocument(connection, context, documentName, code);
    }
  }
  return refused;
}
