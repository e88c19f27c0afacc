import { useEffect, useState } from 'preact/hooks';
import type { WorkspaceMembership } from '../../../../schema/api/people.ts';
import type { Route } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import { fetchMemberships } from './connections-api.ts';

/**
 * Links to the Connections of the signed-in person's businesses (GET /api/workspaces, session
 * cookie): where a calendar or payment account is connected once and bound to this wedding.
 * Shows nothing when the person has no business (or the list cannot be read).
 */
export function WorkspaceConnectionsLinks({ navigate }: { navigate(route: Route): void }) {
  const [memberships, setMemberships] = useState<WorkspaceMembership[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    fetchMemberships(controller.signal).then(setMemberships, () => undefined);
    return () => controller.abort();
  }, []);
  if (memberships.length === 0) return null;
  return (
    <p class="muted">Connect accounts once for your business and bind them to this wedding:{' '}
      {memberships.map(({ workspace }, i) => (
        <span key={workspace.id}>{i > 0 && ', '}
          <a href={`/workspaces/${workspace.id}/connections`} onClick={linkHandler(navigate, { name: 'connections', workspaceId: workspace.id })}>
            Connections of {workspace.name}</a></span>
      ))}
    </p>
  );
}
