import { AdapterError, errorForStatus, networkError, standardWebhookHeaders } from '../core/index.ts';

export interface Delivery {
  url: string;
  secret: string;
  /** `webhook-id`: stable across retries, so the subscriber can drop duplicates. */
  id: string;
  body: string;
  extraHeaders?: Record<string, string>;
  fetch: typeof fetch;
  now: number;
  timeoutMs?: number;
}

/** Delivers one signed Standard Webhook; any 2xx is success, everything else an AdapterError. */
export async function deliver(d: Delivery): Promise<number> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timed out')), d.timeoutMs ?? 10_000);
  let res: Response;
  try {
    res = await d.fetch(d.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'WedSync-Hub-Webhooks/1', ...d.extraHeaders, ...standardWebhookHeaders(d.secret, d.id, d.body, d.now) },
      body: d.body,
      signal: controller.signal,
      redirect: 'manual',
    });
  } catch (error) {
    throw networkError('webhook subscriber', error);
  } finally {
    clearTimeout(timer);
  }
  // Drained so the connection can be reused; never quoted (see errorForStatus).
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 300 && res.status < 400) throw new AdapterError('permanent', `the subscriber redirected (${res.status}); configure the final URL`, { status: res.status });
  if (!res.ok) throw errorForStatus('webhook subscriber', res.status, res.headers.get('retry-after'));
  return res.status;
}
