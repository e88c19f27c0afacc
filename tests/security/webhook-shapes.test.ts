import { describe, expect, it } from 'vitest';
import { connect, outlookConnection, startSandboxes } from '../calendar/helpers.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * JSON that parses but is not the shape a system sends, at a webhook URL (reachable by anyone who
 * knows it, before any signature is checked): a typed 4xx, nothing stored, never a 500.
 */
describe('webhook bodies of the wrong shape', () => {
  it('Microsoft Graph: items of a change notification collection that are not objects are refused with 400', async () => {
    const s = await startSandboxes();
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const made = await connect(t, planner, outlookConnection(s, 'w1'));
    await waitFor(() => s.graph.subscriptions().length === 1, 'the subscription');
    for (const body of ['{"value":[null]}', '{"value":[{"clientState":"x"},null]}', '{"value":[1,"a",[]]}', '{"value":{"0":{}}}']) {
      const res = await fetch(made.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, body).toBe('invalid_payload');
    }
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).not.toMatch(/wedsync_webhook_ack_seconds_count\{system="outlook",outcome="stored"\} [1-9]/);
  });

  it('Stripe, at the URL shared by every account: metadata naming no string id is no integration (404), whatever it holds', async () => {
    const t = await startTestServer();
    for (const id of ['{"toString":1}', '["int_1"]', '42', 'null', '""', JSON.stringify('x'.repeat(5000))]) {
      const body = `{"id":"evt_1","type":"invoice.paid","data":{"object":{"metadata":{"wedsync_integration_id":${id}}}}}`;
      const res = await t.fetch('/api/integrations/webhook/stripe', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, id).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code, id).toBe('integration_not_found');
    }
    for (const body of ['null', '[]', '"text"', '{"data":null}', '{"data":{"object":null}}']) {
      expect((await t.fetch('/api/integrations/webhook/stripe', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, body).toBe(404);
    }
  });
});
