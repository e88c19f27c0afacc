import type { Page, Route } from 'playwright-core';

/** A request the server has answered but whose answer the page has not received yet. */
export interface HeldResponse {
  /** Resolves once the server has answered the request (the page still waits). */
  answered: Promise<void>;
  /** Hands the server's answer to the page. */
  release(): Promise<void>;
}

/**
 * Holds the answer to the page's next `method` request whose path is `pathname`: the request
 * reaches the server and is handled there, but the page sees the answer only on `release()`. This
 * makes "the server has done it, the page is still waiting" happen on purpose instead of by load.
 */
export async function holdNextResponse(page: Page, method: string, pathname: string): Promise<HeldResponse> {
  let answered!: () => void;
  let release!: () => void;
  const answeredP = new Promise<void>((r) => { answered = r; });
  const released = new Promise<void>((r) => { release = r; });
  let fulfilled!: () => void;
  const fulfilledP = new Promise<void>((r) => { fulfilled = r; });
  const matches = (url: URL) => url.pathname === pathname;
  let taken = false;
  const handler = async (route: Route) => {
    if (taken || route.request().method() !== method) return route.fallback();
    taken = true;
    const response = await route.fetch();
    answered();
    await released;
    await route.fulfill({ response });
    fulfilled();
    await page.unroute(matches, handler);
  };
  await page.route(matches, handler);
  return { answered: answeredP, release: async () => { release(); await fulfilledP; } };
}
