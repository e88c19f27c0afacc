import type { Connection, Extension, Hocuspocus, beforeHandleAwarenessPayload, beforeHandleMessagePayload, connectedPayload, onAuthenticatePayload } from '@hocuspocus/server';
import { canOpenWedding, weddingIdOf, writesNothing } from '../../schema/index.ts';
import { AUTH_ERROR_STATUS, AuthError } from '../auth/auth-error.ts';
import type { Principal, TokenService } from '../auth/tokens.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { clientDocumentName, type CollabContext } from './context.ts';
import { viewOf } from '../../schema/document/audiences.ts';
import { clipText } from '../../schema/document/text.ts';
import { refusalOf, refuseOpenDocument, revocationLog } from './revocation-closer.ts';

/** Largest presence (awareness) state a peer may publish, in JSON characters; larger ones are dropped. */
const MAX_PRESENCE_STATE_CHARS = 16 * 1024;

const PRESENCE_COLORS = ['#d1495b', '#00798c', '#edae49', '#30638e', '#6a4c93', '#2a9d8f', '#e76f51', '#457b9d'];

function isEmptyState(state: unknown): boolean {
  return typeof state === 'object' && state !== null && Object.keys(state).length === 0;
}

function colorFor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PRESENCE_COLORS[h % PRESENCE_COLORS.length]!;
}

/** The identity a peer shows in presence: always taken from its token, never from what it sends. */
export function presenceUser(p: Principal): { id: string; name: string; role: string; color: string } {
  return { id: p.sub, name: p.name ?? p.sub, role: p.role, color: colorFor(p.sub) };
}

/**
 * Authenticates every document a connection opens and enforces roles:
 * - only `wedding:<id>` documents and their audience parts (`wedding:<id>/vendor:<vid>`…, opened
 *   only by their audience: schema/document/audiences.ts), only weddings the token lists (`*` for admins);
 * - `viewer` connections are read-only; `vendor` and `couple` connections write only their own
 *   paths (schema/document/permissions.ts, enforced per update by UpdateValidation);
 * - presence (awareness) cannot be spoofed: a connection may only set the state of its own client
 *   id (one id per connection), its `user` is stamped from its token, a read-only peer shows
 *   nothing but that identity, and a state over 16 KiB of JSON is dropped.
 * A refusal is answered with Hocuspocus' permission-denied message for that document only (no
 * document data is sent). Other documents multiplexed on the same socket carry on; the socket is
 * closed with 4400, 4401 or 4403 only when nothing else on it is open or authenticating (see
 * Transport.refuseDocument and docs/auth.md).
 */
export class AuthExtension implements Extension {
  extensionName = 'Auth';
  priority = 1000;

