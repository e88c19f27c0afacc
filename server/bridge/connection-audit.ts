import type { AuditEntry, WeddingDoc } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { ConnectionsService } from './connections-service.ts';
import type { IntegrationRecords } from './integration-store.ts';

export interface ConnectionAuditDeps {
  connections: Pick<ConnectionsService, 'manageable'>;
  store: Pick<IntegrationRecords, 'listForConnection'>;
  audit: Pick<AuditTrail, 'listForIntegrations'>;
  /** Reads a wedding as stored or live, without opening it for editing (peekWedding). */
  peek<T>(weddingId: string, fn: (doc: WeddingDoc) => T): Promise<T>;
}

/** The entities whose names are the shared schedule's, read by every participant (docs/audiences.md). */
const NAMED = { timeline: (doc: WeddingDoc, id: string) => doc.getEvent(id)?.title, vendors: (doc: WeddingDoc, id: string) => doc.getVendor(id)?.name } as const;
const isNamed = (entity: string | null): entity is keyof typeof NAMED => entity === 'timeline' || entity === 'vendors';

/**
 * GET /api/connections/:id/audit: what the connection and each of its bindings did and refused
 * (webhooks received, records applied, routed or refused with their reason, pushes delivered or
 * failed), newest first, in pages of `limit` (`before`: the previous page's `nextCursor`). For
 * whoever may manage the connection, a vendor's own business included, who cannot read the
 * weddings' trails; a binding removed since takes its entries with it from this view (they stay in
 * its wedding's trail).
 * @throws BridgeError `connection_not_found` (404) for anyone else, as if there were none.
 */
export async function connectionAudit(deps: ConnectionAuditDeps, p: Principal, connectionId: string, limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
  const connection = await deps.connections.manageable(p, connectionId);
  const bindings = await deps.store.listForConnection(connection.id);
  const page = await deps.audit.listForIntegrations([connection.id, ...bindings.map((b) => b.id)], limit, before);
  return { ...page, entries: await withSubjects(deps, page.entries, new Set(bindings.map((b) => b.weddingId))) };
}

/**
 * Each entry about a timeline event or a vendor of a bound wedding, with its title or name as the
 * wedding holds it now (one read per wedding). Whoever manages the connection takes part in each
 * wedding it is bound to, and every participant reads the shared schedule; payments, guests and
 * the rest are not named here. A wedding that cannot be read leaves its entries as they are.
 */
async function withSubjects(deps: ConnectionAuditDeps, entries: AuditEntry[], bound: ReadonlySet<string>): Promise<AuditEntry[]> {
  const wanted = new Map<string, Set<string>>();
  for (const e of entries) {
    if (!isNamed(e.entity) || !e.entityId || !bound.has(e.weddingId)) continue;
    let keys = wanted.get(e.weddingId);
    if (!keys) wanted.set(e.weddingId, keys = new Set());
    keys.add(`${e.entity}\u0000${e.entityId}`);
  }
  const names = new Map<string, string>();
  for (const [weddingId, keys] of wanted) {
    try {
      await deps.peek(weddingId, (doc) => {
        for (const key of keys) {
          const [entity, id] = key.split('\u0000') as [keyof typeof NAMED, string];
          const name = NAMED[entity](doc, id);
          if (name) names.set(`${weddingId}\u0000${key}`, name);
        }
      });
    } catch {
      // Not readable now (storage failing, refused as unreadable): the entries keep their ids.
    }
  }
  return entries.map((e) => {
    const name = isNamed(e.entity) && e.entityId ? names.get(`${e.weddingId}\u0000${e.entity}\u0000${e.entityId}`) : undefined;
    return name === undefined ? e : { ...e, subject: name };
  });
}
