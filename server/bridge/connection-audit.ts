import type { AuditEntry } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { ConnectionsService } from './connections-service.ts';
import type { IntegrationRecords } from './integration-store.ts';

export interface ConnectionAuditDeps {
  connections: Pick<ConnectionsService, 'manageable'>;
  store: Pick<IntegrationRecords, 'listForConnection'>;
  audit: Pick<AuditTrail, 'listForIntegrations'>;
}

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
  return deps.audit.listForIntegrations([connection.id, ...bindings.map((b) => b.id)], limit, before);
}
