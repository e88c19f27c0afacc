import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sandboxFetch } from './sandbox-sender.ts';

/** What every sandbox (a local fake of an external system) needs: an HTTP server on a free loopback port. */

export interface SandboxRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

/** An HTTP server on 127.0.0.1 (port 0) that hands each request to `handle` and logs it. */
export class SandboxServer {
  readonly log: LoggedRequest[] = [];
  private readonly server: http.Server;
  url = '';

  constructor(private readonly handle: (req: SandboxRequest) => Promise<SandboxResponse> | SandboxResponse) {
    this.server = http.createServer((req, res) => void this.serve(req, res));
  }

  /** Listens on `port` when it is free (a sandbox resuming its saved state), else on a free one. */
  async start(port = 0): Promise<string> {
    await listenPreferring(this.server, port);
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    const request: SandboxRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', this.url), headers, body: Buffer.concat(chunks).toString('utf8') };
    let reply: SandboxResponse;
    try {
      reply = await this.handle(request);
    } catch (error) {
      reply = { status: 500, headers: { 'content-type': 'text/plain' }, body: `sandbox error: ${(error as Error).message}` };
    }
    this.log.push({ method: request.method, path: request.url.pathname + request.url.search, headers, body: request.body, status: reply.status, at: Date.now() });
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body ?? '');
  }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse => ({
  status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers }, body: JSON.stringify(body),
});

/** A failure the next matching requests answer with (rate limits, outages), for retry tests. */
export interface InjectedFailure {
  count: number;
  status: number;
  retryAfter?: string;
  /** Only requests this matches fail. @default every API request */
  when?: (method: string, path: string) => boolean;
}

export function takeFailure(failures: InjectedFailure[], method: string, path: string): InjectedFailure | null {
  const f = failures.find((x) => x.count > 0 && (!x.when || x.when(method, path)));
  if (!f) return null;
  f.count--;
  return f;
}

/** POSTs a notification to a subscriber; resolves with the status (0 when unreachable). */
export async function deliver(url: string, init: { headers: Record<string, string>; body: string; method?: string }): Promise<number> {
  try {
    const res = await sandboxFetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  } catch {
    return 0;
  }
}

/** Listens on 127.0.0.1:`port`, or on a free port when `port` is 0 or taken (EADDRINUSE). */
export async function listenPreferring(server: http.Server, port: number): Promise<void> {
  const listen = (p: number) => new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(p, '127.0.0.1', () => {
      server.off('error', failed);
      resolve();
    });
  });
  if (port === 0) return listen(0);
  try {
    await listen(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await listen(0);
  }
}
