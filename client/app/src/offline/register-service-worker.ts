/**
 * Registers the service worker that keeps the app shell for offline starts. Production builds
 * only: under `vite dev` the files change on every save and a cached shell would hide that.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
    // The app works without it; only a start with no network needs it.
    console.warn('offline start unavailable: service worker registration failed', error);
  });
}
