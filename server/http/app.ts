import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { SchemaError, type ErrorBody, type ReadyBody } from '../../schema/index.ts';
import type { SnapshotService } from '../admin/snapshot-service.ts';
import type { TokenService } from '../auth/tokens.ts';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { GroupCommit } from '../storage/group-commit.ts';
import { StorageUnavailableError, isStorageError, type StorageHealth } from '../storage/storage-health.ts';
import { adminRoutes } from './admin-routes.ts';
import { requestBodyLimit } from './body-limit.ts';
import type { AppEnv } from './auth-middleware.ts';
import { HttpError } from './http-error.ts';

export interface HttpAppDeps {
  tokens: TokenService;
  snapshots: SnapshotService;
  metrics: Metrics;
  logger: Logger;
  readiness: () => ReadyBody | Promise<ReadyBody>;
  /**
   * The update log's group commit: each request's writes are tracked (GroupCommit.track) and its
   * answer waits until they are committed. If they could not be stored, the answer is 503
   * `storage_unavailable` and nothing of them is kept: a response never announces something that
   * is not on disk, and a 503 means nothing changed.
   */
  writes?: Pick<GroupCommit, 'track' | 'wroteInOpenGroup' | 'abort'>;
  /** While storage is read-only, requests that write answer 503 `storage_unavailable` before doing anything. */
  storage?: Pick<StorageHealth, 'writable' | 'status' | 'failed'>;
  /** Guards that must refuse a request before its body is read (registered ahead of the body limit). */
  mountBeforeBody?: (app: Hono<AppEnv>) => void;
  /** Extra route groups mounted under /api (the bridge, later the app). */
  mount?: (app: Hono<AppEnv>) => void;
}

/** Largest request body any API route reads (webhooks included). */
export const MAX_BODY_BYTES = 1024 * 1024;

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** `.` or `..` as a path segment, or an encoded `.`, `/` or `\\` anywhere in the path. */
const UNNORMALISED_PATH = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|\\/i;
/**
 * An encoded NUL anywhere in the URL: no id, name or value of ours holds one, and PostgreSQL refuses
 * text containing it (a lookup by such an id failed there with 500 where SQLite answered 404).
 */
const ENCODED_NUL = /%00/;

export function createHttpApp(deps: HttpAppDeps): Hono<AppEnv> {
  const { metrics, logger } = deps;
  const app = new Hono<AppEnv>();

  // Every response's security headers, and `Cache-Control: no-store` unless its route caches on
  // purpose, are set on Node's response before the app answers (security-headers.ts: cheaper than
  // setting them after next()).
  // A path as sent with dot segments or encoded dots, slashes or backslashes is refused (and a URL
  // with an encoded NUL): URL parsing
  // would resolve `/api/../internal/…` or `/api/%2e%2e/internal/…` to a route a balancer's prefix rule
  // keeps out (operator trial: both reached /internal/ through the HAProxy example).
  app.use('*', async (c, next) => {
    const sent = ((c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.url ?? '').split('?')[0]!;
    if (UNNORMALISED_PATH.test(sent)) return c.json(errorBody('validation_failed', 'the request path has dot segments or encoded separators: send it normalised'), 400);
    if (ENCODED_NUL.test((c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.url ?? c.req.url)) return c.json(errorBody('validation_failed', 'the request URL contains a NUL character (%00)'), 400);
    await next();
  });
  app.use('/api/*', async (c, next) => {
    if (deps.storage && !deps.storage.writable && writesSomething(c.req.method, c.req.path)) {
      return c.json(errorBody('storage_unavailable', `storage is read-only (${deps.storage.status?.reason ?? 'write failed'}); nothing was changed, please retry later`), 503);
    }
    await next();
  });
  deps.mountBeforeBody?.(app);
  // Counted while the body streams in, so a chunked body with no length is cut off at the limit
  // instead of being buffered whole first.
  app.use('/api/*', requestBodyLimit(MAX_BODY_BYTES, () => { throw new HttpError(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`); }));
  app.use('*', async (c, next) => {
    const end = metrics.httpRequests.startTimer({ method: c.req.method });
    const writes = deps.writes;
    if (writes) {
      const { committed } = await writes.track(async () => {
        await next();
        // Part of what the request wrote could not be stored: none of it may be kept.
        if (c.error && isStorageError(c.error) && writes.wroteInOpenGroup()) writes.abort(c.error);
      });
      if (!committed) c.res = c.json(errorBody('storage_unavailable', 'the change could not be stored; nothing was accepted, please retry'), 503);
    } else {
      await next();
    }
    end({ route: c.req.routePath, status: String(c.res.status) });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' as const }));
  app.get('/readyz', async (c) => {
    const body = await deps.readiness();
    return c.json(body, body.status === 'ready' ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.route('/api/admin', adminRoutes(deps.tokens, deps.snapshots));
  deps.mount?.(app);

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (isStorageError(error)) {
      if (!(error instanceof StorageUnavailableError)) deps.storage?.failed(error);
      logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed on storage');
      return c.json(errorBody('storage_unavailable', 'the change could not be stored; please retry later'), 503);
    }
    return toErrorResponse(error, c, logger);
  });
  return app;
}

/**
 * Requests that change stored data: every method but GET/HEAD/OPTIONS, except the restore preview
 * (a POST that only reads).
 */
function writesSomething(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  return !path.endsWith('/restore/preview');
}

/**
 * The one answer to a thrown error: a WedSyncError (every domain's error class is one) answers its
 * code's status from ERROR_CODES with `{ error: { code, message, details? } }` and its headers; a
 * SchemaError (shared with clients, so not a WedSyncError) the same through its code. Anything else
 * is a bug: logged, answered 500 with a generic message (its own may carry internals).
 */
function toErrorResponse(error: Error, c: Context, logger: Logger): Response {
  const known = error instanceof SchemaError
    ? new WedSyncError(error.code, error.message, { cause: error, details: error.issues.length ? { issues: error.issues } : undefined })
    : error;
  if (known instanceof WedSyncError) {
    if (known.status >= 500) logger.error({ err: error, method: c.req.method, path: c.req.path, code: known.code }, 'request failed');
    return c.json(errorBody(known.code, known.message, known.details), known.status as ContentfulStatusCode, known.headers);
  }
  logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error in HTTP handler');
  return c.json(errorBody('internal_error', 'something went wrong on our side; it has been logged'), 500);
}
