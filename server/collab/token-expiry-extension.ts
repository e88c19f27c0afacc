import type { Extension, connectedPayload, onDisconnectPayload } from '@hocuspocus/server';
import { AUTH_ERROR_STATUS } from '../auth/auth-error.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CollabContext } from './context.ts';

/** setTimeout's longest delay (about 24.8 days); adapter tokens live longer, so long waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A token is checked when a document is opened, and again when it expires: at `exp` the socket is
 * closed with 4401 `token_expired`, so nothing more is read from it under a token that no longer
 * holds. The SDK then reconnects with a fresh token when it was given a token function.
 */
export class TokenExpiryExtension implements Extension {
  extensionName = 'TokenExpiry';
  private readonly timers = new WeakMap<object, NodeJS.Timeout>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  async connected(data: connectedPayload): Promise<void> {
    const context = data.context as CollabContext;
    const principal = context.principal;
    if (!principal) return;
    const arm = () => {
      const left = principal.exp * 1000 - this.now();
      if (left > 0) {
        const timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
        timer.unref();
        this.timers.set(context, timer);
        return;
      }
      this.timers.delete(context);
      this.metrics.authFailures.inc({ code: 'token_expired' });
      this.logger.info({ sub: principal.sub, documentName: data.documentName }, 'token expired: closing the socket');
      context.transport?.close(AUTH_ERROR_STATUS.token_expired.ws, 'token_expired');
    };
    arm();
  }

  async onDisconnect(data: onDisconnectPayload): Promise<void> {
    const timer = this.timers.get(data.context as object);
    if (timer) clearTimeout(timer);
    this.timers.delete(data.context as object);
  }
}
