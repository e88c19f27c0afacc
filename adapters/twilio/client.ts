import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { AdapterError, errorForStatus, networkError, type Egress } from '../core/index.ts';
import type { TwilioConfiguration, TwilioCredentials } from './config.ts';

/**
 * The Twilio client's HTTP layer over the runtime's checked agents (the client's axios would
 * otherwise open connections anywhere), sending every request to `base` instead of
 * `*.twilio.com` when one is set (the sandbox, or a proxy). Paths, auth and form encoding stay the
 * client's own.
 */
class GuardedRequestClient extends twilio.RequestClient {
  constructor(private readonly base: URL | null, egress: Egress, options: ConstructorParameters<typeof twilio.RequestClient>[0]) {
    super(options);
    this.axios.defaults.httpAgent = egress.httpAgent;
    this.axios.defaults.httpsAgent = egress.httpsAgent;
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    if (!this.base) return super.request<TData>(opts);
    const u = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: new URL(`${u.pathname}${u.search}`, this.base).toString() });
  }
}

export function createTwilioClient(credentials: TwilioCredentials, config: TwilioConfiguration, egress: Egress): twilio.Twilio {
  // Retries are the bridge's (outbox backoff honouring Retry-After), not the client's.
  const http = { timeout: 10_000, autoRetry: false, keepAlive: true };
  const opts: twilio.ClientOpts = {
    ...(config.region ? { region: config.region } : {}),
    ...(config.edge ? { edge: config.edge } : {}),
    httpClient: new GuardedRequestClient(config.apiBase ? new URL(config.apiBase) : null, egress, http),
    // The client would otherwise read TWILIO_* from the environment.
    env: {} as NodeJS.ProcessEnv,
  };
  return twilio(credentials.accountSid, credentials.authToken, opts);
}

/** A Twilio client error → the error the bridge acts on (RestException carries the HTTP status). */
export function twilioError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  // A RestException's message and code are Twilio's answer; only its status is used (see errorForStatus).
  const e = error as { status?: number };
  if (typeof e?.status === 'number' && e.status >= 400) {
    const mapped = errorForStatus('Twilio', e.status);
    return new AdapterError(mapped.code, mapped.message, { ...mapped.extra, cause: error });
  }
  return networkError('Twilio', error);
}
