import crypto from 'node:crypto';
import type { AuditWriter } from './audit-log.ts';
import type { LiveConnection } from './connection-runtime.ts';
import type { InboundRouter } from './inbound-router.ts';
import type { InboxWrites } from './inbox-store.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { LiveIntegration } from './integration-registry.ts';
import type { IntegrationRecords } from './integration-store.ts';
import type { LinkRecords } from './link-store.ts';
import type { PullTarget } from './puller.ts';
import type { Logger } from '../logger.ts';

export interface PullTargetDeps {
  audit: AuditWriter;
  inbox: InboxWrites;
  store: IntegrationRecords;
  links: LinkRecords;
  router: InboundRouter;
  now: () => number;
  kick(weddingId: string): void;
  bindingsOf(connectionId: string): LiveIntegration[];
  /** The system refused the connection's credentials: it needs a person (reconnect). Never rejects. */
  needsAttention(connectionId: string, message: string): Promise<void>;
  logger: Logger;
}

/**
 * A connection that serves many weddings: pages are routed to its weddings (inbound-router.ts);
 * the cursor is the connection's and is saved once the last page's rows are stored.
 */
export function connectionPullTarget(deps: PullTargetDeps, live: LiveConnection): PullTarget {
  const connection = live.connection;
  return {
    key: connection.id,
    system: connection.system,
    adapter: live.adapter,
    // Read when the pull starts (a scheduled pull may wait for its turn), without decrypting the row.
    cursor: async () => (await deps.store.connections.cursor(connection.id)) ?? null,
    audit: (action, result, detail) => auditConnection(deps, connection.id, action, result, detail),
    linksFor: async (entity) => (await Promise.all(deps.bindingsOf(connection.id).map((b) => deps.links.listFor(b.integration.id, entity)))).flat(),
    async store(page) {
      const outcome = await deps.router.route(live, page.changes, { eventId: `pull_${crypto.randomUUID()}`, receivedAt: deps.now(), ...(page.resync ? { resync: page.resync } : {}) });
      if (page.cursorAfter !== undefined) {
        await deps.store.connections.update(connection.id, { cursor: page.cursorAfter, last_sync_at: new Date(deps.now()).toISOString() });
        live.connection.cursor = page.cursorAfter;
      }
      return outcome.rows;
    },
    failed: async (message, code) => {
      // The pull's own error is what the caller gets: a failure to record it is only logged.
      await deps.store.connections.update(connection.id, { last_error: message, last_error_at: new Date(deps.now()).toISOString() })
        .catch((error: unknown) => deps.logger.warn({ err: error, connectionId: connection.id }, 'could not record a failed pull'));
      if (code === 'unauthorized') await deps.needsAttention(connection.id, message);
    },
  };
}

/**
 * A system that serves one wedding per connection: pages go to the binding's inbox, and the
 * cursor is saved when the last page is applied (ChangesPayload.cursorAfter).
 */
export function bindingPullTarget(deps: PullTargetDeps, live: LiveIntegration): PullTarget {
  const { integration } = live;
  return {
    key: integration.connectionId,
    system: integration.system,
    adapter: live.adapter,
    cursor: async () => (await deps.store.get(integration.id))?.cursor ?? integration.cursor,
    audit: (action, result, detail) => deps.audit.record({ weddingId: integration.weddingId, integrationId: integration.id, actor: `integration:${integration.id}`, action, result, detail }),
    linksFor: (entity) => deps.links.listFor(integration.id, entity),
    async store(page) {
      const payload: ChangesPayload = { changes: page.changes, ...(page.cursorAfter !== undefined ? { cursorAfter: page.cursorAfter } : {}), ...(page.resync ? { resync: page.resync } : {}) };
      const id = await deps.inbox.add({ integrationId: integration.id, weddingId: integration.weddingId, eventId: `pull_${crypto.randomUUID()}`, kind: 'changes', payload: JSON.stringify(payload), receivedAt: deps.now() });
      if (!page.more) deps.kick(integration.weddingId);
      return id === null ? [] : [id];
    },
    failed: async (message, code) => {
      await deps.store.update(integration.id, { last_error: message, last_error_at: new Date(deps.now()).toISOString() })
        .catch((error: unknown) => deps.logger.warn({ err: error, integrationId: integration.id }, 'could not record a failed pull'));
      if (code === 'unauthorized') await deps.needsAttention(integration.connectionId, message);
    },
  };
}

/**
 * A connection's own event (a pull, a refused webhook), recorded in the audit trail of each
 * wedding it serves; with none bound, under no wedding ('').
 */
export function auditConnection(deps: Pick<PullTargetDeps, 'audit' | 'bindingsOf'>, connectionId: string, action: string, result: 'ok' | 'failed' | 'skipped' | 'refused', detail: Record<string, unknown>): void {
  const bindings = deps.bindingsOf(connectionId);
  if (bindings.length === 0) deps.audit.record({ weddingId: '', integrationId: connectionId, actor: `connection:${connectionId}`, action, result, detail });
  for (const b of bindings) deps.audit.record({ weddingId: b.integration.weddingId, integrationId: b.integration.id, actor: `integration:${b.integration.id}`, action, result, detail });
}
