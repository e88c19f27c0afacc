import { clientOrigin, type Conflict } from '../../schema/index.ts';
import type { SyncEntity } from '../../adapters/core/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AuditWriter } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import { assertManage } from './integration-access.ts';
import type { IntegrationRegistry } from './integration-registry.ts';
import type { PlanRequest, PushPlanning } from './push-planning.ts';

/** What resolving a conflict reaches. */
export interface ConflictContext {
  /** Changes the document and plans the push back with it (either backend). */
  planning: PushPlanning;
  registry: IntegrationRegistry;
  audit: AuditWriter;
  now: () => number;
}

/**
 * Resolves a pending conflict. `remote`: the external value is written (as the resolver's edit,
 * so every other system receives it). `local`: the local value stands and is pushed to the source.
 */
export async function resolveConflict(ctx: ConflictContext, p: Principal, weddingId: string, conflictId: string, winner: 'local' | 'remote'): Promise<Conflict> {
  assertManage(p, weddingId, null);
  const { value: resolved } = await ctx.planning.inDocument(weddingId, (w) => {
    const conflict = w.listConflicts().find((c) => c.id === conflictId);
    if (!conflict) throw new BridgeError('conflict_not_found', `wedding ${weddingId} has no conflict ${conflictId}`);
    if (conflict.status !== 'pending') throw new BridgeError('conflict_already_resolved', `conflict ${conflictId} was resolved by ${conflict.resolvedBy ?? 'someone'}`);
    const origin = clientOrigin(p.sub, p);
    const entity = conflict.entity as SyncEntity;
    w.transact(() => {
      if (winner === 'local' && conflict.field === '*' && conflict.localValue === null) {
        // The local side had deleted it (the system kept it, see refusedDelete): the deletion stands.
        if (entity === 'timeline') w.deleteEvent(conflict.entityId, origin);
        else if (entity === 'vendors') w.deleteVendor(conflict.entityId, origin);
        else if (entity === 'payments') w.deletePayment(conflict.entityId, origin);
      }
      if (winner === 'remote') {
        if (conflict.field === '*') {
          if (conflict.remoteValue === null) {
            // The external system deleted the entity.
            if (entity === 'timeline') w.deleteEvent(conflict.entityId, origin);
            else if (entity === 'vendors') w.deleteVendor(conflict.entityId, origin);
            else if (entity === 'payments') w.deletePayment(conflict.entityId, origin);
          } else if (typeof conflict.remoteValue === 'object') {
            // The other side holds the whole entity (e.g. a restore that an offline deletion displaced).
            const whole = { ...(conflict.remoteValue as Record<string, unknown>), id: conflict.entityId };
            if (entity === 'timeline') w.upsertEvent(whole as never, origin);
            else if (entity === 'vendors') w.upsertVendor(whole as never, origin);
            else if (entity === 'payments') w.upsertPayment(whole as never, origin);
          }
        } else {
          const patch = { [conflict.field]: conflict.remoteValue };
          if (entity === 'timeline') w.upsertEvent({ id: conflict.entityId, ...patch } as never, origin);
          else if (entity === 'vendors') w.upsertVendor({ id: conflict.entityId, ...patch } as never, origin);
          else if (entity === 'payments') w.upsertPayment({ id: conflict.entityId, ...patch } as never, origin);
          else if (entity === 'guests') w.updateGuests(patch, origin);
          else w.setMeta(patch, origin);
        }
      }
      w.resolveConflict(conflictId, { winner, resolvedBy: `user:${p.sub}`, at: new Date(ctx.now()).toISOString() }, origin);
    }, origin);
    const live = winner === 'local' && conflict.integrationId ? ctx.registry.get(conflict.integrationId) : undefined;
    const plans: PlanRequest[] = live ? [{ live, entity, entityId: conflict.entityId, mode: 'forced' }] : [];
    return { value: w.listConflicts().find((c) => c.id === conflictId)!, plans };
  });
  ctx.audit.record({ weddingId, integrationId: resolved.integrationId ?? null, actor: `user:${p.sub}`, action: 'conflict.resolved', entity: resolved.entity, entityId: resolved.entityId, result: 'ok', detail: { conflictId, field: resolved.field, winner } });
  return resolved;
}
