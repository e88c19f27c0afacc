import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { registerTeardown } from '../helpers/teardown.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { storedBytes } from '../helpers/stored-bytes.ts';

/** What an internal page holds; no error text, stored row or response may ever contain it. */
export const SECRET_MARKER = 'db_password=s3cr3t-INTERNAL-7f3a9';

export interface InternalServer {
  port: number;
  /** Requests (HTTP) or connections (SMTP) that reached it. */
  hits(): number;
}

/**
 * An "internal" HTTP service on every local address (IPv4 and IPv6: 127.0.0.2 and ::1 reach it
 * too). Every answer carries SECRET_MARKER; `status` picks the status per request path.
 */
export async function startInternalHttp(status: (path: string) => number = (p) => (p.includes('admin-secret') ? 200 : 500)): Promise<InternalServer> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    const code = status(req.url ?? '/');
    res.writeHead(code, { 'content-type': code === 200 ? 'text/plain' : 'application/json' });
    res.end(code === 200 ? `${SECRET_MARKER}\n` : JSON.stringify({ error: { message: SECRET_MARKER, errors: [{ reason: SECRET_MARKER }] }, message: SECRET_MARKER, detail: SECRET_MARKER, error_description: SECRET_MARKER }));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
  registerTeardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { port: (server.address() as AddressInfo).port, hits: () => hits };
}

/** An "internal" SMTP-looking service whose every reply quotes SECRET_MARKER. */
export async function startInternalSmtp(): Promise<InternalServer> {
  let hits = 0;
  const server = net.createServer((socket) => {
    hits++;
    socket.on('error', () => undefined);
    socket.write(`554 5.7.1 ${SECRET_MARKER}\r\n`);
    socket.on('data', () => socket.write(`554 5.7.1 ${SECRET_MARKER}\r\n`));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
  registerTeardown(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, hits: () => hits };
}

/** A public-looking server that answers every request with a redirect to `location(path)`. */
export async function startRedirector(location: (path: string) => string): Promise<{ url: string; hits(): number }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(302, { location: location(req.url ?? '/') }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registerTeardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

/** One connect request per adapter kind, with `url` (or host and port) in its user-set URL field. */
export function connectBodies(url: string, smtp: { host: string; port: number }): Record<string, { credentials: Record<string, unknown>; configuration: Record<string, unknown> }> {
  const base = url.replace(/\/$/, '');
  return {
    webhooks: { credentials: {}, configuration: { url } },
    'google-calendar (apiBaseUrl)': { credentials: { accessToken: 'ya29.test-token' }, configuration: { apiBaseUrl: `${base}/`, watch: false } },
    'google-calendar (tokenUrl)': { credentials: { refreshToken: '1//refresh', clientId: 'client-id', clientSecret: 'client-secret' }, configuration: { tokenUrl: `${base}/token`, watch: false } },
    'outlook (apiBaseUrl)': { credentials: { accessToken: 'eyJ.test' }, configuration: { apiBaseUrl: base, subscribe: false } },
    'outlook (authorityUrl)': { credentials: { tenantId: 'tenant', clientId: 'client', clientSecret: 'secret', refreshToken: 'refresh' }, configuration: { authorityUrl: base, subscribe: false } },
    caldav: { credentials: { username: 'planner', password: 'pw' }, configuration: { serverUrl: `${base}/dav/` } },
    stripe: { credentials: { secretKey: 'sk_test_0123456789abcdef' }, configuration: { apiBase: base, requestAs: 'payment_intent', registerWebhook: false } },
    square: { credentials: { accessToken: 'EAAAl0123456789abcdefghij' }, configuration: { locationId: 'LOC12345678', apiBase: base, registerWebhook: false } },
    paypal: { credentials: { clientId: 'paypal-client-id', clientSecret: 'paypal-client-secret' }, configuration: { apiBase: base } },
    twilio: { credentials: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'f'.repeat(32) }, configuration: { apiBase: base, smsFrom: '+447700900001', statusCallbacks: false } },
    slack: { credentials: { botToken: 'xoxb-0123456789-abcdef' }, configuration: { apiUrl: `${base}/api/`, recipients: { dj: 'C0123ABCD' } } },
    email: { credentials: {}, configuration: { host: smtp.host, port: smtp.port, tls: 'none', from: { address: 'wedding@example.com' } } },
  };
}

/** `system (field)` → `system`. */
export const systemOf = (kind: string) => kind.split(' ')[0]!;

export async function connect(t: TestServer, token: string, system: string, body: { credentials: Record<string, unknown>; configuration: Record<string, unknown> }, weddingId = 'w1') {
  const res = await t.fetch('/api/integrations/vendor/connect', {
    method: 'POST', token, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ weddingId, system, ...body }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { error?: { code: string; message: string }; integrationId?: string } };
}

/** Everything the server's storage holds, as text (storedBytes: SQLite's files, PostgreSQL's rows): stored errors, audit details, outbox rows. */
export async function storedText(t: TestServer): Promise<string> {
  return (await storedBytes(t)).map(({ bytes }) => bytes.toString('utf8')).join('\n');
}
