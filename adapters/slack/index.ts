import {
  ErrorCode, WebClient,
  type WebAPIHTTPError, type WebAPIPlatformError, type WebAPIRateLimitedError,
} from '@slack/web-api';
import {
  AdapterError, errorForStatus, networkError, parseAdapterConfig,
  type AdapterDefinition, type AdapterInput, type MessagingAdapter, type MessagingChannel, type Recipient,
} from '../core/index.ts';
import { SlackConfiguration, SlackCredentials } from './config.ts';
import { METADATA_EVENT, composePost } from './mappers.ts';
import { ownValue } from '../../schema/own-keys.ts';

export const SYSTEM = 'slack';

/** Slack platform errors that a retry can fix. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
const UNAUTHORIZED = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope']);

/** A @slack/web-api error → the error the bridge acts on. */
export function slackError(error: unknown): AdapterError {
  const e = error as { code?: string; message?: string };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return new AdapterError('rate_limited', 'Slack rate limit', { status: 429, retryAfterMs: (error as WebAPIRateLimitedError).retryAfter * 1000, cause: error });
    case ErrorCode.PlatformError: {
      // `error` comes from the answer body: only codes of our own lists are repeated (see errorForStatus).
      const code = (error as WebAPIPlatformError).data.error;
      if (UNAUTHORIZED.has(code)) return new AdapterError('unauthorized', `Slack refused the token: ${code}`, { cause: error });
      if (TRANSIENT.has(code)) return new AdapterError('transient', `Slack: ${code}`, { cause: error });
      return new AdapterError('permanent', 'Slack refused the call (platform error)', { cause: error });
    }
    case ErrorCode.HTTPError: {
      const h = error as WebAPIHTTPError;
      const mapped = errorForStatus('Slack', h.statusCode, h.headers['retry-after']);
      return new AdapterError(mapped.code, mapped.message, { ...mapped.extra, cause: error });
    }
    default:
      return networkError('Slack', error);
  }
}

/**
 * Slack through @slack/web-api (`chat.postMessage` with Block Kit and a button to acknowledge).
 * Each message carries metadata with its idempotency key; after an attempt whose outcome is unknown
 * the adapter reads the channel's recent history for that key before posting again.
 */
export function createSlackAdapter(input: AdapterInput): MessagingAdapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', SlackConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', SlackCredentials, input.credentials);
  // The client's own retries (up to 10 over half an hour) would hold an outbox worker; the bridge retries.
  // `fetch`: the runtime's checked one, so a user-set apiUrl cannot reach internal addresses;
  // `allowAbsoluteUrls: false` keeps every call under that URL.
  const web = new WebClient(credentials.botToken, {
    retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000, fetch: input.runtime.fetch, allowAbsoluteUrls: false,
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
  });

  return {
    system: SYSTEM,
    category: 'communication',
    capabilities: ['messaging'],
    fields: {},
    channels: ['slack'],

    async testConnection() {
      try {
        await web.auth.test();
      } catch (error) {
        throw slackError(error);
      }
    },

    addressFor(recipient: Recipient, channel: MessagingChannel) {
      return channel === 'slack' ? ownValue(config.recipients, recipient.id) ?? null : null;
    },

    async send(message, { idempotencyKey }) {
      if (message.channel !== 'slack') throw new AdapterError('unsupported', `the Slack integration does not send ${message.channel}`);
      try {
        const res = await web.chat.postMessage(composePost(message, idempotencyKey));
        return { providerId: `${res.channel}/${res.ts}`, status: 'sent' };
      } catch (error) {
        throw slackError(error);
      }
    },

    async findSent(message, { idempotencyKey, since }) {
      try {
        const res = await web.conversations.history({ channel: message.address, oldest: String(Math.floor(since / 1000) - 60), include_all_metadata: true, limit: 200 });
        const hit = res.messages?.find((m) => m.metadata?.event_type === METADATA_EVENT && (m.metadata.event_payload as Record<string, unknown> | undefined)?.key === idempotencyKey);
        return hit?.ts ? { providerId: `${message.address}/${hit.ts}`, status: 'sent' } : null;
      } catch (error) {
        throw slackError(error);
      }
    },
  };
}

export const slackAdapter: AdapterDefinition = {
  system: SYSTEM,
  category: 'communication',
  capabilities: ['messaging'],
  description: 'Slack messages (Block Kit, with a button to acknowledge) to the channels or people you map.',
  configuration: SlackConfiguration,
  create: createSlackAdapter,
};
