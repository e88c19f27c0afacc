import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { getMimeType } from 'hono/utils/mime';
import type { AppEnv } from './auth-middleware.ts';

/** Where `npm run build:app` (and `npm start` on first run) writes the planner app. */
export const PLANNER_APP_DIST = fileURLToPath(new URL('../../client/app/dist/', import.meta.url));

/** Paths that belong to the API, the WebSocket and operations; the app never answers them. */
const RESERVED_PREFIXES = ['/api', '/collab', '/healthz', '/readyz', '/metrics'] as const;

/** Vite names files under assets/ by content hash, so a cached copy can never be stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and sw.js name the current hashed files: always revalidated (cheap, ETag). */
const REVALIDATE = 'no-cache';

/**
 * `connect-src 'self'` covers the same-origin WebSocket (CSP level 3). The token lives in the
 * page's storage, so no third-party script or frame may run here.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "worker-src 'self'", "manifest-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');

export interface PlannerAppOptions {
  /** The production build to serve. @default client/app/dist (PLANNER_APP_DIST) */
  distDir?: string;
}

/**
 * Serves the planner app's production build at `/`: its files with their content types, and
 * index.html for any other extension-less GET path so client-side routes (`/w/<id>/vendors`)
 * survive a reload. Register it after every other route: it passes API, WebSocket and
 * operations paths (and unknown files) on, so it never shadows them.
 */
export function mountPlannerApp(app: Hono<AppEnv>, options: PlannerAppOptions = {}): void {
  const root = path.resolve(options.distDir ?? PLANNER_APP_DIST);

  app.get('*', async (c, next) => {
    const urlPath = c.req.path;
    if (RESERVED_PREFIXES.some((p) => urlPath === p || urlPath.startsWith(`${p}/`))) return next();

    const file = resolveInside(root, urlPath === '/' ? '/index.html' : urlPath);
    if (file && (await isFile(file))) return sendFile(c, file, urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE);
    // A missing file with an extension is a real 404 (a stale asset URL must not get HTML back).
    if (path.posix.extname(urlPath) !== '') return next();

    const index = path.join(root, 'index.html');
    if (await isFile(index)) return sendFile(c, index, REVALIDATE);
    return c.html(NOT_BUILT_PAGE, 503);
  });
}

/** The absolute file for a URL path, or null when it would leave `root` or is not a plain path. */
function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  return file.startsWith(root + path.sep) ? file : null;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(c: Context<AppEnv>, file: string, cacheControl: string): Promise<Response> {
  const stat = await fs.stat(file);
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const type = getMimeType(file) ?? 'application/octet-stream';
  c.header('Cache-Control', cacheControl);
  c.header('ETag', etag);
  c.header('X-Content-Type-Options', 'nosniff');
  if (type.startsWith('text/html')) {
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('Referrer-Policy', 'no-referrer');
  }
  if (c.req.header('if-none-match') === etag) return c.body(null, 304);
  c.header('Content-Type', type);
  return c.body(await fs.readFile(file));
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>WedSync Hub</title></head>
<body><main><h1>The planner app is not built</h1><p>The API and WebSocket are running. Build the app with
<code>npm run build:app</code> (or restart with <code>npm start</code>, which builds it when missing), then reload.</p></main></body></html>`;
