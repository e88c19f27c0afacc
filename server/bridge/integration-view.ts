import type { IntegrationSummary } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Integration } from './integration-store.ts';

/**
 * Who sees what of a connection. Admins and planners manage a wedding's connections and see their
 * configuration; a vendor sees only the connections it owns (the caller filters), with their
 * configuration; the couple sees which systems are connected, not how. Secrets are never shown to
 * anyone: `configurationView` already has them as `{ "set": true }` or redacted URLs.
 */
export function seesConfiguration(p: Principal, i: Integration): boolean {
  switch (p.role) {
    case 'admin':
    case 'planner':
      return true;
    case 'vendor':
      return !!p.vendorId && i.vendorId === p.vendorId;
    case 'couple':
    case 'adapter':
    case 'viewer':
      return false;
    default: {
      const never: never = p.role;
      return never;
    }
  }
}

/** An integration as GET /api/integrations returns it to `p`. */
export function integrationSummary(p: Principal, i: Integration, webhookUrl: string): IntegrationSummary {
  return {
    integrationId: i.id, weddingId: i.weddingId, system: i.system, category: i.category, vendorId: i.vendorId, status: i.status,
    capabilities: i.capabilities, ...(seesConfiguration(p, i) ? { configuration: i.configurationView } : {}),
    webhookUrl, createdAt: i.createdAt, createdBy: i.createdBy,
  };
}
