import type { Role, SystemCategory } from '../../schema/index.ts';
import type { AdapterDefinition } from '../../adapters/core/index.ts';
import { AuthError } from './auth-error.ts';

/**
 * Who may connect which external systems to a wedding (`POST /api/integrations/vendor/connect`).
 * What the integration may then change is decided by inbound-rights.ts, with the connector's rights.
 *
 * | role | may connect |
 * |---|---|
 * | admin, planner | any system, for the wedding or on a vendor's behalf (`vendorId`) |
 * | vendor | its own systems (`vendorId` = its token's), except the wedding's messaging channels |
 * | couple | nothing: couple tokens are read-only (the brief's couple follows the budget, it does not run systems) |
 * | viewer | nothing: viewers only read |
 * | adapter | nothing: adapter tokens are headless peers, not people (they cannot use the integrations API) |
 *
 * Messaging channels (e-mail, SMS, Slack, Teams: category `communication`) send every message of
 * the wedding, to the couple and every vendor, from the connected account: a vendor's account must
 * not become the wedding's voice, so only planners and admins connect them.
 */
export const CONNECT_SCOPE: Record<Role, 'any' | 'own_systems' | 'none'> = {
  admin: 'any',
  planner: 'any',
  vendor: 'own_systems',
  couple: 'none',
  viewer: 'none',
  adapter: 'none',
};

/** System categories only planners and admins connect. */
export const PLANNER_ONLY_CATEGORIES: readonly SystemCategory[] = ['communication'];

/** Throws AuthError `role_forbidden` when `role` may not connect `definition`'s system. */
export function assertMayConnect(p: { role: Role }, definition: Pick<AdapterDefinition, 'system' | 'category' | 'capabilities'>): void {
  const scope = CONNECT_SCOPE[p.role];
  if (scope === 'none') throw new AuthError('role_forbidden', `the ${p.role} role cannot connect integrations`);
  if (scope === 'own_systems' && (PLANNER_ONLY_CATEGORIES.includes(definition.category) || definition.capabilities.includes('messaging'))) {
    throw new AuthError('role_forbidden', `${definition.system} is one of the wedding's messaging channels: only planners and admins connect it`);
  }
}
