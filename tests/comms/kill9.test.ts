import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectWedding } from '../../client/sdk/node.ts';
import type { EmergencyResponse } from '../../schema/index.ts';
import { spawnServer, type ChildServer } from '../helpers/child-server.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir, type TestServer } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, postJson, seedWedding, startCommsSandboxes } from './helpers.ts';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** The parts of the test-server API the helpers use, for a child process. */
function api(server: ChildServer): Pick<TestServer, 'fetch' | 'connect'> {
  return {
    fetch(pathname, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(server.httpUrl + pathname, { ...rest, headers });
    },
    async connect(weddingId, token) {
      const c = await connectWedding({ url: server.wsUrl, weddingId, token });
      registerTeardown(() => c.destroy());
      return c;
    },
  };
}

describe('sends across a provider outage and kill -9', () => {
  it('a send the provider accepted just before the crash is found there after restart, not sent again', async () => {
    const dataDir = tempDir();
    const env = { PORT: String(await freePort()), RETRY_SCHEDULE_MS: '200,400', BREAKER_THRESHOLD: '100', LOG_LEVEL: 'warn' };
    let server = await spawnServer(dataDir, env);
    const planner = await testToken('planner', ['w1']);
    const sb = await startCommsSandboxes();
    await seedWedding(api(server), planner, 'w1', {
      meta: { title: 'G & H' },
      vendors: [
        { id: 'band', name: 'The Band', category: 'band', phone: '+447700900501', preferredChannels: ['sms'] },
        { id: 'florist', name: 'Petal Co', category: 'florist', preferredChannels: ['slack'] },
        { id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com', preferredChannels: ['email'] },
      ],
    });
    const conn = await connectMessaging(api(server), planner, 'w1', sb, { slack: ['florist'] });

    // Twilio and Slack are down: the first attempts fail and are retried.
    sb.twilio.http.down = true;
    sb.slack.http.down = true;
    const res = await postJson<EmergencyResponse>(api(server), '/api/weddings/w1/emergency', planner, { kind: 'weather', severity: 'high', message: 'Hail forecast at 15:00: all outdoor setups under cover.' });
    expect(res.status).toBe(201);
    const id = res.body.message.id;
    await waitFor(() => sb.twilio.http.requests.length >= 1 && sb.slack.http.requests.some((r) => r.path.endsWith('chat.postMessage')), 'attempts during the outage');
    // They come back, take the messages … and the server dies before hearing back.
    sb.twilio.http.holdResponses(/Messages\.json$/);
    sb.slack.http.holdResponses(/chat\.postMessage$/);
    sb.twilio.http.down = false;
    sb.slack.http.down = false;
    await waitFor(() => sb.twilio.messages.length === 1 && sb.slack.posted.length === 1, 'providers accepted the sends');
    await waitFor(() => sb.smtp.received.length === 1, 'the e-mail went out');
    expect(await server.kill('SIGKILL')).toBe('SIGKILL');
    sb.twilio.http.release();
    sb.slack.http.release();

    // After restart the outbox delivers the rows left in flight; the send ledger says their outcome
    // is unknown, so each adapter looks at its provider first (Twilio's message list, Slack's history).
    server = await spawnServer(dataDir, env);
    const client = await api(server).connect('w1', planner);
    await client.whenSynced();
    await waitFor(() => {
      const d = client.doc.getMessage(id)?.deliveries;
      const ok = (k: string) => ['sent', 'delivered'].includes(d?.[k]?.status ?? '');
      return ok('band/sms') && ok('florist/slack') && ok('photo/email');
    }, 'sends recorded after restart', 15_000);
    const d = client.doc.getMessage(id)!.deliveries;
    expect(d['band/sms']!.attempts).toBe(2);
    expect(d['band/sms']!.providerId).toBe(sb.twilio.messages[0]!.sid);
    expect(d['florist/slack']!.providerId).toBe(`${conn.slackChannel.florist}/${sb.slack.posted[0]!.ts}`);
    expect(sb.twilio.http.requests.some((r) => r.method === 'GET' && r.path.endsWith('/Messages.json'))).toBe(true);
    expect(sb.slack.http.requests.some((r) => r.path.endsWith('conversations.history'))).toBe(true);
    // Exactly once at Twilio and Slack.
    expect(sb.twilio.messages).toHaveLength(1);
    expect(sb.slack.posted).toHaveLength(1);
    // SMTP cannot be asked what it accepted: killed between the server's 250 and our record of it
    // (this test kills right after the mail arrives), the mail may go out again — with the same
    // Message-ID, which mailbox providers fold into one message.
    expect(sb.smtp.received.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sb.smtp.received.map((m) => m.messageId)).size).toBe(1);
    await server.kill('SIGTERM');
  });
});
