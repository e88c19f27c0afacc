/**
 * Registers the service worker that keeps the app shell for offline starts. Builds only: under
 * `vite dev` (the only place `import.meta.hot` exists) files change on every save and a cached
 * shell would hide that.
 */
export function registerServiceWorker(): void {
  if (import.meta.hot || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
    // The app works without it; only a start with no network needs it.
    console.warn('offline start unavailable: service worker registration failed', error);
  });
}
