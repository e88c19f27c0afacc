import { AdapterError, errorForStatus, networkError } from '../core/index.ts';
import type { VscoCredentials } from './config.ts';
import type { VscoList } from './wire.ts';

const SYSTEM = 'VSCO Workspace';

/** Longest list read: a studio has far fewer jobs, sessions or payments changed between two pulls. */
const MAX_PAGES = 200;

/**
 * The wire calls to VSCO Workspace API v2 (https://workspace.vsco.co/api). Authenticates with
 * `X-API-KEY: <key>` (a Workspace API key) or `Authorization: Bearer <token>`; every call goes
 * through `fetchImpl` (the runtime's guarded egress). Non-2xx answers (RFC 7807 problem bodies)
 * become AdapterErrors by status: 401/403 `unauthorized`, 404 `permanent` with status 404, 410
 * `gone`, 429 `rate_limited` with `retryAfterMs` from `Retry-After`, 5xx `transient`.
 */
export class VscoClient {
  private readonly base: string;

  constructor(base: string, private readonly credentials: VscoCredentials, private readonly fetchImpl: typeof fetch) {
    this.base = base.replace(/\/+$/, '');
  }

  private headers(): Record<string, string> {
    return 'apiKey' in this.credentials ? { 'x-api-key': this.credentials.apiKey } : { authorization: `Bearer ${this.credentials.accessToken}` };
  }

  /** One call; `path` is relative to the API base (`/job/…`). Throws AdapterError. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, query?: Record<string, string>): Promise<T> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...this.headers() },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw networkError(SYSTEM, error);
    }
    const text = await res.text();
    // The problem body's `detail` is VSCO's text: like every remote answer it is not quoted (errorForStatus).
    if (!res.ok) throw errorForStatus(SYSTEM, res.status, res.headers.get('retry-after'));
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new AdapterError('invalid_payload', `${SYSTEM} answered ${res.status} with a body that is not JSON`, { status: res.status, cause: error });
    }
  }

  get<T>(path: string, query?: Record<string, string>): Promise<T> {
    return this.request<T>('GET', path, undefined, query);
  }

  /**
   * Every item of a list (`page` from 1, `pageSize`), newest change first (`sortBy=-modified`).
   * `stopAt`: items are read until one was modified before this instant (the boundary is read again: upserts are idempotent) — only while the
   * answer is visibly in that order, so a server ignoring `sortBy` is read to its end.
   */
  async list<T extends { modified?: string }>(path: string, options: { pageSize: number; query?: Record<string, string>; stopAt?: number | null }): Promise<T[]> {
    const out: T[] = [];
    let previous = Infinity;
    let sorted = true;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.get<VscoList<T>>(path, { ...options.query, page: String(page), pageSize: String(options.pageSize), sortBy: '-modified' });
      const items = Array.isArray(answer?.items) ? answer.items : [];
      for (const item of items) {
        const at = Date.parse(item.modified ?? '');
        if (Number.isFinite(at)) {
          if (at > previous) sorted = false;
          previous = at;
        }
        if (options.stopAt != null && sorted && Number.isFinite(at) && at < options.stopAt) return out;
        if (options.stopAt != null && Number.isFinite(at) && at < options.stopAt) continue;
        out.push(item);
      }
      const total = answer?.meta?.totalPages;
      if (items.length === 0 || (typeof total === 'number' ? page >= total : items.length < options.pageSize)) break;
    }
    return out;
  }
}
