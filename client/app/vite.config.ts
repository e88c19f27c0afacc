import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { precacheManifest } from './build/precache-manifest.ts';

const appRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** `npm run dev:app` proxies the API and WebSocket to a server started with `npm start`. */
const devServer = 'http://127.0.0.1:8080';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export default defineConfig({
  root: appRoot,
  base: '/',
  // The web app manifest and its icons, copied as they are (fixed URLs the manifest names).
  publicDir: 'public',
  // Dev tools and hot refresh only matter for `vite dev`; the production build stays lean.
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: true }), precacheManifest()],
  // One copy of yjs: two would make `instanceof Y.Map` checks fail across the SDK and y-indexeddb.
  resolve: { dedupe: ['yjs', 'preact'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      // schema/ only declares constants, zod schemas and functions (no module-level statements), but
      // the SDK re-exports all of it (client/sdk/index.ts); without this every API contract the app
      // never reads (connections, comms, catalogue…) would be built and parsed on every start.
      treeshake: { moduleSideEffects: [{ test: new RegExp(`^${escapeRegExp(repoRoot)}schema/`), sideEffects: false }] },
      input: {
        index: `${appRoot}index.html`,
        // The service worker keeps the app shell for offline starts; it must keep a fixed URL.
        sw: `${appRoot}src/offline/service-worker.ts`,
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': devServer,
      '/healthz': devServer,
      '/collab': { target: devServer.replace(/^http/, 'ws'), ws: true },
    },
  },
});
