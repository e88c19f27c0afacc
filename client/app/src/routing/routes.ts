import { isWeddingId } from '../../../sdk/index.ts';

export const WEDDING_VIEWS = ['timeline', 'vendors', 'conflicts', 'integrations', 'admin'] as const;
export type WeddingView = (typeof WEDDING_VIEWS)[number];

export type Route =
  | { readonly name: 'picker' }
  | { readonly name: 'wedding'; readonly weddingId: string; readonly view: WeddingView };

/** `/` is the picker; `/w/<weddingId>[/<view>]` a wedding. Anything else falls back to the picker. */
export function parseRoute(pathname: string): Route {
  const [, head, id, view] = pathname.split('/');
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
    default: {
      const never: never = route;
      return String(never);
    }
  }
}
