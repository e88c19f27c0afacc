// The planner app's service worker: keeps the app shell (HTML, scripts, styles) so the app starts
// with no network. Wedding data is not cached here: it lives in IndexedDB (client/sdk/indexeddb-store.ts)
// and the API and WebSocket are never intercepted.

/** Replaced at build time by build/precache-manifest.ts with this build's files. */
declare const __WEDSYNC_PRECACHE__: { version: string; files: string[] };

// NOTE: the DOM lib has no service-worker types and the WebWorker lib conflicts with it in one
// program, so the few members used here are declared locally.
interface ExtendableEventLike extends Event { waitUntil(promise: Promise<unknown>): void }
interface FetchEventLike extends ExtendableEventLike { readonly request: Request; respondWith(response: Promise<Response>): void }
interface ServiceWorkerScopeLike {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}

const scope = self as unknown as ServiceWorkerScopeLike;
const manifest = __WEDSYNC_PRECACHE__;
const CACHE_PREFIX = 'wedsync-app-';
const CACHE = `${CACHE_PREFIX}${manifest.version}`;
const SHELL = '/index.html';
/** The web app manifest and its icons (client/app/public): an installed app starts offline with them. */
const PWA_FILES = ['/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon.svg'];
const NOT_APP = ['/api', '/collab', '/healthz', '/readyz', '/metrics'];

scope.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll([...new Set([SHELL, ...PWA_FILES, ...manifest.files])]);
    // A new build replaces the old one at once: hashed asset names cannot clash.
    await scope.skipWaiting();
  })());
});

scope.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
    await scope.clients.claim();
  })());
});

scope.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.location.origin) return;
  if (NOT_APP.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return;

  if (request.mode === 'navigate') {
    // Network first, so a deployed update shows on the next load; the cached shell when offline.
    event.respondWith(fetch(request).catch(async () => (await caches.match(SHELL, { cacheName: CACHE })) ?? Response.error()));
    return;
  }
  event.respondWith((async () => (await caches.match(request, { cacheName: CACHE })) ?? fetch(request))());
});