  constructor(
    private readonly tokens: TokenService,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  async onAuthenticate(data: onAuthenticatePayload<CollabContext>): Promise<CollabContext> {
    try {
      const weddingId = weddingIdOf(data.documentName);
      if (!weddingId) throw new AuthError('document_unknown', `unknown document ${JSON.stringify(clipText(data.documentName, 80))}: use wedding:<id>`);
      // Revocations from here on are checked again once the connection is established (`connected`).
      const revocationMark = revocationLog(data.instance).mark();
      const principal = await this.tokens.verify(data.token);
      if (!canOpenWedding(principal, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
      // Which audience document (schema/document/audiences.ts); the transport says which was asked for.
      const request = data.context.audience;
      const view = viewOf(principal.role, principal.vendorId, request?.part ?? null);
      if (!view) throw new AuthError('wedding_forbidden', `a ${principal.role} does not open ${clipText(request?.clientName ?? data.documentName, 120)}`);
      request?.views.set(request.address, view);
      // Viewers write nothing; what couples and vendors may write is checked per path (update-validation.ts).
      data.connectionConfig.readOnly = writesNothing(principal.role);
      return { principal, weddingId, view, revocationMark };
    } catch (error) {
      const code = error instanceof AuthError ? error.code : 'token_invalid';
      this.metrics.authFailures.inc({ code });
      this.logger.info({ code, documentName: clipText(data.documentName, 80), remote: data.context.transport?.remoteAddress }, 'collab authentication refused');
      data.context.transport?.refuseDocument(clientDocumentName(data.context, data.documentName), AUTH_ERROR_STATUS[code].ws, code);
      // Thrown without a message: Hocuspocus sends `reason` to the client as permission-denied.
      throw { reason: code };
    }
  }

  /** Connections checked against the revocations made while they were set up (`connected`). */
  private readonly established = new WeakSet<Connection>();

  /**
   * A credential revoked while this connection was authenticating or loading its document (a
   * session signed out, an API key revoked, a vendor removed: revocation-closer.ts) was not seen by
   * the revocation, which only reaches established connections: the document is refused now, as
   * the revocation would have.
   */
  async connected(data: connectedPayload<CollabContext>): Promise<void> {
    this.refuseIfRevoked(data.instance, data.connection, data.context, data.documentName);
    this.established.add(data.connection);
  }

  /**
   * Frames of a refused document are dropped, and closing it ends their queue: Hocuspocus hands
   * the frames queued while a connection authenticated (sync step 1, updates) to it before the
   * `connected` hook runs, so they are checked against the revocations here too, and a credential
   * revoked meanwhile neither receives the document nor writes to it.
   */
  async beforeHandleMessage(data: beforeHandleMessagePayload<CollabContext>): Promise<void> {
    const { connection } = data;
    if (!this.established.has(connection)) this.refuseIfRevoked(data.instance, connection, data.context, data.documentName);
    // Thrown: Hocuspocus drops the frame and the rest of the queue (the connection has left already).
    const refused = refusalOf(connection);
    if (refused) throw { code: AUTH_ERROR_STATUS[refused].ws, reason: refused };
  }

  /** Refuses the document when a revocation since the connection's token was read matches it. */
  private refuseIfRevoked(instance: Hocuspocus, connection: Connection, context: CollabContext, documentName: string): void {
    const { principal, revocationMark } = context;
    if (!principal || revocationMark === undefined || refusalOf(connection)) return;
    const code = revocationLog(instance).since(revocationMark, principal, documentName);
    if (!code) return;
    this.metrics.authFailures.inc({ code });
    this.logger.info({ sub: principal.sub, documentName, code }, 'credential revoked while connecting: refusing the document');
    refuseOpenDocument(connection, context, documentName, code);
  }

  /**
   * Presence is accepted only for the sender's own client id, one id per connection:
   * - an id another connection on this document owns is dropped (`awareness_spoof`);
   * - an id nobody owns becomes this connection's own when it owns none yet (a provider's first
   *   presence is its own: `startSync` sends `[document.clientID]`); any other is dropped
   *   (`awareness_unowned`), so a connection never publishes presence for ids nobody owns;
   * - a removal (null state) for an id the connection does not own is dropped silently.
   * Ownership is Hocuspocus' own record (`document.getClients(connection)`), which it empties (and
   * removes those states) when the connection closes. A claimed id is added to that record here:
   * Hocuspocus only records ids it sees *added*, and after a reconnect a provider's id is merely
   * *updated* (the server still knows its clock), so the new connection would otherwise own nothing.
   *
   * NOTE: Hocuspocus (4.7, MessageReceiver) decodes each update into a scratch Awareness whose
   * constructor gives it a local state `{}` under a random client id, inserted before the decoded
   * states: the first entry of `states` is that scratch id, not the sender's. (It is re-encoded with
   * clock 0, which the document ignores.) Taking "the first id in the message" as the sender's own
   * therefore claimed the scratch id; it is removed here before anything is claimed.
   */
  async beforeHandleAwareness(data: beforeHandleAwarenessPayload<CollabContext>): Promise<void> {
    const connection = data.connection;
    const principal = connection?.context?.principal;
    if (!connection || !principal) return;
    const own = data.document.getClients(connection);
    const ownedByOther = (clientId: number) => data.document.getConnections().some((c) => c !== connection && data.document.getClients(c).has(clientId));
    const [first] = data.states;
    if (first && isEmptyState(first[1]) && !own.has(first[0]) && !ownedByOther(first[0])) data.states.delete(first[0]);
    for (const [clientId, state] of [...data.states]) {
      if (own.has(clientId)) {
        this.stamp(data, clientId, state, principal, connection.readOnly);
        continue;
      }
      if (ownedByOther(clientId)) {
        data.states.delete(clientId);
        this.metrics.wsRejected.inc({ reason: 'awareness_spoof' });
        continue;
      }
      if (state === null || state === undefined) {
        data.states.delete(clientId);
        continue;
      }
      if (own.size > 0) {
        data.states.delete(clientId);
        this.metrics.wsRejected.inc({ reason: 'awareness_unowned' });
        continue;
      }
      if (this.stamp(data, clientId, state, principal, connection.readOnly)) own.add(clientId);
    }
  }

  /** Stamps the token's identity on a state, or drops an oversized one; true when kept. */
  private stamp(data: beforeHandleAwarenessPayload<CollabContext>, clientId: number, state: Record<string, unknown> | null, principal: Principal, readOnly: boolean): boolean {
    if (state === null || state === undefined) return true;
    if (JSON.stringify(state).length > MAX_PRESENCE_STATE_CHARS) {
      // Every peer receives every presence state: one peer must not make them all download megabytes.
      data.states.delete(clientId);
      this.metrics.wsRejected.inc({ reason: 'awareness_too_large' });
      return false;
    }
    const user = presenceUser(principal);
    data.states.set(clientId, readOnly ? { user } : { ...state, user });
    return true;
  }
}
