import type { Connection, Extension, connectedPayload, onTokenSyncPayload } from '@hocuspocus/server';
import { canOpenWedding } from '../../schema/index.ts';
import type { Principal, TokenService } from '../auth/tokens.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CollabContext } from './context.ts';
import { refuseOpenDocument } from './revocation-closer.ts';

/** setTimeout's longest delay (about 24.8 days); adapter tokens live longer, so long waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long before `exp` the client is asked for a fresh token (Hocuspocus token sync). */
const RENEW_BEFORE_MS = 60_000;

interface Watch { renew?: NodeJS.Timeout; expire?: NodeJS.Timeout }

/**
 * A token is checked when a document is opened, and again while the document stays open:
 * - shortly before `exp` the client is asked for a fresh token (Hocuspocus' token sync; the provider
 *   answers with its token function). A fresh token for the same person and wedding extends the
 *   connection without any interruption;
 * - at `exp`, if no fresh token came, the document is refused with `token_expired` (permission-denied
 *   for that document, which leaves it; the socket is closed with 4401 when nothing else is open on
 *   it), so nothing more is read under a token that no longer holds.
 */
export class TokenExpiryExtension implements Extension {
  extensionName = 'TokenExpiry';
  private readonly watches = new WeakMap<Connection, Watch>();

  constructor(
    private readonly tokens: TokenService,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  async connected(data: connectedPayload<CollabContext>): Promise<void> {
    // A connection refused before this ran (AuthExtension's revocation check) has closed already:
    // its onClose would never fire, and the timers would hold it until the token's expiry.
    if (!data.context.principal || !data.connection.document.hasConnection(data.connection)) return;
    // Timers hold the connection: they go when it closes, not at the token's expiry (adapter tokens live 30 days).
    data.connection.onClose(() => this.clear(data.connection));
    this.watch(data.connection, data.context, data.documentName, data.context.principal);
  }

  async onTokenSync(data: onTokenSyncPayload<CollabContext>): Promise<void> {
    const current = data.context.principal;
    if (!current || !data.context.weddingId) return;
    let fresh: Principal;
    try {
      fresh = await this.tokens.verify(data.token);
    } catch {
      return; // keep the current token until it expires: the refusal then says why
    }
    // A renewal, not a change of identity or rights: anything else needs a new connection.
    if (fresh.sub !== current.sub || fresh.role !== current.role || !canOpenWedding(fresh, data.context.weddingId)) return;
    // The same token again (a client without a token function): nothing to extend, and asking again would repeat.
    if (fresh.exp <= current.exp) return;
    data.context.principal = fresh;
    this.watch(data.connection, data.context, data.documentName, fresh);
  }

  private watch(connection: Connection, context: CollabContext, documentName: string, principal: Principal): void {
    this.clear(connection);
    const watch: Watch = {};
    this.watches.set(connection, watch);
    // At `when` (ms) run `fn`; a wait longer than setTimeout allows is taken in steps.
    const arm = (slot: keyof Watch, when: number, fn: () => void) => {
      const timer = setTimeout(() => (this.now() >= when ? fn() : arm(slot, when, fn)), Math.max(0, Math.min(when - this.now(), MAX_TIMER_MS)));
      timer.unref();
      watch[slot] = timer;
    };
    const expiresAt = principal.exp * 1000;
    const lifetime = expiresAt - this.now();
    arm('renew', expiresAt - Math.min(RENEW_BEFORE_MS, lifetime / 2), () => connection.requestToken());
    arm('expire', expiresAt, () => this.expire(connection, context, documentName, principal));
  }

  private expire(connection: Connection, context: CollabContext, documentName: string, principal: Principal): void {
    this.clear(connection);
    const code = 'token_expired';
    this.metrics.authFailures.inc({ code });
    this.logger.info({ sub: principal.sub, documentName }, 'token expired: refusing the document');
    refuseOpenDocument(connection, context, documentName, code);
  }

  private clear(connection: Connection): void {
    const watch = this.watches.get(connection);
    if (watch?.renew) clearTimeout(watch.renew);
    if (watch?.expire) clearTimeout(watch.expire);
    this.watches.delete(connection);
  }
}
