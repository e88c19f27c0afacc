import type http from 'node:http';
import type { WebhookReply } from '../../adapters/core/index.ts';
import type { DeliveredWebhook } from './webhook-intake.ts';
import { WedSyncError } from '../errors.ts';

/** What answers a webhook (the Bridge's intake). */
interface WebhookTarget {
  receiveWebhook(system: string, integrationId: string | null, request: DeliveredWebhook): Promise<WebhookReply>;
  webhookConnection(system: string, id: string): Promise<string | undefined>;
  goneWhenDisconnected(system: string): Promise<boolean>;
}

const json = (res: http.ServerResponse, status: number, code: string, message: string) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));

/**
 * Answers one webhook delivery on a plain Node HTTP server (`wedsync peer`'s listener, a cluster
 * node's), as the server's route does: a connection not running is answered 404, or 410 for a
 * system that deletes its subscription then (a connection that is gone); the body is read whole,
 * handed to the bridge, and its reply sent; a refusal is answered with its status and
 * `{ "error": { "code", "message" } }`, anything else 500 (the sender retries). `url` is the
 * delivery URL the sender signed.
 */
export function answerWebhook(bridge: WebhookTarget, system: string, integrationId: string | null, url: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => { req.once('end', resolve); req.once('error', reject); });
  // Answered before the body ended (no target) or failed first: a client that then aborts must not
  // leave a rejection nobody handles (which would end the process).
  ended.catch(() => undefined);
  void (async () => {
    if (integrationId !== null && (await bridge.webhookConnection(system, integrationId)) === undefined) {
      req.resume();
      if (await bridge.goneWhenDisconnected(system)) return json(res, 410, 'connection_gone', `no active ${system} connection ${integrationId}: disconnected or never made; stop sending`);
      return json(res, 404, 'integration_not_found', `no active ${system} integration ${integrationId}`);
    }
    await ended;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    const reply = await bridge.receiveWebhook(system, integrationId, { method: req.method ?? 'POST', url, headers, rawBody: Buffer.concat(chunks), receivedAt: Date.now() });
    res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
  })().catch((error: unknown) => {
    // A refusal of ours (WedSyncError: signature, payload, storage) answers with its own status; anything
    // else (a database error) is a 500 naming nothing of it, so the sender retries.
    if (error instanceof WedSyncError) return json(res, error.status, error.code, error.message);
    json(res, 500, 'internal_error', 'the delivery could not be taken; retry later');
  });
}
