import { clipText } from '../../schema/document/text.ts';
import type { Logger } from '../logger.ts';
import type { AuditWriter } from './audit-log.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import type { IntegrationRecords } from './integration-store.ts';
import { auditConnection } from './pull-targets.ts';

/**
 * The system refused the connection's credentials (revoked consent, a deleted key): it is marked
 * `needs_attention`, its pulls stop, and its owner is told (the audit trail of every wedding it
 * serves, and the log). Reconnecting (new credentials) makes it active again.
 */
type AttentionDeps = {
  store: IntegrationRecords; runtime: ConnectionRuntime; audit: AuditWriter; logger: Logger; now: () => number;
  /** Tells the other instances sharing the stores (ConnectionsServiceDeps.announce). */
  announce?(connectionId: string): void;
};

export async function markNeedsAttention(deps: AttentionDeps, connectionId: string, message: string): Promise<void> {
  const connection = await deps.store.connections.get(connectionId);
  const live = deps.runtime.get(connectionId);
  if (!connection) return;
  if (connection.status === 'needs_attention') {
    // Marked already (by another instance sharing the stores): this one's pulls stop too.
    if (live) live.connection.status = 'needs_attention';
    return;
  }
  await deps.store.connections.update(connectionId, { status: 'needs_attention', last_error: clipText(message, 500), last_error_at: new Date(deps.now()).toISOString() });
  if (live) live.connection.status = 'needs_attention';
  deps.announce?.(connectionId);
  auditConnection({ audit: deps.audit, bindingsOf: (id) => deps.runtime.bindingsOf(id) }, connectionId, 'connection.needs_attention', 'failed', { system: connection.system, message: clipText(message, 300), owner: connection.connector.sub });
  deps.logger.warn({ connectionId, system: connection.system, owner: connection.connector.sub }, 'connection needs attention: its credentials were refused');
}

/**
 * markNeedsAttention once per connection at a time: refusals arrive together (every push in flight
 * of a connection whose token was revoked), and the connection is marked, audited and logged once.
 * `mark` never rejects (a failure is logged).
 */
export class ConnectionAttention {
  private readonly marking = new Map<string, Promise<void>>();

  constructor(private readonly deps: AttentionDeps) {}

  mark(connectionId: string, message: string): Promise<void> {
    const running = this.marking.get(connectionId);
    if (running) return running;
    const done = markNeedsAttention(this.deps, connectionId, message)
      .catch((error: unknown) => this.deps.logger.warn({ err: error, connectionId }, 'could not mark the connection as needing attention'))
      .finally(() => this.marking.delete(connectionId));
    this.marking.set(connectionId, done);
    return done;
  }
}
