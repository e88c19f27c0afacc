import type { InboundChange, WebhookRequest } from '../../adapters/core/index.ts';
import type { AuditWriter } from './audit-log.ts';
import { VENDOR_NEEDED } from './inbound-applier.ts';
import type { InboxRow, InboxStore } from './inbox-store.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { LiveIntegration } from './integration-registry.ts';
import type { LinkAccess } from './buffered-links.ts';

/**
 * Rows held because no vendor was known (inbound-applier.ts VENDOR_NEEDED) are done once their
 * records have all arrived since in later deliveries: a Zap replayed after the binding's vendor
 * was chosen is a new delivery (an unnamed delivery's id is its own), so the held row would
 * otherwise stay parked, and the connection's card would go on asking for the vendor. A row is
 * settled only when every record it carries is now linked for the binding (the later delivery
 * brought each one): it is marked applied with `supersededBy`, and audited. Runs in the
 * transaction that applied `by`. Returns how many rows were settled.
 */
export function settleHeldRows(deps: { inbox: Pick<InboxStore, 'parkedFor' | 'parkedRowsWith' | 'supersede'>; links: Pick<LinkAccess, 'byExternalId'>; audit: AuditWriter }, live: LiveIntegration, by: InboxRow, now: number): number {
  const id = live.integration.id;
  if (deps.inbox.parkedFor(id, VENDOR_NEEDED) === 0) return 0;
  let settled = 0;
  for (const held of deps.inbox.parkedRowsWith(id, VENDOR_NEEDED)) {
    const records = changesOf(live, held).filter((c) => c.op === 'upsert' || c.op === 'delete');
    if (records.length === 0 || !records.every((c) => deps.links.byExternalId(id, c.entity, c.externalId))) continue;
    deps.inbox.supersede(held.id, by.id, now);
    deps.audit.record({ weddingId: held.weddingId, integrationId: id, actor: `integration:${id}`, action: 'inbound.superseded', result: 'ok', detail: { inboxId: held.id, eventId: held.eventId, by: by.id } });
    settled++;
  }
  return settled;
}

function changesOf(live: LiveIntegration, row: InboxRow): Array<Extract<InboundChange, { op: 'upsert' | 'delete' }> | { op: 'other' }> {
  try {
    const changes = row.kind === 'changes'
      ? (JSON.parse(row.payload) as ChangesPayload).changes
      : live.adapter.parseWebhook?.(JSON.parse(row.payload) as WebhookRequest).changes ?? [];
    return changes.map((c) => (c.op === 'upsert' || c.op === 'delete' ? c : { op: 'other' as const }));
  } catch {
    return [];
  }
}
