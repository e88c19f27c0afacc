import { AdapterError, errorForStatus, networkError, standardWebhookHeaders, type Egress } from '../core/index.ts';

export interface Delivery {
  url: string;
  /** The signing secrets: the connection's, and while it is being rotated the previous one too (standardWebhookHeaders). */
  secrets: readonly string[];
  /** `webhook-id`: stable across retries, so the subscriber can drop duplicates. */
  id: string;
  body: string;
  extraHeaders?: Record<string, string>;
  fetch: typeof fetch;
  /** Classifies a redirect's target (never followed) so a redirect into the network reads as what it is. */
  lookup?: Egress['lookup'];
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
      headers: { 'content-type': 'application/json', 'user-agent': 'WedSync-Hub-Webhooks/1', ...d.extraHeaders, ...standardWebhookHeaders(d.secrets, d.id, d.body, d.now) },
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
  if (res.status >= 300 && res.status < 400) {
    await refuseForbiddenTarget(res.headers.get('location'), d);
    throw new AdapterError('permanent', `the subscriber redirected (${res.status}); configure the final URL`, { status: res.status });
  }
  if (!res.ok) throw errorForStatus('webhook subscriber', res.status, res.headers.get('retry-after'));
  return res.status;
}

/** Throws `destination_forbidden` when a redirect points where the server may not connect. */
async function refuseForbiddenTarget(location: string | null, d: Delivery): Promise<void> {
  if (!location || !d.lookup) return;
  let host: string;
  try {
    host = new URL(location, d.url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return;
  }
  const lookup = d.lookup;
  const error = await new Promise<unknown>((resolve) => lookup(host, { all: true }, (e) => resolve(e)));
  if (error) {
    const refused = networkError('webhook subscriber', error);
    if (refused.code === 'destination_forbidden') throw new AdapterError('destination_forbidden', `the subscriber redirected to a forbidden destination: ${refused.message}`, { cause: error });
  }
}
