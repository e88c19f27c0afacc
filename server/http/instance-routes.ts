import { Hono } from 'hono';
import * as Y from 'yjs';
import { z } from 'zod';
import { isTxOrigin, WEDDING_ID_PATTERN } from '../../schema/index.ts';
import { AuthError } from '../auth/auth-error.ts';
import { INSTANCE_HEADER, verifyInstanceRequest } from '../auth/instance-signature.ts';
import { ownedElsewhere } from '../collab/document-log.ts';
import type { WeddingDocuments } from '../collab/documents-anywhere.ts';
import { WedSyncError } from '../errors.ts';
import type { AppEnv } from './auth-middleware.ts';
import { HttpError } from './http-error.ts';

/** The largest body an instance request may carry: the updates of one change to one wedding, bytes. */
export const INSTANCE_BODY_MAX_BYTES = 32 * 1024 * 1024;

const ChangesBody = z.object({
  changes: z.array(z.object({
    update: z.base64(),
    origin: z.custom((value) => isTxOrigin(value), 'a transaction origin (schema/document/origins.ts)'),
  }).strict()).min(1).max(10_000),
}).strict();

export interface InstanceRouteDeps {
  /** The key every instance signs its requests with (INSTANCE_REQUESTS_KEY). */
  key: Buffer;
  /** This instance's own document work: strict, never handed on (a request for a wedding it does not serve is refused, and the sender asks its owner). */
  documents: WeddingDocuments;
  /**
   * Runs a request's work and resolves once every write it made has committed or failed
   * (WriteBarrier.track). These routes are mounted ahead of the HTTP app's own tracking, so they
   * answer 204 only once `committed`.
   */
  track<T>(fn: () => Promise<T>): Promise<{ committed: boolean }>;
}

/**
 * What one instance of a cluster asks of the instance serving a wedding (DocumentsAnywhere, sent by
 * owner-requests.ts), signed with the instances' shared key (instance-signature.ts):
 * - `POST /internal/v1/documents/:weddingId/changes`: applies Yjs updates made on a stored copy to
 *   the live document, each in a transaction with the origin it was made under (so attribution,
 *   pushes and every other listener see it as a change made here), and answers 204 once they are
 *   committed (503 `storage_unavailable` if they could not be);
 * - `POST /internal/v1/documents/:weddingId/fold`: folds the wedding's history (after an erasure).
 *
 * Errors: 401 `token_invalid` for a missing, stale or forged signature; 413 `payload_too_large`;
 * 400 `validation_failed`; 503 `document_unavailable` with `details.reason` `owned_elsewhere` when
 * another instance serves the wedding now (the sender asks that one).
 */
export function instanceRoutes(deps: InstanceRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('/internal/v1/*', async (c, next) => {
    const length = Number(c.req.header('content-length') ?? NaN);
    if (!Number.isInteger(length)) throw new HttpError(400, 'validation_failed', 'instance requests carry a Content-Length');
    if (length > INSTANCE_BODY_MAX_BYTES) throw new HttpError(413, 'payload_too_large', `instance requests are limited to ${INSTANCE_BODY_MAX_BYTES} bytes`);
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (verifyInstanceRequest(deps.key, c.req.header(INSTANCE_HEADER), c.req.method, c.req.path, body) === null) {
      throw new AuthError('token_invalid', `instance requests must carry a valid ${INSTANCE_HEADER} signature`);
    }
    await next();
  });
  const weddingOf = (raw: string | undefined): string => {
    const id = raw ?? '';
    if (!WEDDING_ID_PATTERN.test(id)) throw new HttpError(400, 'validation_failed', 'not a wedding id');
    return id;
  };
  app.post('/internal/v1/documents/:weddingId/changes', async (c) => {
    const weddingId = weddingOf(c.req.param('weddingId'));
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(await c.req.arrayBuffer()));
    } catch {
      throw new HttpError(400, 'invalid_json', 'the body is not JSON');
    }
    const parsed = ChangesBody.safeParse(json);
    if (!parsed.success) throw new HttpError(400, 'validation_failed', parsed.error.issues[0]?.message ?? 'invalid body');
    const changes = parsed.data.changes.map((ch) => ({ update: Buffer.from(ch.update, 'base64'), origin: ch.origin }));
    await servedHere(deps, weddingId, () => deps.documents.withDocument(weddingId, (doc) => {
      for (const ch of changes) Y.applyUpdate(doc, ch.update, ch.origin);
    }));
    return c.body(null, 204);
  });
  app.post('/internal/v1/documents/:weddingId/fold', async (c) => {
    const weddingId = weddingOf(c.req.param('weddingId'));
    await servedHere(deps, weddingId, () => deps.documents.foldHistory(weddingId));
    return c.body(null, 204);
  });
  return app;
}

/**
 * Runs `work` and resolves once what it wrote is committed; a wedding another instance serves now
 * is refused with `owned_elsewhere`, so the sender asks that one; writes that could not be
 * committed are 503 `storage_unavailable` (nothing was kept: the sender retries).
 */
async function servedHere(deps: InstanceRouteDeps, weddingId: string, work: () => Promise<unknown>): Promise<void> {
  let outcome: { committed: boolean };
  try {
    outcome = await deps.track(work);
  } catch (error) {
    if (ownedElsewhere(error)) throw new WedSyncError('document_unavailable', `wedding ${weddingId} is served by another instance now`, { cause: error, details: { reason: 'owned_elsewhere' } });
    throw error;
  }
  if (!outcome.committed) throw new WedSyncError('storage_unavailable', `the change to wedding ${weddingId} could not be stored; nothing was kept, retry`);
}
