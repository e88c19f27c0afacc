import { useEffect, useState } from 'preact/hooks';
import type { WeddingAccess } from '../../../../schema/api/people.ts';
import type { Route } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import { humanize } from '../ui/labels.ts';
import { longDate } from '../timeline/zoned-time.ts';
import { fetchWorkspaceWeddings, type WorkspaceWedding } from './account-api.ts';
import type { Account } from './offline-identity.ts';
import { CreateAccountWedding } from './create-account-wedding.tsx';
import { WeddingSummary } from './wedding-summary.tsx';
import { todayIn, weddingOrder } from './wedding-order.ts';
import { deviceTimeZone } from '../timeline/zoned-time.ts';
import { TryDemo } from '../demo/try-demo.tsx';
import { AddEmail } from './add-email.tsx';

interface Props {
  me: Account;
  navigate(route: Route): void;
  /** Reads GET /api/me again (after creating a workspace or wedding). */
  reload(): Promise<void>;
}

interface Group {
  key: string;
  heading: string;
  weddings: { access: WeddingAccess; title?: string | null; date?: string | null; summary?: WorkspaceWedding }[];
}

/**
 * The signed-in person's weddings (GET /api/me), grouped by workspace, with their role in each;
 * titles, dates, next milestones and integration health come from GET /api/workspaces/{id}/weddings
 * where the server has it (its own weddings and those it serves as a vendor). Weddings
 * they take part in outside their workspaces (a couple, a vendor by share link) are listed as
 * "Shared with you".
 */
export function AccountHome({ me, navigate, reload }: Props) {
  const [details, setDetails] = useState<Map<string, WorkspaceWedding[]>>(new Map());

  useEffect(() => {
    const controller = new AbortController();
    // Each request's failure is caught above, so this never rejects.
    void Promise.all(me.workspaces.map(async (m) => {
      try {
        return [m.workspace.id, await fetchWorkspaceWeddings(m.workspace.id, controller.signal)] as const;
      } catch {
        return null; // Not on this server yet, or offline: the list still shows ids and roles.
      }
    })).then((entries) => {
      if (!controller.signal.aborted) setDetails(new Map(entries.filter((e) => e !== null)));
    });
    return () => controller.abort();
  }, [me]);

  const groups = groupWeddings(me, details);
  return (
    <main id="main" class="picker">
      <h1>Your weddings</h1>
      <AddEmail me={me} />
      {me.weddings.length === 0 ? <p class="empty">No weddings yet.{me.workspaces.length > 0 ? ' Create one below.' : ''}</p> : groups.map((g) => (
        <section key={g.key} aria-labelledby={`group-${g.key}`}>
          <h2 id={`group-${g.key}`}>{g.heading}</h2>
          <ul class="wedding-list">
            {g.weddings.map(({ access, title, date, summary }) => {
              const route: Route = { name: 'wedding', weddingId: access.weddingId, view: 'timeline' };
              return (
                <li key={access.weddingId}>
                  <a href={`/w/${access.weddingId}/timeline`} onClick={linkHandler(navigate, route)}>{title || access.weddingId}</a>
                  {date && <span class="muted"> · {longDate(date)}</span>}
                  {' '}<span class="tag">{humanize(access.role)}</span>
                  {summary?.ownerWorkspace && <span class="muted"> · for {summary.ownerWorkspace.name}</span>}
                  <WeddingSummary summary={summary} />
                </li>
              );
            })}
          </ul>
        </section>
      ))}
      {me.workspaces.length > 0 && (
        <section aria-labelledby="businesses-heading">
          <h2 id="businesses-heading">Your businesses</h2>
          <ul class="wedding-list">
            {me.workspaces.map(({ workspace }) => (
              <li key={workspace.id}>{workspace.name}: <a href={`/workspaces/${workspace.id}/connections`}
                onClick={linkHandler(navigate, { name: 'connections', workspaceId: workspace.id })}>Connections<span class="sr-only"> of {workspace.name}</span></a></li>
            ))}
          </ul>
        </section>
      )}
      <CreateAccountWedding me={me} reload={reload} onCreated={(id) => navigate({ name: 'wedding', weddingId: id, view: 'timeline' })} />
      <TryDemo csrf={me.csrfToken} />
    </main>
  );
}

function groupWeddings(me: Account, details: Map<string, WorkspaceWedding[]>): Group[] {
  const groups: Group[] = [];
  const placed = new Set<string>();
  const byId = new Map(me.weddings.map((w) => [w.weddingId, w]));
  for (const { workspace } of me.workspaces) {
    const listed = details.get(workspace.id) ?? [];
    const weddings = listed.flatMap((w) => {
      const access = byId.get(w.weddingId);
      if (!access || placed.has(w.weddingId)) return [];
      placed.add(w.weddingId);
      return [{ access, title: w.title, date: w.date, summary: w }];
    });
    if (weddings.length > 0) groups.push({ key: workspace.id, heading: workspace.name, weddings });
  }
  const rest = me.weddings.filter((w) => !placed.has(w.weddingId));
  if (rest.length > 0) {
    // Without the per-workspace lists, a single workspace's planner weddings are still its own.
    const heading = groups.length === 0 && me.workspaces.length === 1 && rest.every((w) => w.via === 'workspace')
      ? me.workspaces[0]!.workspace.name : 'Shared with you';
    groups.push({ key: 'other', heading, weddings: rest.map((access) => ({ access, title: access.title, date: access.date })) });
  }
  // Within each group: the next wedding first (wedding-order.ts), not in the order they were stored.
  const order = weddingOrder(todayIn(deviceTimeZone()));
  for (const g of groups) g.weddings.sort((a, b) => order({ ...a, id: a.access.weddingId }, { ...b, id: b.access.weddingId }));
  return groups;
}
