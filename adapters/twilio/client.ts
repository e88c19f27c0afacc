import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { AdapterError, errorForStatus } from '../core/index.ts';
import type { TwilioConfiguration, TwilioCredentials } from './config.ts';

/**
 * The Twilio client's HTTP layer, sending every request to `base` instead of `*.twilio.com` (the
 * sandbox, or a proxy). Paths, auth and form encoding stay the client's own.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(private readonly base: URL, options: ConstructorParameters<typeof twilio.RequestClient>[0]) {
    super(options);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const u = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: new URL(`${u.pathname}${u.search}`, this.base).toString() });
  }
}

export function createTwilioClient(credentials: TwilioCredentials, config: TwilioConfiguration): twilio.Twilio {
  // Retries are the bridge's (outbox backoff honouring Retry-After), not the client's.
  const http = { timeout: 10_000, autoRetry: false, keepAlive: true };
  const opts: twilio.ClientOpts = {
    ...(config.region ? { region: config.region } : {}),
    ...(config.edge ? { edge: config.edge } : {}),
    ...(config.apiBase ? { httpClient: new BaseUrlRequestClient(new URL(config.apiBase), http) } : http),
    // The client would otherwise read TWILIO_* from the environment.
    env: {} as NodeJS.ProcessEnv,
  };
  return twilio(credentials.accountSid, credentials.authToken, opts);
}

/** A Twilio client error → the error the bridge acts on (RestException carries the HTTP status). */
export function twilioError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  const e = error as { status?: number; code?: number; message?: string; moreInfo?: string };
  if (typeof e?.status === 'number' && e.status >= 400) {
    const mapped = errorForStatus('Twilio', e.status, `${e.code ?? ''} ${e.message ?? ''}`.trim());
    return new AdapterError(mapped.code, mapped.message, { ...mapped.extra, cause: error });
  }
  return new AdapterError('transient', `Twilio unreachable: ${e?.message ?? String(error)}`, { cause: error });
}
