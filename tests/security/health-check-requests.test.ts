import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';

/**
 * Sends `request` as written on a new connection and returns the status and body of the answer;
 * the server closes the connection after it (HTTP/1.0, or `Connection: close`). The client does not
 * half-close first, as HAProxy does not: Node 22 closed such a connection without answering when
 * /readyz waited on PostgreSQL.
 */
function rawRequest(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { data += chunk; });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('health checks as load balancers send them', () => {
  it('an HTTP/1.0 request with no Host (HAProxy `option httpchk GET /readyz`) is answered; HTTP/1.1 without Host is still refused', async () => {
    const t = await startTestServer();
    const ready = await rawRequest(t.port, 'GET /readyz HTTP/1.0\r\n\r\n');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' });
    expect((await rawRequest(t.port, 'GET /healthz HTTP/1.0\r\n\r\n')).status).toBe(200);
    // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host.
    expect((await rawRequest(t.port, 'GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n')).status).toBe(400);
  });
});
