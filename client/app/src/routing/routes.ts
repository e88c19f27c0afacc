import { isWeddingId } from '../../../sdk/index.ts';

export const WEDDING_VIEWS = ['timeline', 'vendors', 'contacts', 'budget', 'conflicts', 'activity', 'integrations', 'admin', 'messages', 'inbox', 'our-day', 'proposals', 'run-of-show'] as const;
export type WeddingView = (typeof WEDDING_VIEWS)[number];

export type Route =
  | { readonly name: 'picker' }
  | { readonly name: 'wedding'; readonly weddingId: string; readonly view: WeddingView }
  | { readonly name: 'invite'; readonly token: string }
  | { readonly name: 'schedule' }
  | { readonly name: 'connections'; readonly workspaceId: string }
  | { readonly name: 'demo' };

/** Invitation tokens are URL-safe (base64url and the like); anything else is not one. */
const INVITE_TOKEN = /^[A-Za-z0-9_.~-]{8,256}$/;
/** Workspace ids are short URL-safe strings (at most 64 characters at the API). */
const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `/` is the picker; `/w/<weddingId>[/<view>]` a wedding; `/invite/<token>` an invitation or share
 * link; `/workspaces/<id>/connections` a workspace's connections; `/schedule` a vendor's own schedule; `/demo` the demo studio (DEMO=1). Anything else falls back to the picker.
 */
export function parseRoute(pathname: string): Route {
  const [, head, id, view] = pathname.split('/');
  if (head === 'demo' && !id) return { name: 'demo' };
  if (head === 'invite' && id && INVITE_TOKEN.test(id)) return { name: 'invite', token: id };
  if (head === 'schedule' && id === undefined) return { name: 'schedule' };
  if (head === 'workspaces' && id && WORKSPACE_ID.test(id) && view === 'connections') return { name: 'connections', workspaceId: id };
  if (head === 'w' && id && isWeddingId(id)) {
    const v = (WEDDING_VIEWS as readonly string[]).includes(view ?? '') ? (view as WeddingView) : 'timeline';
    return { name: 'wedding', weddingId: id, view: v };
  }
  return { name: 'picker' };
}

export function routePath(route: Route): string {
  switch (route.name) {
    case 'picker': return '/';
    case 'wedding': return `/w/${route.weddingId}/${route.view}`;
    case 'invite': return `/invite/${route.token}`;
    case 'schedule': return '/schedule';
    case 'connections': return `/workspaces/${route.workspaceId}/connections`;
    case 'demo': return '/demo';
    default: {
      const never: never = route;
      return String(never);
    }
  }
}
