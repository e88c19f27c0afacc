import { RELAY_HEADER } from './document-routing.ts';
import { INSTANCE_HEADER, signInstanceRequest } from '../auth/instance-signature.ts';
import { isErrorCode, WedSyncError } from '../errors.ts';
import type { DocumentOwner } from '../storage/postgres/collab-instances.ts';
import { httpBaseOf } from '../http/owner-forwarding.ts';
import type { CopiedChange, OwnerRequests } from './documents-anywhere.ts';

/** How long the owner may take to store handed-on changes or fold a history, ms. */
export const OWNER_REQUEST_TIMEOUT_MS = 30_000;

/** The paths of instance-routes.ts, for wedding `weddingId` (URL-encoded here). */
export const instancePaths = {
  changes: (weddingId: string) => `/internal/v1/documents/${encodeURIComponent(weddingId)}/changes`,
  fold: (weddingId: string) => `/internal/v1/documents/${encodeURIComponent(weddingId)}/fold`,
};

/** The JSON body of `POST …/changes`: each change's update (base64) and origin. */
export interface ChangesBody {
  changes: { update: string; origin: CopiedChange['origin'] }[];
}

/**
 * OwnerRequests over HTTP: signed requests (instance-signature.ts) to the owner's
 * `/internal/v1/documents/…` routes (server/http/instance-routes.ts), at the address it registered.
 * The owner answers 204 once the changes are stored. Its error answers come back as the WedSyncError
 * they carry; no answer (refused, timed out, reset) is 503 `document_unavailable` with
 * `details.reason` `owner_unreachable`, which DocumentsAnywhere retries against whoever serves the
 * wedding next.
 */
export function httpOwnerRequests(options: { instanceId: string; key: Buffer; fetch?: typeof fetch; timeoutMs?: number }): OwnerRequests {
  const send = options.fetch ?? globalThis.fetch;
  const post = async (owner: DocumentOwner, weddingId: string, path: string, body: Buffer<ArrayBuffer>): Promise<void> => {
    let answer: Response;
    try {
      answer = await send(`${httpBaseOf(owner.url)}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [INSTANCE_HEADER]: signInstanceRequest(options.key, options.instanceId, 'POST', path, body),
          [RELAY_HEADER]: options.instanceId,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? OWNER_REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new WedSyncError('document_unavailable', `the instance serving wedding ${weddingId} (${owner.instanceId}) did not answer; retry`, { cause: error, details: { reason: 'owner_unreachable' } });
    }
    if (answer.ok) {
      await answer.body?.cancel();
      return;
    }
    const text = await answer.text().catch(() => '');
    let parsed: { error?: { code?: unknown; message?: unknown; details?: unknown } } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // not our error body (a proxy's page): reported by status below
    }
    const code = parsed.error?.code;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : `HTTP ${answer.status}`;
    if (isErrorCode(code)) throw new WedSyncError(code, `${owner.instanceId}: ${message}`, parsed.error?.details === undefined ? {} : { details: parsed.error.details });
    throw new WedSyncError('document_unavailable', `the instance serving wedding ${weddingId} (${owner.instanceId}) answered ${answer.status}`, { details: { reason: 'owner_unreachable' } });
  };
  return {
    applyChanges: (owner, weddingId, changes) => {
      const body: ChangesBody = { changes: changes.map((c) => ({ update: Buffer.from(c.update).toString('base64'), origin: c.origin })) };
      return post(owner, weddingId, instancePaths.changes(weddingId), Buffer.from(JSON.stringify(body)));
    },
    foldHistory: (owner, weddingId) => post(owner, weddingId, instancePaths.fold(weddingId), Buffer.from('{}')),
  };
}
