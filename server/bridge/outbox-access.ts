import type { Principal } from '../auth/tokens.ts';
import type { AuditWriter } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import { canOpenWedding } from '../../schema/index.ts';
import { assertManage, assertRead, canManage, visible } from './integration-access.ts';
import type { IntegrationRecords } from './integration-store.ts';
import { toOutboxEntry, type OutboxReads } from './outbox-store.ts';
import type { OutboxWorker } from './outbox-worker.ts';

/** What reading and replaying pushes needs of the bridge. */
export interface OutboxAccessDeps {
  store: IntegrationRecords;
  outbox: OutboxReads;
  outboxWorker: OutboxWorker;
  audit: AuditWriter;
  now: () => number;
}

/** GET /api/integrations/wedding/:weddingId/outbox: the wedding's dead letters, of the integrations `p` may see. Throws AuthError as assertRead. */
export async function deadLetters(d: OutboxAccessDeps, p: Principal, weddingId: string) {
  assertRead(p, weddingId);
  const shown = new Set((await d.store.listForWedding(weddingId)).filter((i) => visible(p, i)).map((i) => i.id));
  return (await d.outbox.deadFor(weddingId)).filter((r) => shown.has(r.integrationId)).map(toOutboxEntry);
}

/**
 * GET /api/integrations/outbox/:id: one push, for whoever may read its wedding and see its
 * integration (a replay's outcome). Throws BridgeError `outbox_not_found`, AuthError as assertRead.
 */
export async function outboxEntry(d: OutboxAccessDeps, p: Principal, id: number) {
  const row = await d.outbox.get(id);
  const integration = row ? await d.store.get(row.integrationId) : undefined;
  // Outbox ids count up: a token that does not open the entry's wedding is told nothing, not even
  // that it exists or whose it is (404, as for no entry); nor is a vendor's about another vendor's
  // pushes (as the list leaves them out).
  if (!row || !integration || !canOpenWedding(p, row.weddingId)) throw new BridgeError('outbox_not_found', `no outbox entry ${id}`);
  assertRead(p, row.weddingId);
  if (!visible(p, integration)) throw new BridgeError('outbox_not_found', `no outbox entry ${id}`);
  return toOutboxEntry(row);
}

/**
 * POST /api/integrations/outbox/:id/replay: a dead or cancelled push is queued again (its breaker
 * closed, audited). Throws BridgeError `outbox_not_found`, `outbox_not_replayable`, `outbox_superseded` (not its
 * entity's newest push: sending it would overwrite newer content), AuthError as assertManage.
 */
export async function replayOutbox(d: OutboxAccessDeps, p: Principal, id: number) {
  const row = await d.outbox.get(id);
  const integration = row ? await d.store.get(row.integrationId) : undefined;
  if (!row || !integration || !canManage(p, row.weddingId, integration.vendorId)) {
    // Refused as what it is (403) only to a token that opens the entry's wedding: others learn nothing of it.
    if (row && integration && canOpenWedding(p, row.weddingId)) assertManage(p, row.weddingId, integration.vendorId);
    throw new BridgeError('outbox_not_found', `no outbox entry ${id}`);
  }
  const outcome = await d.outbox.replay(id, d.now());
  if (outcome === 'superseded') {
    throw new BridgeError('outbox_superseded', `outbox entry ${id} is not the newest push of its ${row.entity ?? 'entity'}: a newer change was made since, and sending this one after it would overwrite it in the system`);
  }
  if (outcome !== 'replayed') {
    const now = await d.outbox.get(id);
    throw new BridgeError('outbox_not_replayable', `outbox entry ${id} is ${now?.status ?? row.status}; only dead or cancelled entries can be replayed`);
  }
  d.outboxWorker.breakerFor(row.integrationId)?.success();
  d.audit.record({ weddingId: row.weddingId, integrationId: row.integrationId, actor: `user:${p.sub}`, action: 'outbox.replay', entity: row.entity, entityId: row.entityId, result: 'ok', detail: { outboxId: id } });
  d.outboxWorker.kick();
  return toOutboxEntry((await d.outbox.get(id))!);
}
