import type http from 'node:http';
import type { WebhookReply, WebhookRequest } from '../../adapters/core/index.ts';

/** What answers a webhook: Bridge.receiveWebhook. */
type Receive = (system: string, integrationId: string | null, request: WebhookRequest) => Promise<WebhookReply>;

/**
 * Answers one webhook delivery on a plain Node HTTP server (`wedsync peer`'s listener, a cluster
 * node's): the body is read whole, handed to the bridge, and its reply sent; a refusal is answered
 * 401 (signature) or 400 with `{ "error": { "code", "message" } }`. `url` is the delivery URL the
 * sender signed (the request as the bridge sees it).
 */
export function answerWebhook(receive: Receive, system: string, integrationId: string | null, url: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    receive(system, integrationId, { method: req.method ?? 'POST', url, headers, rawBody: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() })
      .then((reply) => res.writeHead(reply.status, reply.headers).end(reply.body ?? ''))
      .catch((error: { code?: string; message?: string }) => res.writeHead(error.code?.startsWith('signature') ? 401 : 400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: error.code ?? 'invalid_payload', message: error.message ?? 'refused' } })));
  });
}
