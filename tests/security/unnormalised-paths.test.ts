import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';

/** Sends `path` exactly as written (no client-side normalising, as `curl --path-as-is` does). */
function rawRequest(port: number, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'xx' : undefined);
  });
}

describe('request paths as sent', () => {
  it('dot segments and encoded separators are refused with 400 before routing (operator trial: /api/../internal/ reached the instance routes past the balancer’s prefix rule); normal paths work', async () => {
    const t = await startTestServer();
    for (const path of [
      '/api/../internal/v1/documents/w1/changes', '/api/%2e%2e/internal/v1/documents/w1/changes', '/api/%2E%2E/internal/v1/documents/w1/changes',
      '/api/..%2finternal/v1/documents/w1/changes', '/api/./internal/v1/documents/w1/changes', '/api/weddings%2Fw1', '/api/..%5cinternal/v1/documents/w1/changes',
    ]) {
      const res = await rawRequest(t.port, 'POST', path);
      expect([path, res.status, res.body]).toEqual([path, 400, expect.stringContaining('validation_failed')]);
    }
    expect((await rawRequest(t.port, 'GET', '/healthz')).status).toBe(200);
    // A query may carry anything encoded.
    expect((await rawRequest(t.port, 'GET', '/healthz?next=%2F..%2F')).status).toBe(200);
    // Without the trick the route is reached (and protected by its own signature check).
    expect((await rawRequest(t.port, 'POST', '/internal/v1/documents/w1/changes')).status).not.toBe(400);
  });
});
