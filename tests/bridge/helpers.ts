import { newWebhookSecret } from '../../adapters/core/index.ts';
import { WebhookReceiver } from '../../adapters/webhooks/sandbox.ts';
import type { ConnectResult } from '../../schema/index.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/** A local Standard Webhooks subscriber, stopped at teardown. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver(newWebhookSecret()).start();
  registerTeardown(() => r.stop());
  return r;
}

/** Connects a `webhooks` integration through the API, with the receiver's URL and signing secret. */
export async function connectWebhooks(t: TestServer, token: string, weddingId: string, receiver?: WebhookReceiver, configuration: Record<string, unknown> = {}): Promise<ConnectResult> {
  const res = await t.fetch('/api/integrations/vendor/connect', {
    method: 'POST', token, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ weddingId, system: 'webhooks', credentials: receiver ? { webhookSecret: receiver.secret } : {}, configuration: { ...(receiver ? { url: receiver.url } : {}), ...configuration } }),
  });
  if (res.status !== 201) throw new Error(`connect failed: ${res.status} ${await res.text()}`);
  const connected = await res.json() as ConnectResult;
  // Its first sync (the wedding planned out) is done: a late one would plan a second push of what a test then edits.
  await waitFor(() => !t.server.bridge.initialSyncs.pending(connected.integrationId), 'the first sync of the new connection');
  return connected;
}

/**
 * A test server with wedding `w1`, a planner's synced SDK client, and a `webhooks` integration
 * connected through the API to a fresh subscriber.
 */
export async function webhooksWedding() {
  const t = await startTestServer();
  const planner = await t.token('planner', ['w1']);
  const receiver = await startReceiver();
  const client = await t.connect('w1', planner);
  await client.whenSynced();
  const conn = await connectWebhooks(t, planner, 'w1', receiver);
  return { t, planner, receiver, client, conn };
}
