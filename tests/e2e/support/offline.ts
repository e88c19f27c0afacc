import type { Page } from 'playwright-core';
import { waitFor } from '../../helpers/wait.ts';

/** The service worker has cached the app shell, so the page can load with no network. */
export async function waitOfflineReady(page: Page): Promise<void> {
  await waitFor(() => page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    return reg?.active?.state === 'activated' && (await caches.keys()).some((k) => k.startsWith('wedsync-app-'));
  }), 'the service worker to cache the app', 15_000, 50);
}

/** Names of the IndexedDB databases of the page's origin (the offline wedding copies). */
export function offlineCopies(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}
