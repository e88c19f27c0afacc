import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenPreferring } from './sandbox-server.ts';
import { sandboxFetch } from './sandbox-sender.ts';

/**
 * Small helpers shared by the sandboxes (local fakes of external systems that speak their real
 * wire formats). Not used by adapters at run time.
 */

export interface SandboxRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  rawBody: string;
  url: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Fail the next `count` requests with `status` (a provider outage), optionally with a Retry-After. */
export interface FailurePlan {
  count: number;
  status: number;
  retryAfter?: string;
  /** Only requests whose path matches. */
  path?: RegExp;
}

/** An HTTP server on 127.0.0.1 with a free port; `handle` answers each request. */
export class SandboxServer {
  private readonly server: http.Server;
  url = '';
  /** Every request, in arrival order. */
  readonly requests: SandboxRequest[] = [];
  private failures: FailurePlan[] = [];
  /** While true, every request is answered 503 (the provider is down). */
  down = false;
  /** Requests waiting here until `release()` (a provider that accepted but has not answered yet). */
  private holding: { match: RegExp; waiting: (() => void)[] } | null = null;

  constructor(private readonly handle: (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>) {
    this.server = http.createServer((req, res) => void this.onRequest(req, res));
  }

  /** Listens on `port` when it is free (a sandbox resuming its saved state), else on a free one. */
  async start(port = 0): Promise<this> {
    await listenPreferring(this.server, port);
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  failNext(count: number, status = 503, options: { retryAfter?: string; path?: RegExp } = {}): void {
    this.failures.push({ count, status, ...options });
  }

  /**
   * Requests whose path matches are processed (their effect happens) but not answered until
   * `release()`: what a crash between the provider accepting and us hearing back looks like.
   */
  holdResponses(match: RegExp): void {
    this.holding = { match, waiting: [] };
  }

  /** Answers every held request and stops holding. */
  release(): void {
    const h = this.holding;
    this.holding = null;
    for (const w of h?.waiting ?? []) w();
  }

  get heldCount(): number {
    return this.holding?.waiting.length ?? 0;
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://sandbox');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    const request: SandboxRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers, rawBody: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '/' };
    this.requests.push(request);
    let reply: SandboxResponse;
    const failure = this.failures.find((f) => f.count > 0 && (!f.path || f.path.test(request.path)));
    if (this.down) reply = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'service unavailable' };
    else if (failure) {
      failure.count--;
      reply = { status: failure.status, headers: { 'content-type': 'application/json', ...(failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}) }, body: JSON.stringify({ error: { message: `sandbox failure ${failure.status}` } }) };
    } else {
      try {
        reply = await this.handle(request);
      } catch (error) {
        reply = { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: (error as Error).message } }) };
      }
    }
    if (this.holding && this.holding.match.test(request.path)) {
      const holding = this.holding;
      await new Promise<void>((resolve) => holding.waiting.push(resolve));
    }
    if (res.destroyed) return;
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? '');
  }
}

/** Decodes `application/x-www-form-urlencoded` with bracket nesting (`metadata[key]=v`, `types[0]=a`) as Stripe and qs write it. */
export function parseForm(body: string | URLSearchParams): Record<string, unknown> {
  const params = typeof body === 'string' ? new URLSearchParams(body) : body;
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of params) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i]!;
      if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1]!;
    // `key[]=a&key[]=b` (empty index) appends.
    if (last === '') {
      const n = Object.keys(node).length;
      node[String(n)] = value;
    } else node[last] = value;
  }
  return arraysOf(root) as Record<string, unknown>;
}

function arraysOf(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length && keys.every((k) => /^\d+$/.test(k))) return keys.sort((a, b) => Number(a) - Number(b)).map((k) => arraysOf(o[k]));
  return Object.fromEntries(keys.map((k) => [k, arraysOf(o[k])]));
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Posts to a webhook URL; returns the answer (status 0 when the URL could not be reached). */
export async function postWebhook(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  try {
    const res = await sandboxFetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text().catch(() => '') };
  } catch {
    return { status: 0, body: '' };
  }
}
