import type { Principal } from '../auth/tokens.ts';

/**
 * Whether `p` acts for the workspace (its connections, its unmatched queue): an admin token for
 * every wedding, a member's token (a person's tokens carry the person id as `sub`), or one of the
 * workspace's own planner or admin API keys.
 */
export async function actsForWorkspace(
  people: { memberRole(workspaceId: string, personId: string): Promise<string | null> } | undefined, p: Principal, workspaceId: string,
): Promise<boolean> {
  if (p.role === 'admin' && p.weddings.includes('*')) return true;
  // A workspace token acts for its one workspace only, whatever else its person belongs to.
  if (p.wsp !== undefined && p.wsp !== workspaceId) return false;
  // A key acts for the workspace it belongs to (principalForKey), as a planner or admin key.
  if (p.apiKeyId) return p.apiKeyWorkspaceId === workspaceId && (p.role === 'planner' || p.role === 'admin');
  return !!people && (await people.memberRole(workspaceId, p.sub)) !== null;
}
