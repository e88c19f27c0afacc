import { useCallback, useEffect, useState } from 'preact/hooks';
import { parseRoute, routePath, type Route } from './routes.ts';

/** The current route from the address bar, and a navigate function that pushes history. */
export function useRoute(): [Route, (route: Route, options?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));

  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((next: Route, options: { replace?: boolean } = {}) => {
    const path = routePath(next);
    if (path !== location.pathname) {
      if (options.replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    setRoute(next);
  }, []);

  return [route, navigate];
}

/**
 * Click handler for in-app links: a plain click navigates without a page load, while modified
 * clicks (new tab, new window) keep the browser's behaviour, so links stay real links.
 */
export function linkHandler(navigate: (route: Route) => void, route: Route) {
  return (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(route);
  };
}
