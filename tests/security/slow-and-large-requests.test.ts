import net from 'node:net';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from '../bridge/helpers.ts';

/** A raw TCP client: what it was answered, and whether the server hung up. */
function rawClient(t: TestServer) {
  const socket = net.connect(t.port, '127.0.0.1');
  registerTeardown(() => socket.destroy());
  const state = { received: '', closed: false, closedAt: 0 };
  socket.on('data', (d) => { state.received += d.toString('latin1'); });
  socket.on('close', () => { state.closed = true; state.closedAt = Date.now(); });
  socket.on('error', () => {});
  return { socket, state, status: () => Number(/^HTTP\/1\.1 (\d{3})/.exec(state.received)?.[1] ?? 0) };
}

const timeouts = { HTTP_HEADERS_TIMEOUT_MS: '800', HTTP_REQUEST_TIMEOUT_MS: '1500' };

describe('slow and oversized requests', () => {
  it('cuts off a body trickled a byte at a time once the request deadline passes (408)', async () => {
    const t = await startTestServer({ env: timeouts });
    const planner = await t.token('planner', ['w1']);
    const c = rawClient(t);
    const started = Date.now();
    c.socket.write(`POST /api/integrations/sync/w1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${planner}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
    const trickle = setInterval(() => { if (!c.socket.destroyed) c.socket.write('{'); }, 100);
    registerTeardown(() => clearInterval(trickle));
    await waitFor(() => c.state.closed, 'the server to hang up', 10_000);
    clearInterval(trickle);
    expect(c.status()).toBe(408);
    expect(c.state.closedAt - started).toBeLessThan(4000);
  });

  it('cuts off headers that never finish', async () => {
    const t = await startTestServer({ env: timeouts });
    const c = rawClient(t);
    const started = Date.now();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => { if (!c.socket.destroyed) c.socket.write('X-Slow: 1\r\n'); }, 100);
    registerTeardown(() => clearInterval(trickle));
    await waitFor(() => c.state.closed, 'the server to hang up', 10_000);
    clearInterval(trickle);
    expect(c.state.closedAt - started).toBeLessThan(3500);
  });

  it('keeps WebSockets open past the HTTP deadlines', async () => {
    const t = await startTestServer({ env: timeouts });
    const planner = await t.token('planner', ['w1']);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    await new Promise((r) => setTimeout(r, 2500)); // longer than both deadlines, on purpose
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' });
    await client.whenAcknowledged();
    expect(client.doc.getEvent('ceremony')?.title).toBe('Ceremony');
  });

  it('refuses a webhook for an unknown integration before reading its chunked body', async () => {
    const t = await startTestServer();
    const c = rawClient(t);
    c.socket.write('POST /api/integrations/webhook/webhooks/int_nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    c.socket.write(`${chunk.length.toString(16)}\r\n`);
    c.socket.write(chunk);
    c.socket.write('\r\n');
    // Only 64 KiB of a body that would go on for hundreds of megabytes has been sent: the answer comes anyway.
    await waitFor(() => c.status(), 'an answer', 5000);
    expect(c.status()).toBe(404);
    expect(c.state.received).toContain('integration_not_found');
  });

  it('stops reading a chunked body at the limit (413) without buffering the rest', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const c = rawClient(t);
    c.socket.write(`POST /api/integrations/sync/w1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${planner}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    while (!c.status() && sent < 64 * 1024 * 1024 && !c.state.closed) {
      c.socket.write(`${chunk.length.toString(16)}\r\n`);
      c.socket.write(chunk);
      c.socket.write('\r\n');
      sent += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => c.status(), 'an answer', 5000);
    expect(c.status()).toBe(413);
    expect(c.state.received).toContain('payload_too_large');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a webhook body over 1 MiB with 413, whether its length is declared or not, and stores nothing', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    const big = JSON.stringify({ id: 'msg_big', type: 'timeline.upserted', data: { id: 'x', title: 'x'.repeat(1024 * 1024) } });
    const declared = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    const streamed = await fetch(conn.webhookUrl, {
      method: 'POST', headers: { 'content-type': 'application/json' }, duplex: 'half',
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } }),
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await serverSql(t.server).value('SELECT count(*) FROM inbox')).toBe(0);
  });

  it('refuses JSON nested 100,000 deep or with 40,000 keys, signed or not', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const conn = await connectWebhooks(t, planner, 'w1');
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, i])));
    for (const body of [deep, wide]) {
      const api = await t.fetch('/api/integrations/sync/w1', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body });
      expect(api.status).toBe(413);
      expect(await api.json()).toMatchObject({ error: { code: 'json_too_complex' } });
    }
    const deepData = JSON.parse('['.repeat(30) + ']'.repeat(30)) as unknown;
    const ok = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_ok', type: 'timeline.upserted', data: { id: 'x', title: 'Fine', nested: deepData } });
    expect(ok.status).not.toBe(413);
    const signedWide = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_wide', type: 'timeline.upserted', data: Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, i])) });
    expect(signedWide.status).toBe(413);
    const inbox = (await serverSql(t.server).value<number>("SELECT count(*) FROM inbox WHERE payload LIKE '%msg_wide%'"))!;
    expect(inbox).toBe(0);
  });

  it('closes a WebSocket that never authenticates with 4401 after WS_AUTH_TIMEOUT_MS, and leaves authenticated ones open', async () => {
    const t = await startTestServer({ env: { WS_AUTH_TIMEOUT_MS: '500' } });
    const client = await t.connect('w1', await t.token('planner', ['w1']));
    await client.whenSynced();
    const started = Date.now();
    const silent = new WebSocket(t.wsUrl);
    registerTeardown(() => silent.terminate());
    const closed = await new Promise<{ code: number; at: number }>((resolve) => silent.on('close', (code) => resolve({ code, at: Date.now() })));
    expect(closed.code).toBe(4401);
    expect(closed.at - started).toBeGreaterThanOrEqual(450);
    expect(closed.at - started).toBeLessThan(5000);
    // The authenticated client, connected longer than the deadline, still writes.
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' });
    await client.whenAcknowledged();
    expect(client.status).toBe('connected');
  });
});
