import type { AuditEntry, WeddingDoc } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { ConnectionsService } from './connections-service.ts';
import type { IntegrationRecords } from './integration-store.ts';

export interface ConnectionAuditDeps {
  connections: Pick<ConnectionsService, 'manageable'>;
  store: Pick<IntegrationRecords, 'listForConnection'>;
  audit: Pick<AuditTrail, 'listForIntegrations'>;
  /**
   * Reads a wedding as stored or live, without opening it for editing (peekWedding); with `memo`,
   * an answer of the same stored bytes is reused (a closed wedding is rebuilt once, not per page).
   */
  peek<T>(weddingId: string, fn: (doc: WeddingDoc) => T, memo?: { key: string }): Promise<T>;
  /** The weddings a workspace works on, its own and those it serves (GET /api/workspaces/:id/weddings). */
  weddingsOfWorkspace(workspaceId: string): Promise<readonly { weddingId: string }[]>;
}

/** The shared schedule's names of a wedding (docs/audiences.md: every participant reads them). */
interface ScheduleNames { timeline: Record<string, string>; vendors: Record<string, string> }
const isNamed = (entity: string | null): entity is keyof ScheduleNames => entity === 'timeline' || entity === 'vendors';
const scheduleNames = (doc: WeddingDoc): ScheduleNames => ({
  timeline: Object.fromEntries(doc.listEvents().map((e) => [e.id, e.title])),
  vendors: Object.fromEntries(doc.listVendors().map((v) => [v.id, v.name])),
});

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
  // Named only where the reader takes part: a business's connection, in the weddings the business
  // works on now (a binding may outlive its business's part in the wedding, or have been made by
  // one member in a wedding they joined alone); a connection made from a wedding, in that wedding,
  // whose managers all take part in it (ConnectionsService.manageable).
  const bound = new Set(bindings.map((b) => b.weddingId));
  const readable = connection.workspaceId
    ? new Set((await deps.weddingsOfWorkspace(connection.workspaceId)).map((w) => w.weddingId).filter((id) => bound.has(id)))
    : bound;
  return { ...page, entries: await withSubjects(deps, page.entries, readable) };
}

/**
 * Each entry about a timeline event or a vendor of a `readable` wedding, with its title or name as
 * the wedding holds it now (the shared schedule, which every participant reads; payments, guests
 * and the rest are not named here). One memoised read per wedding. A wedding that cannot be read
 * leaves its entries as they are.
 */
async function withSubjects(deps: ConnectionAuditDeps, entries: AuditEntry[], readable: ReadonlySet<string>): Promise<AuditEntry[]> {
  const weddings = new Set(entries.filter((e) => isNamed(e.entity) && e.entityId && readable.has(e.weddingId)).map((e) => e.weddingId));
  const names = new Map<string, ScheduleNames>();
  for (const weddingId of weddings) {
    try {
      names.set(weddingId, await deps.peek(weddingId, scheduleNames, { key: 'schedule-names' }));
    } catch {
      // Not readable now (storage failing, refused as unreadable): the entries keep their ids.
    }
  }
  return entries.map((e) => {
    if (!isNamed(e.entity) || !e.entityId) return e;
    const known = names.get(e.weddingId)?.[e.entity];
    return known && Object.hasOwn(known, e.entityId) ? { ...e, subject: known[e.entityId]! } : e;
  });
}
