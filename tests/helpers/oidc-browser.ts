import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';

/**
 * A browser for sign-in flows: fetch with a cookie jar per host, following redirects by hand so a
 * test can stop at the relying party's callback (to tamper with it or replay it).
 */
export class FlowBrowser {
  /** host → cookie name → value */
  readonly jar = new Map<string, Map<string, string>>();

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, value);
  }

  /** One request, no redirect followed; Set-Cookie headers go into the jar. */
  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookies = this.jar.get(target.host);
    if (cookies && cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(target.host, line);
    return res;
  }

  /**
   * Follows redirects from `url` until one leads to `stopOrigin` (the relying party): returns that
   * URL without requesting it. Throws when a page answers without redirecting.
   */
  async followUntil(url: string, stopOrigin: string): Promise<URL> {
    let next = new URL(url);
    for (let hops = 0; hops < 20; hops++) {
      const res = await this.get(next.href);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) throw new Error(`${next.href} answered ${res.status} without a redirect: ${(await res.text()).slice(0, 500)}`);
      next = new URL(location, next);
      if (next.origin === stopOrigin) return next;
    }
    throw new Error('too many redirects');
  }

  sessionCookie(host: string): string | undefined {
    return this.cookie(host, SESSION_COOKIE);
  }

  private store(host: string, line: string): void {
    const [pair, ...attributes] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attributes.some((a) => {
      const [k, v] = a.split('=').map((s) => s.trim().toLowerCase());
      return (k === 'max-age' && Number(v) <= 0) || (k === 'expires' && Date.parse(v ?? '') < Date.now());
    });
    if (expired || value === '') this.jar.get(host)?.delete(name);
    else this.setCookie(host, name, value);
  }
}
