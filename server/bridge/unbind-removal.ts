import { canPush, type Adapter, type SyncEntity } from '../../adapters/core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { Integration } from './integration-store.ts';
import { gone, goneLink, type LinkRecords } from './link-store.ts';

/**
 * What an unbind with `remove` does first: deletes from the external system everything pushed for
 * the binding's wedding (each linked object, one delete per entity and link, under an idempotency
 * key of the binding, entity and entity id), each link kept as gone (link-store.ts) until the binding
 * goes. Resolves with how many went and, for each that did
 * not, `<entity> <entity id>: <reason>` (reasons cut to 200 characters). Nothing is deleted by an
 * adapter that cannot push.
 */
export async function removePushed(adapter: Adapter, links: LinkRecords, binding: Pick<Integration, 'id' | 'weddingId'>): Promise<{ removed: number; failed: string[] }> {
  let removed = 0;
  const failed: string[] = [];
  if (!canPush(adapter)) return { removed, failed };
  for (const entity of Object.keys(adapter.fields) as SyncEntity[]) {
    for (const link of await links.listFor(binding.id, entity)) {
      if (!link.externalId || gone(link)) continue;
      try {
        const result = await adapter.push({ op: 'delete', entity, entityId: link.entityId, externalId: link.externalId, data: null, version: link.version }, { idempotencyKey: `unbind-${binding.id}-${entity}-${link.entityId}`, wedding: { weddingId: binding.weddingId, meta: {}, vendors: {} } });
        // Kept there (a refused conditional delete: the owner changed it since): not ours to forget.
        if (result?.changes?.some((c) => c.op === 'upsert' && c.refusedDelete)) {
          failed.push(`${entity} ${link.entityId}: changed in ${adapter.system} since the last sync, so it was kept there`);
          continue;
        }
        // Gone from the system, not from the wedding: the deletion read back before the binding
        // is removed is known for ours (inbound-applier.ts) and takes nothing out of the wedding.
        await links.save(goneLink(link, result?.position));
        removed++;
      } catch (error) {
        failed.push(`${entity} ${link.entityId}: ${clipText(error instanceof Error ? error.message : String(error), 200)}`);
      }
    }
  }
  return { removed, failed };
}
