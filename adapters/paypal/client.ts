import { AdapterError, requestJson } from '../core/index.ts';

export const PAYPAL_BASE = { sandbox: 'https://api-m.sandbox.paypal.com', production: 'https://api-m.paypal.com' } as const;

/**
 * PayPal's REST API with client-credentials OAuth (the token is cached until a minute before it
 * expires, and fetched again once on a 401). Plain HTTP rather than @paypal/paypal-server-sdk: the
 * SDK has no webhook-verification or webhook-management calls, and it only talks to PayPal's two
 * fixed hosts, so it could not be pointed at the local sandbox.
 */
export class PaypalApi {
  private token: { value: string; expiresAt: number } | null = null;

  constructor(
    private readonly base: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly fetchImpl: typeof fetch,
    private readonly now: () => number,
  ) {}

  private async accessToken(force = false): Promise<string> {
    if (!force && this.token && this.token.expiresAt > this.now()) return this.token.value;
    const res = await requestJson<{ access_token: string; expires_in: number }>('PayPal', this.fetchImpl, {
      method: 'POST', url: `${this.base}/v1/oauth2/token`,
      headers: { authorization: `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    if (!res.body?.access_token) throw new AdapterError('unauthorized', 'PayPal returned no access token');
    this.token = { value: res.body.access_token, expiresAt: this.now() + Math.max(0, (res.body.expires_in - 60) * 1000) };
    return this.token.value;
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const send = async (force: boolean) => requestJson<T>('PayPal', this.fetchImpl, {
      method, url: `${this.base}${path}`, body, headers: { authorization: `Bearer ${await this.accessToken(force)}`, ...headers },
    });
    try {
      return (await send(false)).body;
    } catch (error) {
      // An expired or revoked token: one fresh token, once.
      if (error instanceof AdapterError && error.code === 'unauthorized' && error.extra.status === 401) return (await send(true)).body;
      throw error;
    }
  }

  /** Checks the credentials (fetches a token). */
  async check(): Promise<void> {
    await this.accessToken(true);
  }
}
